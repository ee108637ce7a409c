package train

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestRunStreams reads the package's source: every random-stream constant (Stream*) is
// declared in latents.go, and no two streams of a run share a number, so no two uses of a
// run's seed draw the same values. StreamBench, which no run draws, is the one exception.
func TestRunStreams(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	byValue := map[uint64]string{}
	count := 0
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.CONST {
				continue
			}
			for _, spec := range gen.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, "Stream") {
						continue
					}
					count++
					if file != "latents.go" {
						t.Errorf("%s is declared in %s; a run's streams are all in latents.go", name.Name, file)
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok {
						t.Errorf("%s is not a number literal", name.Name)
						continue
					}
					v, err := strconv.ParseUint(lit.Value, 0, 64)
					if err != nil {
						t.Errorf("%s = %s: %v", name.Name, lit.Value, err)
						continue
					}
					if name.Name == "StreamBench" {
						continue
					}
					if other, dup := byValue[v]; dup {
						t.Errorf("%s and %s are both stream %d", name.Name, other, v)
					}
					byValue[v] = name.Name
				}
			}
		}
	}
	if len(byValue) < 6 || count != len(byValue)+1 {
		t.Errorf("found %d stream constants (%d distinct run streams), want the 6 of a run and StreamBench", count, len(byValue))
	}
	if byValue[StreamInit] != "StreamInit" || byValue[StreamEMAStats] != "StreamEMAStats" {
		t.Errorf("the source's numbers are not the compiled ones: %v", byValue)
	}
}
