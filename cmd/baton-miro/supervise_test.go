//go:build unix

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
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
	s := &supervisor{
		exe:  os.Args[0],
		args: append([]string{"-f", filepath.Join(dir, "sync.c1z")}, args...),
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
		{"failure-exit-0", nil, nil, 9, "baton-miro: runner: error processing task: rpc error: code = FailedPrecondition"},
		{"service-task-failure", []string{"--client-id", "x"}, nil, 0, ""},
		{"stops-on-sigint", nil, syscall.SIGINT, 130, "baton-miro: stopped by SIGINT"},
		{"stops-on-sigint", nil, syscall.SIGTERM, 143, "baton-miro: stopped by SIGTERM"},
		{"stops-on-sigint", nil, syscall.SIGHUP, 129, "baton-miro: stopped by SIGHUP"},
		{"stops-on-sigint", []string{"--client-id", "x"}, syscall.SIGTERM, 0, ""},
		{"ignores-sigint", nil, syscall.SIGTERM, 143, "baton-miro: stopped by SIGTERM"},
		{"ignores-sigint", []string{"--client-id", "x"}, syscall.SIGTERM, 143, "baton-miro: stopped by SIGTERM"},
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

// TestSupervisorReadsLogFile: with --log-path the failure line is in a file.
func TestSupervisorReadsLogFile(t *testing.T) {
	t.Parallel()
	log := filepath.Join(t.TempDir(), "baton.log")
	old := `{"level":"error","msg":"error running connector","error":"an earlier run's failure"}` + "\n"
	if err := os.WriteFile(log, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := superviseFake(t, "success", []string{"--log-path", log}, nil, nil); r.code != 0 {
		t.Errorf("an earlier run's failure in the log file failed this run: exit %d", r.code)
	}
	if r := superviseFake(t, "failure-in-log-file", []string{"--log-path", log}, nil, nil); r.code != 9 {
		t.Errorf("exit %d, want 9\n%s", r.code, r.stderr)
	}
}

// TestSupervisorKillsWhatTheChildLeft: the SDK's connector process does not
// outlive the run.
func TestSupervisorKillsWhatTheChildLeft(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	readyFile := filepath.Join(dir, "ready")
	signals := make(chan os.Signal, 1)
	s := &supervisor{exe: os.Args[0], args: []string{"-f", filepath.Join(dir, "sync.c1z")},
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
		s := &supervisor{exe: "/nonexistent", args: []string{"-f", file}, env: cleanEnv(), stderr: &syncBuffer{}}
		if code := s.run(); code != exitInvalidArgument {
			t.Errorf("-f %s: exit %d, want %d", file, code, exitInvalidArgument)
		}
		if got := s.stderr.(*syncBuffer).String(); !strings.Contains(got, "cannot write the sync file") {
			t.Errorf("-f %s: %q", file, got)
		}
	}
}

// TestSupervisorRefusesLogLevelAboveError: such a level would hide the
// failure line the exit status is decided from.
func TestSupervisorRefusesLogLevelAboveError(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--log-level", "fatal"}, {"--log-level=PANIC"}} {
		s := &supervisor{exe: "/nonexistent", args: args, env: cleanEnv(), stderr: &syncBuffer{}}
		if code := s.run(); code != exitInvalidArgument {
			t.Errorf("%v: exit %d, want %d", args, code, exitInvalidArgument)
		}
		if got := s.stderr.(*syncBuffer).String(); !strings.Contains(got, "use error or lower") {
			t.Errorf("%v: %q", args, got)
		}
	}
	env := append(cleanEnv(), "BATON_LOG_LEVEL=dpanic")
	if code := (&supervisor{exe: "/nonexistent", env: env, stderr: &syncBuffer{}}).run(); code != exitInvalidArgument {
		t.Errorf("BATON_LOG_LEVEL=dpanic: exit %d, want %d", code, exitInvalidArgument)
	}
}

func TestSupervised(t *testing.T) {
	t.Parallel()
	none := func(string) string { return "" }
	for args, want := range map[string]bool{
		"":                                     true,
		"-f x.c1z --workers 4":                 true,
		"--help":                               false,
		"--version":                            false,
		"capabilities":                         false,
		"config":                               false,
		"lambda":                               false,
		"--log-level debug _connector-service": false,
		"health-check --endpoint live":         false,
	} {
		if got := supervised(strings.Fields(args), none); got != want {
			t.Errorf("supervised(%q) = %v, want %v", args, got, want)
		}
	}
	if supervised(nil, func(k string) string { return map[string]string{childEnv: "1"}[k] }) {
		t.Errorf("the supervised child supervises again")
	}
}
