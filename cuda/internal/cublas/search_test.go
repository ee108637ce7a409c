package cublas

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeMachine is a search environment over a folder tree made by the test, with env as the
// environment and site as the site-packages of the python3 on PATH.
func fakeMachine(env map[string]string, site []string) searchEnv {
	return searchEnv{
		getenv: func(k string) string { return env[k] },
		glob: func(pattern string) ([]string, error) {
			// The real toolkit folders of this machine stay out of the test.
			if strings.HasPrefix(pattern, "/usr/local/") || strings.HasPrefix(pattern, "/opt/") {
				return nil, nil
			}
			return filepath.Glob(pattern)
		},
		isFile:       machine.isFile,
		sitePackages: func() []string { return site },
	}
}

func touch(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSearchOrder(t *testing.T) {
	root := t.TempDir()
	cudaHome := filepath.Join(root, "cuda-home")
	ldDir := filepath.Join(root, "ld")
	venv := filepath.Join(root, "venv")
	conda := filepath.Join(root, "conda")
	userSite := filepath.Join(root, "user-site")
	touch(t,
		filepath.Join(cudaHome, "targets", "x86_64-linux", "lib", "libcublas.so.12"),
		filepath.Join(ldDir, "libcublas.so.11"),
		filepath.Join(venv, "lib", "python3.12", "site-packages", "nvidia", "cu13", "lib", "libcublas.so.13"),
		filepath.Join(conda, "lib", "python3.11", "site-packages", "nvidia", "cublas", "lib", "libcublas.so.12"),
		filepath.Join(conda, "lib", "libcublas.so.12"),
		filepath.Join(userSite, "nvidia", "cu13", "lib", "libcublas.so.13"),
	)
	env := map[string]string{
		"CUDA_HOME": cudaHome, "LD_LIBRARY_PATH": ldDir + ":" + cudaHome + "/targets/x86_64-linux/lib",
		"VIRTUAL_ENV": venv, "CONDA_PREFIX": conda,
	}
	got := fakeMachine(env, []string{userSite}).all()
	want := []Candidate{
		{"libcublas.so.13", "the loader's search path"},
		{"libcublas.so.12", "the loader's search path"},
		{"libcublas.so.11", "the loader's search path"},
		{filepath.Join(cudaHome, "targets", "x86_64-linux", "lib", "libcublas.so.12"), "$CUDA_HOME"},
		{filepath.Join(ldDir, "libcublas.so.11"), "$LD_LIBRARY_PATH"},
		{filepath.Join(venv, "lib", "python3.12", "site-packages", "nvidia", "cu13", "lib", "libcublas.so.13"), "$VIRTUAL_ENV"},
		{filepath.Join(conda, "lib", "python3.11", "site-packages", "nvidia", "cublas", "lib", "libcublas.so.12"), "$CONDA_PREFIX"},
		{filepath.Join(conda, "lib", "libcublas.so.12"), "$CONDA_PREFIX"},
		{filepath.Join(userSite, "nvidia", "cu13", "lib", "libcublas.so.13"), "python3 on PATH"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d candidates, want %d:\n%v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("candidate %d is %v, want %v", i, got[i], want[i])
		}
	}
}

func TestSearchOverride(t *testing.T) {
	got := fakeMachine(map[string]string{EnvPath: "/x/libcublas.so.13", "CUDA_HOME": t.TempDir()},
		[]string{t.TempDir()}).all()
	if len(got) != 1 || got[0].Path != "/x/libcublas.so.13" {
		t.Fatalf("with %s set the candidates are %v, want only that file", EnvPath, got)
	}
}

func TestVersionedToolkitsNewestFirst(t *testing.T) {
	dirs := []string{"/usr/local/cuda-11.8", "/usr/local/cuda-12.10", "/usr/local/cuda-12.4", "/usr/local/cuda-13.0"}
	for i := range dirs {
		for j := range dirs {
			if c := compareVersions(dirs[i], dirs[j]); (c < 0) != (i < j) && i != j {
				// dirs is in ascending order except 12.10, placed before 12.4 on purpose.
				if !(dirs[i] == "/usr/local/cuda-12.10" || dirs[j] == "/usr/local/cuda-12.10") {
					t.Errorf("compareVersions(%s, %s) = %d", dirs[i], dirs[j], c)
				}
			}
		}
	}
	if compareVersions("/usr/local/cuda-12.10", "/usr/local/cuda-12.4") <= 0 {
		t.Error("cuda-12.10 does not sort after cuda-12.4")
	}
}

func TestLtPath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/env/nvidia/cu13/lib/libcublas.so.13", "/env/nvidia/cu13/lib/libcublasLt.so.13"},
		{"/usr/local/cuda/lib64/libcublas.so.12", "/usr/local/cuda/lib64/libcublasLt.so.12"},
		{"libcublas.so.13", ""},
		{"/tmp/emulated.so", ""},
	} {
		if got := ltPath(tc.in); got != tc.want {
			t.Errorf("ltPath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
