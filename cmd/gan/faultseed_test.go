package main

import (
	"os"
	"strconv"
	"testing"
	"time"
)

// seedEnv fixes the seed of the sampled fault-class tests, to reproduce a failure.
const seedEnv = "GOGAN_TEST_SEED"

// testSeed is the seed that a sampled fault-class test draws its cases from: GOGAN_TEST_SEED
// if set, else the clock. It is logged, so that a failure names the seed that reproduces it.
func testSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv(seedEnv); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", seedEnv, v, err)
		}
		seed = n
	}
	t.Logf("seed %d (rerun with %s=%d)", seed, seedEnv, seed)
	return seed
}
