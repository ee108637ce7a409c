"""Writes a small colour class folder for trying gogan on RGB images: the first PER images of
each class of Fashion-MNIST's training split, upscaled to SIZE×SIZE with PIL's bicubic filter
and tinted by class (a red t-shirt, a green trouser, ...), so that colour carries the class.

    /usr/bin/python3 scripts/tinted_folder.py OUT [SIZE [PER]]   # defaults 64 and 100

It reads the IDX files from /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist)
or $FASHION_MNIST_DIR.
"""
import os
import sys

from PIL import Image

from class_folders import idx  # the IDX reader, beside this script

NAMES = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot']
TINTS = [(255, 80, 80), (80, 200, 80), (80, 120, 255), (230, 200, 60), (200, 80, 220),
         (60, 210, 210), (240, 140, 40), (150, 150, 150), (160, 90, 40), (255, 255, 255)]


def main():
    out = sys.argv[1]
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    per = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    src = os.environ.get('FASHION_MNIST_DIR', '/usr/share/datasets/fashion-mnist')
    (n, h, w), px = idx(os.path.join(src, 'train-images-idx3-ubyte.gz'))
    _, labels = idx(os.path.join(src, 'train-labels-idx1-ubyte.gz'))
    counts = [0] * 10
    for i in range(n):
        c = labels[i]
        if counts[c] >= per:
            continue
        counts[c] += 1
        grey = Image.frombytes('L', (w, h), px[i * h * w:(i + 1) * h * w]).resize((size, size), Image.BICUBIC)
        rgb = Image.merge('RGB', [grey.point(lambda v, k=k: v * k // 255) for k in TINTS[c]])
        folder = os.path.join(out, NAMES[c])
        os.makedirs(folder, exist_ok=True)
        rgb.save(os.path.join(folder, '%05d.png' % i))
        if sum(counts) == 10 * per:
            break


if __name__ == '__main__':
    main()
