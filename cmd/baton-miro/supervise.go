//go:build unix

package main

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// baton-sdk v0.25.0 runs the connector in a child process and, once its
// runner's context ends, a goroutine that waits for that child calls
// os.Exit(0), racing the error's real exit code (internal/connector,
// "connector service quit expectedly"). A failed run can therefore exit 0,
// and SIGINT or SIGTERM mid-sync exits 0 without saving anything and leaves
// the sync store's temporary files behind.
//
// So main runs the SDK in a supervised child of itself (same binary, same
// arguments) and decides the exit status from what the SDK logged, which it
// does deterministically before the race (see failureMessages). The supervisor
// also owns a private temporary directory, removed on exit whatever happens,
// and turns SIGINT, SIGTERM and SIGHUP into the SDK's own stop signal (SIGINT) for the
// child, killing it if it has not stopped within the grace period.

// supervise runs this binary again as the SDK's process and returns the exit
// status of the run (see supervise.go).
func supervise() int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "baton-miro: cannot find its own executable:", err)
		return 1
	}
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP) // SIGHUP: the terminal went away
	s := &supervisor{exe: exe, args: os.Args[1:], env: os.Environ(), stderr: os.Stderr, signals: signals, grace: stopGrace}
	return s.run()
}

// childEnv marks a process that runs the SDK under a supervisor.
const childEnv = "BATON_MIRO_SUPERVISED"

// stopGrace is how long the SDK gets to stop after a stop signal: well inside
// Kubernetes' default grace period of 30 s.
const stopGrace = 20 * time.Second

// exitInvalidArgument is the SDK's exit code for a configuration error (gRPC InvalidArgument).
const exitInvalidArgument = 3

// supervised reports whether this process should supervise a child rather
// than run the SDK itself: not when it is that child, the SDK's connector
// process, the Lambda server, or a subcommand or flag that never starts a sync
// (which must work on a read-only filesystem).
func supervised(args []string, getenv func(string) string) bool {
	if getenv(childEnv) != "" {
		return false
	}
	for _, a := range args {
		switch a {
		case "_connector-service", "lambda", "capabilities", "config", "completion", "health-check", "help",
			"-h", "--help", "--version":
			return false
		}
	}
	return true
}

// supervisor runs one child and decides the exit status.
type supervisor struct {
	exe     string   // the binary to run
	args    []string // its arguments
	env     []string // its environment, before the supervisor's additions
	stderr  io.Writer
	signals <-chan os.Signal
	grace   time.Duration
}

func (s *supervisor) getenv(key string) string {
	v := ""
	for _, kv := range s.env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val // the last one wins, as in exec
		}
	}
	return v
}

func (s *supervisor) say(format string, a ...any) {
	fmt.Fprintf(s.stderr, "baton-miro: "+format+"\n", a...)
}

func (s *supervisor) run() int {
	flags := peekFlags(s.args, s.getenv)
	// The exit status is decided from the SDK's error-level failure line; a
	// level above error would hide it and let the SDK's racy exit 0 stand.
	switch strings.ToLower(flags.logLevel) {
	case "dpanic", "panic", "fatal":
		s.say("--log-level %s hides the errors the exit status is decided from: use error or lower", flags.logLevel)
		return exitInvalidArgument
	}
	if !flags.service && !flags.operation {
		if err := checkWritable(flags.file); err != nil {
			s.say("%v", err)
			return exitInvalidArgument
		}
	}

	base := cmp.Or(flags.tempDir, s.getenv("BATON_TMPDIR"), s.getenv("TMPDIR"), os.TempDir())
	private, err := os.MkdirTemp(base, "baton-miro-")
	if err != nil {
		s.say("cannot create a temporary directory in %s (set TMPDIR or --c1z-temp-dir to a writable directory): %v", base, err)
		return exitInvalidArgument
	}
	defer os.RemoveAll(private)

	args := s.args
	if flags.tempDirIsFlag { // the flag beats the environment: the last one given wins
		args = slices.Concat(args, []string{"--c1z-temp-dir=" + private})
	}
	env := slices.Concat(s.env, []string{childEnv + "=1",
		"TMPDIR=" + private, "BATON_TMPDIR=" + private, "BATON_C1Z_TEMP_DIR=" + private})

	logs := newLogFiles(flags.logPaths)
	o, err := s.runChild(args, env)
	if err != nil {
		s.say("%v", err)
		return 1
	}
	o.service = flags.service
	if !o.failed {
		o.failure, o.failed = logs.failure()
	}
	code := o.exitCode()
	if o.failed && flags.operation && strings.HasSuffix(o.failure, "pebble: not found") {
		s.say("what the operation names (grant, entitlement or principal) is not in the sync file %s: "+
			"run a sync into it first (baton-miro -f %s), then try again", flags.file, flags.file)
	}
	switch {
	case o.signal != 0 && code != 0:
		s.say("stopped by %s before the run finished (exit %d)", signalName(o.signal), code)
	case o.failed && o.childCode == 0:
		// The SDK exited 0 before printing its error: print it.
		s.say("%s", o.failure)
	}
	return code
}

// runChild starts the child, relays stop signals to it and waits for it and
// for the end of its log output.
func (s *supervisor) runChild(args, env []string) (outcome, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return outcome{}, err
	}
	defer r.Close()
	// Not CommandContext: the child is stopped by the signals relayed below, never killed outright.
	cmd := exec.Command(s.exe, args...) //nolint:noctx,gosec // our own executable and arguments
	cmd.Env = env
	// No stdin: nothing reads it, and a background process group reading a
	// terminal would be stopped (SIGTTIN).
	cmd.Stdout, cmd.Stderr = os.Stdout, w
	// Its own process group: a terminal's Ctrl-C reaches only the supervisor,
	// which relays it; and the group is killed at the end, the SDK's connector
	// process included. Pdeathsig ends the child if the supervisor is killed.
	cmd.SysProcAttr = childProcAttr()
	err = cmd.Start()
	_ = w.Close() // the child has its copy
	if err != nil {
		return outcome{}, fmt.Errorf("starting the connector: %w", err)
	}
	pid := cmd.Process.Pid

	type failure struct {
		text  string
		found bool
	}
	failures := make(chan failure, 1)
	go func() {
		text, found := relayLog(r, s.stderr)
		failures <- failure{text, found}
	}()
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()

	var o outcome
	var deadline <-chan time.Time
	for waiting := true; waiting; {
		select {
		case sig := <-s.signals:
			if o.signal == 0 {
				o.signal = signalNumber(sig)
				_ = syscall.Kill(pid, syscall.SIGINT) // the SDK's stop signal
				deadline = time.After(s.grace)
				continue
			}
			_ = syscall.Kill(-pid, syscall.SIGKILL) // a second signal: stop now
			o.killed = true
		case <-deadline:
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			o.killed = true
		case <-exited:
			waiting = false
		}
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL) // whatever the child left in its group

	select {
	case f := <-failures:
		o.failure, o.failed = f.text, f.found
	case <-time.After(5 * time.Second): // a process outside the group holds the pipe
		s.say("the connector's log output did not end; not waiting for it")
	}
	o.childCode = cmd.ProcessState.ExitCode()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		o.childCode = 128 + int(ws.Signal())
	}
	return o, nil
}

// relayLog copies the child's log output to out line by line and returns the
// error text of the first line that reports a failed run, if one does.
func relayLog(r io.Reader, out io.Writer) (failure string, found bool) {
	br := bufio.NewReaderSize(r, 64<<10)
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		_, _ = out.Write(chunk)
		if len(line)+len(chunk) <= maxLogLine {
			line = append(line, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if text, ok := failureIn(line); ok && !found {
			failure, found = text, true
		}
		line = line[:0]
		if err != nil {
			return failure, found
		}
	}
}

// logFiles remembers how long each --log-path file was before the run, so
// that only what the run appended is searched for a failure afterwards.
type logFiles map[string]int64

func newLogFiles(paths []string) logFiles {
	files := logFiles{}
	for _, p := range paths {
		if p == "" || p == "stderr" || p == "stdout" {
			continue
		}
		var size int64
		if fi, err := os.Stat(p); err == nil {
			size = fi.Size()
		}
		files[p] = size
	}
	return files
}

func (files logFiles) failure() (string, bool) {
	for path, from := range files {
		f, err := os.Open(path) // #nosec G304 -- the operator's own --log-path
		if err != nil {
			continue
		}
		_, err = f.Seek(from, io.SeekStart)
		var text string
		var found bool
		if err == nil {
			text, found = relayLog(f, io.Discard)
		}
		_ = f.Close()
		if found {
			return text, true
		}
	}
	return "", false
}

// checkWritable fails early, before any Miro call, when a sync could not
// write its output file: the SDK would find out only after the whole sync.
func checkWritable(file string) error {
	dir := filepath.Dir(file)
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("cannot write the sync file %s: directory %s: %w", file, dir, errors.Unwrap(err))
	}
	if !fi.IsDir() {
		return fmt.Errorf("cannot write the sync file %s: %s is not a directory", file, dir)
	}
	if fi, err := os.Stat(file); err == nil && fi.IsDir() {
		return fmt.Errorf("cannot write the sync file %s: it is a directory", file)
	}
	probe, err := os.CreateTemp(dir, ".baton-miro-write-check-*")
	if err != nil {
		return fmt.Errorf("cannot write the sync file %s: directory %s is not writable: %w", file, dir, errors.Unwrap(err))
	}
	_ = probe.Close()
	return os.Remove(probe.Name())
}

func signalName(sig int) string {
	switch syscall.Signal(sig) {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return syscall.Signal(sig).String()
}

func signalNumber(sig os.Signal) int {
	if n, ok := sig.(syscall.Signal); ok {
		return int(n)
	}
	return int(syscall.SIGTERM)
}
