//go:build linux

package memlimit

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"slices"
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
	if self, err := os.ReadFile("/proc/self/cgroup"); err == nil {
		if l, ok := cgroupLimit("/sys/fs/cgroup", self); ok {
			out = append(out, l)
		}
	}
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &rl); err == nil && rl.Cur != ^uint64(0) {
		if pages, ok := mappedPages(); ok {
			out = append(out, Limit{max(0, float64(rl.Cur)-pages*float64(os.Getpagesize())), "ulimit -v"})
		}
	}
	return out
}

// cgroupLimit is the smallest room left under the memory limits of this process's cgroup
// and of every cgroup above it, in the hierarchy mounted at root, given the contents of
// /proc/self/cgroup: a container or a systemd slice sets its limit on a nested cgroup, not
// at the mount's root. Both cgroup v2 (memory.max) and v1 (memory/memory.limit_in_bytes)
// are read.
func cgroupLimit(root string, self []byte) (Limit, bool) {
	best, found := Limit{}, false
	for _, line := range strings.Split(string(self), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		var dir, maxName, curName string
		switch {
		case parts[0] == "0" && parts[1] == "":
			dir, maxName, curName = root, "memory.max", "memory.current"
		case slices.Contains(strings.Split(parts[1], ","), "memory"):
			dir, maxName, curName = filepath.Join(root, "memory"), "memory.limit_in_bytes", "memory.usage_in_bytes"
		default:
			continue
		}
		for p := filepath.Clean("/" + parts[2]); ; p = filepath.Dir(p) {
			limit, okMax := readNumber(filepath.Join(dir, p, maxName))
			used, okCur := readNumber(filepath.Join(dir, p, curName))
			if room := max(0, limit-used); okMax && okCur && limit < 1<<60 && (!found || room < best.Bytes) {
				best, found = Limit{room, "the cgroup memory limit"}, true
			}
			if p == "/" {
				break
			}
		}
	}
	return best, found
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
