//go:build linux

package memlimit

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// systemLimits reads /proc/meminfo's MemAvailable, the cgroup (v2 or v1) limit less its
// usage, and RLIMIT_AS less the address space already mapped.
func systemLimits() []Limit {
	var out []Limit
	if kb, ok := meminfo("MemAvailable"); ok {
		out = append(out, Limit{kb * 1024, "available memory"})
	}
	for _, c := range []struct{ max, cur string }{
		{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"},
		{"/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"},
	} {
		max, okMax := readNumber(c.max)
		cur, okCur := readNumber(c.cur)
		if okMax && okCur && max < 1<<60 {
			out = append(out, Limit{max - cur, "the cgroup memory limit"})
			break
		}
	}
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &rl); err == nil && rl.Cur != ^uint64(0) {
		if pages, ok := mappedPages(); ok {
			out = append(out, Limit{float64(rl.Cur) - pages*float64(os.Getpagesize()), "ulimit -v"})
		}
	}
	return out
}

func meminfo(key string) (float64, bool) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if ok && name == key {
			v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return v, err == nil
		}
	}
	return 0, false
}

func readNumber(path string) (float64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(bytes.TrimSpace(b)), 64)
	return v, err == nil
}

// mappedPages is the size of this process's address space, in pages (/proc/self/statm).
func mappedPages() (float64, bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	first, _, _ := strings.Cut(string(b), " ")
	v, err := strconv.ParseFloat(first, 64)
	return v, err == nil
}
