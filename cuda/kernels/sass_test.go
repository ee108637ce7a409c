package kernels

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"regexp"
	"testing"
)

// TestSASSImages checks that every module has a cubin for each of SASSArchs: a 64-bit ELF
// for NVIDIA's machine (EM_CUDA) whose flags name that architecture, holding every kernel of
// the module's PTX.
func TestSASSImages(t *testing.T) {
	entry := regexp.MustCompile(`(?m)^\.visible \.entry (\w+)\(`)
	for _, m := range Modules() {
		src, err := PTX(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, arch := range SASSArchs {
			b, err := ptx.ReadFile(m + "." + arch + ".cubin")
			if err != nil {
				t.Errorf("%s: no SASS for %s: %v (go generate ./cuda)", m, arch, err)
				continue
			}
			const emCUDA = 190
			if len(b) < 64 || !bytes.HasPrefix(b, []byte("\x7fELF\x02")) || binary.LittleEndian.Uint16(b[18:]) != emCUDA {
				t.Errorf("%s.%s.cubin is not a 64-bit CUDA ELF", m, arch)
				continue
			}
			// The low byte of a cubin's ELF flags is its SM version.
			if sm := fmt.Sprintf("sm_%d", binary.LittleEndian.Uint32(b[48:])&0xff); sm != arch {
				t.Errorf("%s.%s.cubin is machine code for %s", m, arch, sm)
			}
			for _, k := range entry.FindAllStringSubmatch(src, -1) {
				if !bytes.Contains(b, []byte("\x00"+k[1]+"\x00")) {
					t.Errorf("%s.%s.cubin has no kernel %s", m, arch, k[1])
				}
			}
		}
	}
}

// TestSASSChoice checks which SASS a GPU gets: sm_XY's runs on X.Z for Z ≥ Y, never on
// another major version, which gets the PTX.
func TestSASSChoice(t *testing.T) {
	cases := []struct {
		major, minor int
		want         string
	}{
		{7, 0, ""}, {7, 5, ""}, {8, 0, "sm_80"}, {8, 6, "sm_80"}, {8, 9, "sm_80"},
		{9, 0, "sm_90"}, {10, 0, ""}, {12, 0, ""},
	}
	mod := Modules()[0]
	for _, c := range cases {
		cubin, arch, ok := SASS(mod, c.major, c.minor)
		if arch != c.want || ok != (c.want != "") || ok != (len(cubin) > 0) {
			t.Errorf("compute capability %d.%d: SASS %q (ok %v, %d bytes), want %q", c.major, c.minor, arch, ok, len(cubin), c.want)
		}
	}
	if _, _, ok := SASS("no-such-module", 9, 0); ok {
		t.Error("SASS of a missing module was found")
	}
}
