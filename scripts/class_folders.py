#!/usr/bin/python3
"""Class folders of RGB PNGs made from an MNIST-style dataset, for the small-folder and
folder-score measurements of the README: the first PER images of each class in file order,
upscaled with PIL's bicubic filter to SIZE×SIZE and saved with three equal channels.

Usage: /usr/bin/python3 scripts/class_folders.py IDX_DIR PREFIX OUT SIZE [PER]
  e.g. scripts/class_folders.py /usr/share/datasets/fashion-mnist train fm2000-32 32 200
       scripts/class_folders.py ../shared/datasets/mnist t10k mnist2000-32 32 200
"""
import gzip
import os
import struct
import sys

from PIL import Image


def idx(path):
    with gzip.open(path) as f:
        magic = struct.unpack('>I', f.read(4))[0]
        dims = struct.unpack('>' + 'I' * (magic & 0xff), f.read(4 * (magic & 0xff)))
        return dims, f.read()


def main():
    src, prefix, out, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    per = int(sys.argv[5]) if len(sys.argv) > 5 else 200
    (n, h, w), pixels = idx(os.path.join(src, prefix + '-images-idx3-ubyte.gz'))
    _, labels = idx(os.path.join(src, prefix + '-labels-idx1-ubyte.gz'))
    classes = max(labels) + 1
    counts = [0] * classes
    for i in range(n):
        c = labels[i]
        if counts[c] >= per:
            continue
        counts[c] += 1
        grey = Image.frombytes('L', (w, h), pixels[i * h * w:(i + 1) * h * w]).resize((size, size), Image.BICUBIC)
        folder = os.path.join(out, str(c))
        os.makedirs(folder, exist_ok=True)
        Image.merge('RGB', [grey] * 3).save(os.path.join(folder, '%05d.png' % i))
        if sum(counts) == per * classes:
            break


if __name__ == '__main__':
    main()
