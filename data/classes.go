package data

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// maxFolderClasses is the most class subfolders a folder may have: labels are bytes.
const maxFolderClasses = 256

// labelByFolder labels a folder's images as torchvision's ImageFolder does: the classes are
// the subfolders of root that hold images, sorted by name, and each image takes the class of
// the subfolder it lies in (at any depth below it). images are the files in the order
// decoded; failed those that were left out. A folder that does not fit the layout stays
// unlabelled, with the reason in Unlabelled.
func (d *Dataset) labelByFolder(root string, images []string, failed []fileError) {
	skip := make(map[string]bool, len(failed))
	for _, f := range failed {
		skip[f.path] = true
	}
	classOf := make([]string, 0, d.n)
	seen := map[string]bool{}
	for _, p := range images {
		if skip[p] {
			continue
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			d.Unlabelled = fmt.Sprintf("%s is not under %s", p, root)
			return
		}
		dir, _, found := strings.Cut(filepath.ToSlash(rel), "/")
		if !found {
			d.Unlabelled = fmt.Sprintf("%s lies in %s itself, not in a class subfolder (%s/<class>/%s)", rel, root, root, rel)
			return
		}
		classOf = append(classOf, dir)
		seen[dir] = true
	}
	if len(classOf) != d.n {
		d.Unlabelled = "its files changed while they were read"
		return
	}
	names := make([]string, 0, len(seen))
	for name := range seen {
		names = append(names, name)
	}
	sort.Strings(names)
	switch {
	case len(names) < 2:
		d.Unlabelled = fmt.Sprintf("it has %d class subfolder, and classes need at least 2 (%s/<class>/<image>)", len(names), root)
		return
	case len(names) > maxFolderClasses:
		d.Unlabelled = fmt.Sprintf("it has %d class subfolders, more than the %d allowed", len(names), maxFolderClasses)
		return
	}
	index := make(map[string]uint8, len(names))
	for i, name := range names {
		index[name] = uint8(i)
	}
	d.Labels = make([]uint8, d.n)
	for i, c := range classOf {
		d.Labels[i] = index[c]
	}
	d.Classes, d.ClassNames = len(names), names
}
