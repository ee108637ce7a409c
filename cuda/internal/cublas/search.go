package cublas

// Where cuBLAS is looked for. This file has no cgo and no build tag, so that the search order
// is tested in every build; loading lives in the cuda build.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// EnvPath names the environment variable that overrides the search with one library.
const EnvPath = "GOGAN_CUBLAS"

// Sonames are the libraries tried, newest first, in every place searched.
var Sonames = []string{"libcublas.so.13", "libcublas.so.12", "libcublas.so.11"}

// Candidate is a library to try: a bare soname, which the dynamic loader looks up in its own
// search path, or a file, and the place of the search that produced it.
type Candidate struct {
	Path  string
	Where string
}

// searchEnv is what the search reads of the machine, replaced in tests.
type searchEnv struct {
	getenv func(string) string
	glob   func(string) ([]string, error)
	isFile func(string) bool
	// sitePackages lists the site-packages folders of the python3 on PATH, empty when there
	// is none.
	sitePackages func() []string
}

var machine = searchEnv{
	getenv:       os.Getenv,
	glob:         filepath.Glob,
	isFile:       func(p string) bool { st, err := os.Stat(p); return err == nil && st.Mode().IsRegular() },
	sitePackages: pythonSitePackages,
}

// Candidates lists what Load tries, in order: the file GOGAN_CUBLAS names and nothing else
// when it is set; otherwise the sonames through the loader's search path, then the files of
// those names in the toolkit folders, under $CUDA_HOME and $CUDA_PATH, in the folders of
// $LD_LIBRARY_PATH, and in the nvidia pip wheels of Python environments ($VIRTUAL_ENV,
// $CONDA_PREFIX and the python3 on PATH), where PyTorch and JAX installs keep it.
func Candidates() []Candidate { return machine.all() }

func (e searchEnv) all() []Candidate {
	c := e.withoutPython()
	if e.getenv(EnvPath) != "" {
		return c
	}
	return dedupe(append(c, e.python()...))
}

// withoutPython is the search up to the Python environments, which take a python3 run to find.
func (e searchEnv) withoutPython() []Candidate {
	if p := e.getenv(EnvPath); p != "" {
		return []Candidate{{p, "$" + EnvPath}}
	}
	var c []Candidate
	for _, s := range Sonames {
		c = append(c, Candidate{s, "the loader's search path"})
	}
	toolkits := []string{"/usr/local/cuda"}
	versioned, _ := e.glob("/usr/local/cuda-*")
	// Newest first: cuda-13.0 before cuda-12.4 before cuda-11.8.
	slices.SortFunc(versioned, func(a, b string) int { return compareVersions(b, a) })
	toolkits = append(append(toolkits, versioned...), "/opt/cuda")
	for _, t := range toolkits {
		c = append(c, e.inToolkit(t, "toolkit "+t)...)
	}
	for _, v := range []string{"CUDA_HOME", "CUDA_PATH"} {
		if d := e.getenv(v); d != "" {
			c = append(c, e.inToolkit(d, "$"+v)...)
		}
	}
	for _, d := range filepath.SplitList(e.getenv("LD_LIBRARY_PATH")) {
		if d != "" {
			c = append(c, e.inDir(d, "$LD_LIBRARY_PATH")...)
		}
	}
	return dedupe(c)
}

// python lists the cuBLAS of the nvidia wheels in the Python environments: nvidia/cu13/lib
// holds CUDA 13's libraries, nvidia/cublas/lib those of CUDA 11 and 12. Conda environments
// may also keep it in their lib folder.
func (e searchEnv) python() []Candidate {
	var c []Candidate
	wheels := func(site, where string) {
		for _, sub := range []string{"nvidia/cu13/lib", "nvidia/cublas/lib"} {
			c = append(c, e.inDir(filepath.Join(site, sub), where)...)
		}
	}
	for _, v := range []string{"VIRTUAL_ENV", "CONDA_PREFIX"} {
		root := e.getenv(v)
		if root == "" {
			continue
		}
		sites, _ := e.glob(filepath.Join(root, "lib", "python3*", "site-packages"))
		for _, s := range sites {
			wheels(s, "$"+v)
		}
		if v == "CONDA_PREFIX" {
			c = append(c, e.inDir(filepath.Join(root, "lib"), "$CONDA_PREFIX")...)
		}
	}
	for _, s := range e.sitePackages() {
		wheels(s, "python3 on PATH")
	}
	return c
}

// inToolkit lists the sonames present in a toolkit's library folders.
func (e searchEnv) inToolkit(root, where string) []Candidate {
	var c []Candidate
	dirs := []string{filepath.Join(root, "lib64"), filepath.Join(root, "lib")}
	targets, _ := e.glob(filepath.Join(root, "targets", "*-linux", "lib"))
	for _, d := range append(dirs, targets...) {
		c = append(c, e.inDir(d, where)...)
	}
	return c
}

// inDir lists the sonames present in dir.
func (e searchEnv) inDir(dir, where string) []Candidate {
	var c []Candidate
	for _, s := range Sonames {
		if p := filepath.Join(dir, s); e.isFile(p) {
			c = append(c, Candidate{p, where})
		}
	}
	return c
}

func dedupe(c []Candidate) []Candidate {
	seen := map[string]bool{}
	out := c[:0:0]
	for _, x := range c {
		if !seen[x.Path] {
			seen[x.Path] = true
			out = append(out, x)
		}
	}
	return out
}

// compareVersions orders "/usr/local/cuda-12.4" and "/usr/local/cuda-12.10" by their numbers.
func compareVersions(a, b string) int {
	na, nb := versionNumbers(a), versionNumbers(b)
	return slices.Compare(na, nb)
}

func versionNumbers(path string) []int {
	_, v, _ := strings.Cut(filepath.Base(path), "-")
	var out []int
	for _, f := range strings.Split(v, ".") {
		n := 0
		for _, r := range f {
			if r < '0' || r > '9' {
				break
			}
			n = 10*n + int(r-'0')
		}
		out = append(out, n)
	}
	return out
}

// pythonSitePackages asks the python3 on PATH for its site-packages folders, the user's
// included. It gives up after a few seconds, as a broken Python must not stop a GPU run.
func pythonSitePackages() []string {
	py, err := exec.LookPath("python3")
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "-c",
		"import site\nfor p in site.getsitepackages() + [site.getusersitepackages()]: print(p)").Output()
	if err != nil {
		return nil
	}
	return strings.Fields(string(out))
}

// ltPath is the cuBLASLt that a cuBLAS loaded by path needs: libcublasLt.so.N in the same
// folder. libcublas.so.N depends on it by soname, and outside the loader's search path (a
// Python environment, say) only a copy loaded first satisfies that dependency. Sonames
// loaded through the search path find it there, so the result is "" for them.
func ltPath(path string) string {
	if !strings.Contains(path, "/") {
		return ""
	}
	dir, base := filepath.Split(path)
	version, ok := strings.CutPrefix(base, "libcublas.so")
	if !ok {
		return ""
	}
	return filepath.Join(dir, "libcublasLt.so"+version)
}
