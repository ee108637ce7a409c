package data

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// FolderFingerprint is a hash of what a folder holds, as cheap as one stat per file: the
// relative names, sizes and modification times of the files a folder dataset is read from
// (those listFiles returns, in its order). A file added, removed, renamed, rewritten or
// touched changes it; the pixels are not read, so it costs no decoding.
func FolderFingerprint(root string) (string, error) {
	st, err := os.Stat(root)
	if err != nil {
		return "", fmt.Errorf("image folder: %w", err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("image folder %s: not a directory", root)
	}
	paths, _ := listFiles(root)
	if len(paths) == 0 {
		return "", fmt.Errorf("image folder %s has no files", root)
	}
	h := sha256.New()
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("image folder: %w", err)
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return "", fmt.Errorf("image folder: %w", err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00%d\n", filepath.ToSlash(rel), info.Size(), info.ModTime().UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
