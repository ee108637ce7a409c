package kernels

import (
	"regexp"
	"strings"
	"testing"
)

// TestModules checks that every module is generated PTX for Arch with at least one kernel,
// whose names end in the element type they produce.
func TestModules(t *testing.T) {
	mods := Modules()
	if len(mods) == 0 {
		t.Fatal("no PTX modules embedded")
	}
	generated := regexp.MustCompile(`^// Code generated .* DO NOT EDIT\.$`)
	entry := regexp.MustCompile(`(?m)^\.visible \.entry (\w+)\(`)
	target := ".target sm_" + strings.TrimPrefix(Arch, "compute_") + "\n"
	for _, m := range mods {
		src, err := PTX(m)
		if err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(src, "\n")
		if !generated.MatchString(first) || !strings.Contains(first, "-arch="+Arch) {
			t.Errorf("%s.ptx: first line %q is not a generated-code header for %s", m, first, Arch)
		}
		if !strings.Contains(src, target) {
			t.Errorf("%s.ptx: no %q line", m, strings.TrimSpace(target))
		}
		names := entry.FindAllStringSubmatch(src, -1)
		if len(names) == 0 {
			t.Errorf("%s.ptx: no kernels", m)
		}
		for _, n := range names {
			if !strings.HasSuffix(n[1], "_f32") && !strings.HasSuffix(n[1], "_u8") {
				t.Errorf("%s.ptx: kernel %s does not end in _f32 or _u8", m, n[1])
			}
		}
	}
	if _, err := PTX("no-such-module"); err == nil {
		t.Error("PTX of a missing module did not fail")
	}
}
