package generate

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode"

	"gorgonia.org/tensor"

	"gogan/data"
)

// ClassFolders names a folder for each class, so that a conditional generator's output is
// itself a class folder that training reads back. A name keeps its characters except those
// that a file system refuses or reads as a separator (/ \ : * ? " < > | and control
// characters), which become _, as does a leading dot (the folder reader skips hidden
// folders); trailing dots and spaces, which Windows drops, are dropped too. Classes whose
// folders would be one are refused, since their images would mix.
func ClassFolders(names []string) ([]string, error) {
	folders := make([]string, len(names))
	owner := make(map[string]int, len(names))
	for i, name := range names {
		f := strings.Map(func(r rune) rune {
			if unicode.IsControl(r) || strings.ContainsRune(`/\:*?"<>|`, r) {
				return '_'
			}
			return r
		}, name)
		f = strings.TrimRight(f, ". ")
		if strings.HasPrefix(f, ".") {
			f = "_" + f[1:]
		}
		if strings.TrimSpace(f) == "" {
			f = fmt.Sprintf("class_%d", i)
		}
		if j, taken := owner[f]; taken {
			return nil, fmt.Errorf("classes %q and %q would share the folder %q; write them with --out or --out-npy instead", names[j], name, f)
		}
		owner[f] = i
		folders[i] = f
	}
	return folders, nil
}

// ClassPaths are the files WriteClassFolders writes: image i in dir/<its class's folder>,
// named by ImagePrefix and i, so that the names also give each image's place in the grid and
// the .npy.
func ClassPaths(dir string, labels []int, folders []string) []string {
	paths := make([]string, len(labels))
	for i, l := range labels {
		paths[i] = filepath.Join(dir, folders[l], data.PNGName(ImagePrefix, i))
	}
	return paths
}

// WriteClassFolders writes one PNG per image, image i into the folder of class labels[i]
// (see ClassPaths); the folders are created as needed.
func WriteClassFolders(dir string, images *tensor.Dense, labels []int, folders []string) error {
	return data.WritePNGsTo(ClassPaths(dir, labels, folders), images)
}
