//go:build !race

package gemm

// raceEnabled is set under the race detector, which empties sync.Pools at random.
const raceEnabled = false
