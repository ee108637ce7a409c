//go:build !amd64 || purego

package gemm

// supportedPaths lists the paths this CPU can run: the pure-Go one only.
func supportedPaths() []*path { return []*path{goPath} }

func bestPath() *path { return goPath }
