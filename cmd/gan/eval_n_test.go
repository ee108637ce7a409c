package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainRefusesEvalNAboveTheRealImages: an --eval-n larger than the real images hold is
// refused with the most they hold, and no run folder is made, rather than compared on fewer
// images while the configuration records the number asked for.
func TestTrainRefusesEvalNAboveTheRealImages(t *testing.T) {
	dataDir, cache := evalFixture(t)
	t.Setenv("GOGAN_CACHE", cache)
	out := filepath.Join(t.TempDir(), "run")
	res := gan(t, trainArgs(dataDir, out, "--steps", "2", "--eval-every", "2", "--eval-n", "100000000")...)
	if res.code == 0 {
		t.Fatalf("--eval-n 100000000 accepted:\n%s", res.stderr)
	}
	msg := strings.TrimSpace(res.stderr)
	if !strings.Contains(msg, "eval-n 100000000") || !strings.Contains(msg, "give at most ") || strings.Count(msg, "\n") > 0 {
		t.Errorf("want one line naming the most --eval-n may be, got:\n%s", res.stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("refused run left %s behind (%v)", out, err)
	}
}
