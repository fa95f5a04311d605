package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The supervisor is tested with this test binary standing in for the SDK:
// TestMain runs fakeChild when fakeChildEnv names a scenario. Each scenario
// plays one way the SDK ends, the racy ones included, deterministically.
const (
	fakeChildEnv = "BATON_MIRO_TEST_FAKE_CHILD"
	fakeReadyEnv = "BATON_MIRO_TEST_READY" // the child creates this file once it is running
)

const failureLine = `{"level":"error","msg":"runner: error processing on-demand task","error":"runner: error processing task: rpc error: code = FailedPrecondition desc = needs --miro-scim-access-token"}`

func fakeChild(scenario string) int {
	ready := func() {
		if p := os.Getenv(fakeReadyEnv); p != "" {
			_ = os.WriteFile(p, []byte(strconv.Itoa(os.Getpid())), 0o600)
		}
	}
	// Like the SDK's store: files in the temporary directory.
	if f, err := os.CreateTemp("", "c1z-pebble-fake-"); err == nil {
		_, _ = f.Write(make([]byte, 1<<16))
		_ = f.Close()
	}
	switch scenario {
	case "success":
		fmt.Fprintln(os.Stderr, `{"level":"info","msg":"sync done"}`)
		return 0
	case "failure":
		fmt.Fprintln(os.Stderr, failureLine)
		return 9
	case "failure-exit-0": // the SDK's race: logged the failure, then os.Exit(0)
		fmt.Fprintln(os.Stderr, failureLine)
		return 0
	case "failure-in-log-file":
		for i, a := range os.Args {
			if a == "--log-path" {
				f, _ := os.OpenFile(os.Args[i+1], os.O_APPEND|os.O_WRONLY, 0)
				fmt.Fprintln(f, failureLine)
				f.Close()
			}
		}
		return 0
	case "service-task-failure": // a failed task in service mode is not a failed run
		fmt.Fprintln(os.Stderr, `{"level":"error","msg":"runner: error processing task","error":"boom"}`)
		return 0
	case "stops-on-sigint", "ignores-sigint", "grandchild":
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, os.Interrupt)
		if scenario == "grandchild" { // like the SDK's connector process
			gc := exec.Command("sleep", "300")
			_ = gc.Start()
			_ = os.WriteFile(filepath.Join(filepath.Dir(os.Getenv(fakeReadyEnv)), "grandchild"), []byte(strconv.Itoa(gc.Process.Pid)), 0o600)
		}
		ready()
		<-stop
		if scenario == "ignores-sigint" {
			select {}
		}
		// What the SDK does on a stop: log its error, exit 1 (or 0, racing).
		fmt.Fprintln(os.Stderr, `{"level":"error","msg":"error running connector","error":"context canceled"}`)
		return 1
	}
	return 99
}

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

func requireEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left in the temporary directory: %s", e.Name())
	}
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }
