package checkpoints

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// killChildEnv, when set, makes TestKillDuringWrite the child that gets killed.
const killChildEnv = "GOGAN_CHECKPOINTS_KILL_CHILD"

// stallAfter passes n bytes through, announces it on stdout, and hangs until killed.
type stallAfter struct {
	w io.Writer
	n int
}

func (s *stallAfter) Write(p []byte) (int, error) {
	if len(p) >= s.n {
		n, err := s.w.Write(p[:s.n])
		if err != nil {
			return n, err
		}
		fmt.Println("midway")
		time.Sleep(time.Hour)
	}
	s.n -= len(p)
	return s.w.Write(p)
}

// TestKillDuringWrite kills a process in the middle of Write and checks that the previous
// checkpoint is still there, whole.
func TestKillDuringWrite(t *testing.T) {
	if path := os.Getenv(killChildEnv); path != "" {
		big := []Tensor{F32("big", []int{1 << 20}, make([]float32, 1<<20))}
		err := writeFile(path, big, nil, func(w io.Writer) io.Writer { return &stallAfter{w, 1 << 20} })
		t.Fatalf("child was not killed; Write returned %v", err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.safetensors")
	if err := Write(path, sampleTensors(), map[string]string{"step": "1"}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)

	cmd := exec.Command(os.Args[0], "-test.run=^TestKillDuringWrite$", "-test.count=1")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	midway := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "midway" {
				midway <- true
				return
			}
		}
		midway <- false
	}()
	select {
	case ok := <-midway:
		if !ok {
			cmd.Wait()
			t.Fatal("child exited before reaching the middle of the write")
		}
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("child did not reach the middle of the write within a minute")
	}
	cmd.Process.Kill()
	cmd.Wait()

	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("killing a write changed the previous checkpoint")
	}
	if _, err := Read(path); err != nil {
		t.Fatalf("previous checkpoint no longer reads: %v", err)
	}
	// The killed write's temporary file proves the kill came mid-write.
	ents, _ := os.ReadDir(dir)
	var partial bool
	for _, e := range ents {
		if info, err := e.Info(); err == nil && strings.HasPrefix(e.Name(), ".ckpt.safetensors.tmp-") && info.Size() >= 1<<20 {
			partial = true
		}
	}
	if !partial {
		t.Fatalf("no partial temporary file in %s: the child was not killed mid-write", dir)
	}
}
