package main

import (
	"errors"
	"io/fs"
	"testing"
)

func TestMemoryLimit(t *testing.T) {
	t.Parallel()
	const v2, v1 = "/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"
	tests := []struct {
		name   string
		env    string
		files  map[string]string
		want   int64
		wantOK bool
	}{
		{"cgroup v2 limit", "", map[string]string{v2: "1073741824\n"}, 805306368, true},
		{"cgroup v1 limit", "", map[string]string{v1: "536870912\n"}, 402653184, true},
		{"v2 is read before v1", "", map[string]string{v2: "1073741824", v1: "536870912"}, 805306368, true},
		{"GOMEMLIMIT set by the operator wins", "400MiB", map[string]string{v2: "1073741824"}, 0, false},
		{"v2 without a limit", "", map[string]string{v2: "max\n"}, 0, false},
		{"v1 without a limit", "", map[string]string{v1: "9223372036854771712\n"}, 0, false},
		{"no cgroup files", "", map[string]string{}, 0, false},
		{"garbage", "", map[string]string{v2: "lots"}, 0, false},
		{"zero", "", map[string]string{v2: "0"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			getenv := func(k string) string {
				if k == "GOMEMLIMIT" {
					return tt.env
				}
				return ""
			}
			readFile := func(p string) ([]byte, error) {
				if v, ok := tt.files[p]; ok {
					return []byte(v), nil
				}
				return nil, &fs.PathError{Op: "open", Path: p, Err: errors.New("no such file")}
			}
			got, ok := memoryLimit(getenv, readFile)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("memoryLimit = %d, %v; want %d, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
