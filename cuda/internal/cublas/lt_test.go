//go:build cuda

package cublas

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeWheel builds, in a folder of its own, a libcublas.so.13 that depends by soname on a
// libcublasLt.so.13 beside it, with no run path, as the nvidia pip wheels lay them out.
func fakeWheel(t *testing.T) string {
	t.Helper()
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no C compiler to build the stand-in libraries:", err)
	}
	dir := filepath.Join(t.TempDir(), "site-packages", "nvidia", "cu13", "lib")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	lt := filepath.Join(dir, "ltsrc.c")
	blas := filepath.Join(dir, "blassrc.c")
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(lt, "int cublasLtGetVersion(void) { return 130000; }\n")
	var src strings.Builder
	src.WriteString("int cublasLtGetVersion(void);\n")
	for _, f := range []string{"cublasCreate_v2", "cublasDestroy_v2", "cublasSetStream_v2", "cublasGetVersion_v2", "cublasSgemm_v2"} {
		src.WriteString("int " + f + "(void) { return cublasLtGetVersion() == 130000 ? 0 : 1; }\n")
	}
	write(blas, src.String())
	run := func(args ...string) {
		if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
			t.Fatalf("cc %v: %v\n%s", args, err, out)
		}
	}
	run("-shared", "-fPIC", "-Wl,-soname,libcublasLt.so.13", "-o", filepath.Join(dir, "libcublasLt.so.13"), lt)
	run("-shared", "-fPIC", "-Wl,-soname,libcublas.so.13", "-o", filepath.Join(dir, "libcublas.so.13"), blas,
		filepath.Join(dir, "libcublasLt.so.13"))
	return filepath.Join(dir, "libcublas.so.13")
}

func TestOpenLoadsLtFromTheSameFolder(t *testing.T) {
	path := fakeWheel(t)
	// Without cuBLASLt loaded first the dependency cannot be found: the case Open handles.
	if l, err := open(path, ""); err == nil {
		l.Close()
		t.Fatal("the stand-in libcublas.so.13 loaded without its cuBLASLt; the test proves nothing")
	} else if !strings.Contains(err.Error(), "libcublasLt.so.13") {
		t.Fatalf("loading without cuBLASLt failed with %v, want the missing libcublasLt.so.13 named", err)
	}
	l, err := Open(path)
	if err != nil {
		t.Fatalf("Open(%s) = %v", path, err)
	}
	l.Close()
}

func TestLoadFindsThePythonWheel(t *testing.T) {
	path := fakeWheel(t)
	site := filepath.Dir(filepath.Dir(filepath.Dir(filepath.Dir(path))))
	saved := machine
	defer func() { machine = saved }()
	machine = fakeMachine(map[string]string{}, []string{site})
	var tried []string
	l, err := Load(func(l *Library) error {
		tried = append(tried, l.Path)
		if l.Path != path {
			return os.ErrNotExist // a real cuBLAS of this machine is not the one under test
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	defer l.Close()
	if l.Path != path || l.Where != "python3 on PATH" {
		t.Fatalf("loaded %s from %q, want %s from the python3 on PATH", l.Path, l.Where, path)
	}
}
