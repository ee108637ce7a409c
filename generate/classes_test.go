package generate

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestClassFolders: class names become folder names a file system takes and the folder
// reader does not skip; names that would share a folder are refused.
func TestClassFolders(t *testing.T) {
	got, err := ClassFolders([]string{"T-shirt/top", "N/A", ".hidden", "", "a:b*c", "ends. ", "Ankle boot"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"T-shirt_top", "N_A", "_hidden", "class_3", "a_b_c", "ends", "Ankle boot"}
	if !slices.Equal(got, want) {
		t.Errorf("folders %q, want %q", got, want)
	}
	if _, err := ClassFolders([]string{"cat", "a/b", "a_b"}); err == nil || !strings.Contains(err.Error(), `"a/b" and "a_b"`) {
		t.Errorf("colliding names: err %v, want one naming both classes", err)
	}
}

// TestClassPaths: image i lies in the folder of its class and keeps its index in its name.
func TestClassPaths(t *testing.T) {
	got := ClassPaths("out", []int{1, 0, 1}, []string{"ant", "bee"})
	want := []string{filepath.Join("out", "bee", "image000000.png"), filepath.Join("out", "ant", "image000001.png"), filepath.Join("out", "bee", "image000002.png")}
	if !slices.Equal(got, want) {
		t.Errorf("paths %q, want %q", got, want)
	}
}
