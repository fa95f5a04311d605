package main

import (
	"strconv"
	"strings"
)

// cgroupMemoryFiles are where cgroup v2 and v1 publish a container's memory limit.
var cgroupMemoryFiles = []string{
	"/sys/fs/cgroup/memory.max",                   // v2: a byte count or "max"
	"/sys/fs/cgroup/memory/memory.limit_in_bytes", // v1: a byte count, near 2^63 when unlimited
}

// memoryLimit returns the soft memory limit for the Go runtime: 3/4 of the
// container's memory limit, so the garbage collector works harder before the
// kernel kills the pod. The release build is static (no cgo), so the sync
// store's caches live on the Go heap, and without a limit the heap may grow to
// twice what is live. It returns false when GOMEMLIMIT is set (the operator
// decided) or no container limit applies.
func memoryLimit(getenv func(string) string, readFile func(string) ([]byte, error)) (int64, bool) {
	if getenv("GOMEMLIMIT") != "" {
		return 0, false
	}
	for _, path := range cgroupMemoryFiles {
		data, err := readFile(path)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
		if err != nil || n <= 0 || n >= 1<<50 { // "max", garbage, or v1's "unlimited"
			return 0, false
		}
		return n / 4 * 3, true
	}
	return 0, false
}
