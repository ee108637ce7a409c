package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gogan/data"
)

// TestDatasetListsAgree checks that gan train -h, gan data -h and the README list the
// datasets of the catalog, all of them, in its order.
func TestDatasetListsAgree(t *testing.T) {
	list := strings.Join(data.Names(), ", ")
	for _, cmd := range []string{"train", "data"} {
		res := gan(t, cmd, "-h")
		if !strings.Contains(res.stderr+res.stdout, "("+list+")") {
			t.Errorf("gan %s -h does not list (%s):\n%s", cmd, list, res.stderr)
		}
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "| `--dataset` | fashion-mnist | " + list + ", or a folder"; !strings.Contains(string(readme), want) {
		t.Errorf("README's --dataset row is not %q…", want)
	}
}
