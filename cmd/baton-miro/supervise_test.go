//go:build unix

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

type superRun struct {
	code    int
	stderr  string
	tempDir string // the TMPDIR the supervisor was given
}

// supervise runs the supervisor over a fake child; signal, if not nil, is
// sent once the child is running.
func superviseFake(t *testing.T, scenario string, args, env []string, sig os.Signal) superRun {
	t.Helper()
	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	readyFile := filepath.Join(dir, "ready")
	signals := make(chan os.Signal, 2)
	var stderr syncBuffer
	file := filepath.Join(dir, "sync.c1z")
	s := &supervisor{
		exe:   os.Args[0],
		args:  append([]string{"-f", file}, args...),
		flags: runFlags{file: file, service: slices.Contains(args, "--client-id")},
		env: append(append(cleanEnv(), "TMPDIR="+tmp, fakeChildEnv+"="+scenario, fakeReadyEnv+"="+readyFile),
			env...),
		stderr: &stderr, signals: signals, grace: 500 * time.Millisecond,
	}
	if sig != nil {
		go func() {
			for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
				if _, err := os.Stat(readyFile); err == nil {
					signals <- sig
					return
				}
			}
		}()
	}
	code := s.run()
	return superRun{code: code, stderr: stderr.String(), tempDir: tmp}
}

func TestSupervisorExitStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scenario string
		args     []string
		sig      os.Signal
		want     int
		say      string // the supervisor's own line, if any ("" = none)
	}{
		{"success", nil, nil, 0, ""},
		{"failure", nil, nil, 9, ""},
		{"failure-exit-0", nil, nil, 9, ""},
		{"no-record-exit-0", nil, nil, 1, "baton-miro: the SDK ended without reporting how the run went"},
		{"no-record-exit-7", nil, nil, 7, ""},
		{"stops-on-sigint", nil, syscall.SIGINT, 130, "baton-miro: stopped by SIGINT"},
		{"stops-on-sigint", nil, syscall.SIGTERM, 143, "baton-miro: stopped by SIGTERM"},
		{"stops-on-sigint", nil, syscall.SIGHUP, 129, "baton-miro: stopped by SIGHUP"},
		{"stops-on-sigint", []string{"--client-id", "x"}, syscall.SIGTERM, 0, ""},
		{"ignores-sigint", nil, syscall.SIGTERM, 143, "baton-miro: stopped by SIGTERM"},
		{"ignores-sigint", []string{"--client-id", "x"}, syscall.SIGTERM, 0, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %v %v", tt.scenario, tt.args, tt.sig), func(t *testing.T) {
			t.Parallel()
			r := superviseFake(t, tt.scenario, tt.args, nil, tt.sig)
			if r.code != tt.want {
				t.Errorf("exit %d, want %d\n%s", r.code, tt.want, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.say) {
				t.Errorf("stderr does not say %q:\n%s", tt.say, r.stderr)
			}
			if tt.say == "" && strings.Contains(r.stderr, "baton-miro: ") {
				t.Errorf("unexpected line from the supervisor:\n%s", r.stderr)
			}
			requireEmptyDir(t, r.tempDir)
		})
	}
}

// TestSupervisorKeepsPreservedData: what the SDK's store reports it preserved
// is moved out of the private directory and named.
func TestSupervisorKeepsPreservedData(t *testing.T) {
	t.Parallel()
	r := superviseFake(t, "preserved", nil, nil, nil)
	if r.code != 2 {
		t.Errorf("exit %d, want 2", r.code)
	}
	_, kept, ok := strings.Cut(r.stderr, "unsaved data is kept in ")
	kept = strings.TrimSpace(kept)
	if !ok || !exists(filepath.Join(kept, "000001.sst")) {
		t.Fatalf("preserved data not kept:\n%s", r.stderr)
	}
	entries, _ := os.ReadDir(r.tempDir)
	if len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), "baton-miro-preserved-") {
		t.Errorf("temporary directory holds %v", entries)
	}
}

// TestSupervisorRemovesStaleDirectories: a private directory whose supervisor
// was killed (its lock free) is removed by the next run; a live one is not.
func TestSupervisorRemovesStaleDirectories(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	stale, unlockStale, err := makePrivateDir(base)
	if err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(stale, "c1z-big"), make([]byte, 1<<16), 0o600)
	unlockStale() // as the kernel does when a supervisor is SIGKILLed
	live, unlockLive, err := makePrivateDir(base)
	if err != nil {
		t.Fatal(err)
	}
	defer unlockLive()
	foreign := filepath.Join(base, "baton-miro-notours")
	_ = os.Mkdir(foreign, 0o700)
	sweepStale(base)
	if exists(stale) {
		t.Errorf("stale directory %s left", stale)
	}
	if !exists(live) || !exists(foreign) {
		t.Errorf("a live or foreign directory was removed")
	}
}

// TestSupervisorKillsWhatTheChildLeft: the SDK's connector process does not
// outlive the run.
func TestSupervisorKillsWhatTheChildLeft(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	readyFile := filepath.Join(dir, "ready")
	signals := make(chan os.Signal, 1)
	s := &supervisor{exe: os.Args[0], args: []string{"-f", filepath.Join(dir, "sync.c1z")}, flags: runFlags{file: filepath.Join(dir, "sync.c1z")},
		env:    append(cleanEnv(), "TMPDIR="+dir, fakeChildEnv+"=grandchild", fakeReadyEnv+"="+readyFile),
		stderr: &syncBuffer{}, signals: signals, grace: 200 * time.Millisecond}
	go func() {
		for !exists(readyFile) {
			time.Sleep(5 * time.Millisecond)
		}
		signals <- syscall.SIGTERM
	}()
	if code := s.run(); code != 143 {
		t.Errorf("exit %d, want 143", code)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "grandchild"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(string(raw))
	// SIGKILLed by the time run returns; the kernel takes a moment to tear it
	// down: it must be gone (or a zombie, state Z in /proc) soon after.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || bytes.Contains(stat, []byte(") Z ")) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the child's own child (pid %d) is still running 10 s after the run: %s", pid, stat)
		}
	}
}

func TestSupervisorRefusesUnwritableOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, file := range []string{filepath.Join(dir, "missing", "sync.c1z"), dir} {
		s := &supervisor{exe: "/nonexistent", args: []string{"-f", file}, flags: runFlags{file: file}, env: cleanEnv(), stderr: &syncBuffer{}}
		if code := s.run(); code != exitInvalidArgument {
			t.Errorf("-f %s: exit %d, want %d", file, code, exitInvalidArgument)
		}
		if got := s.stderr.(*syncBuffer).String(); !strings.Contains(got, "cannot write the sync file") {
			t.Errorf("-f %s: %q", file, got)
		}
	}
}
