package buildcheck

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "gogan/"

// TestLayering lists every package of the module, with and without the cuda build tag, and
// checks each import of gogan's own packages by code that is not a test against Layers.
func TestLayering(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skipf("the go command is not on PATH: %v", err)
	}
	for _, tags := range []string{"", "cuda"} {
		for pkg, imports := range listImports(t, tags) {
			allowed, ok := lookup(pkg)
			if !ok {
				t.Errorf("package %s has no row in buildcheck.Layers: say what it may import there and in the README", pkg)
				continue
			}
			for _, imp := range imports {
				if !permits(allowed, imp) {
					t.Errorf("%s imports %s, which buildcheck.Layers does not allow it (tags %q)", pkg, imp, tags)
				}
			}
		}
	}
}

// listImports runs go list over the module and returns each package's imports of gogan's
// packages, without the module prefix.
func listImports(t *testing.T, tags string) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-tags", tags, "-json=ImportPath,Imports", "gogan/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		t.Fatalf("go list: %v\n%s", err, exit.Stderr)
	} else if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(p.ImportPath, module)
		got[name] = nil
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module) {
				got[name] = append(got[name], strings.TrimPrefix(imp, module))
			}
		}
	}
	if len(got) < 10 {
		t.Fatalf("go list found %d packages; is the test run from inside the module?", len(got))
	}
	return got
}

// lookup finds a package's row: its own, else the nearest "folder/..." row above it.
func lookup(pkg string) ([]string, bool) {
	if row, ok := Layers[pkg]; ok {
		return row, true
	}
	for dir := pkg; strings.Contains(dir, "/"); {
		dir = dir[:strings.LastIndex(dir, "/")]
		if row, ok := Layers[dir+"/..."]; ok {
			return row, true
		}
	}
	return nil, false
}

// permits reports whether a row allows importing imp: by name, by a "folder/..." entry, or
// by "*".
func permits(row []string, imp string) bool {
	for _, a := range row {
		if a == "*" || a == imp || strings.HasSuffix(a, "/...") && strings.HasPrefix(imp, strings.TrimSuffix(a, "...")) {
			return true
		}
	}
	return false
}
