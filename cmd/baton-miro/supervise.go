//go:build unix

package main

import (
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

// baton-sdk v0.25.0 runs the connector in a child process (the "connector
// service") and, once its runner's context ends, a goroutine that waits for
// that child calls os.Exit(0), racing the error's real exit code
// (internal/connector, "connector service quit expectedly"). A failed run
// could therefore exit 0, and SIGINT or SIGTERM mid-sync exits 0 without
// saving anything and leaves the sync store's temporary files behind.
//
// So main runs the SDK in a supervised child of itself (the runner; same
// binary, same arguments), and:
//   - the runner's connector service is started through a shim (shim.go) that
//     exits 0 as soon as the service runs, so the SDK's goroutine has nothing
//     to race with: the runner always ends through main, which writes an
//     outcome record (exit code and error) the supervisor decides from. No log
//     text is read, so logging configuration cannot change the exit status;
//   - on Linux the supervisor adopts the orphaned service (child subreaper)
//     and ends the run with 1 if it quits unexpectedly, as the SDK did;
//   - a private temporary directory, locked while the supervisor lives, is
//     removed on exit, and by a later run if the supervisor was killed;
//   - SIGINT, SIGTERM and SIGHUP become the SDK's stop signal (SIGINT) for a
//     one-shot run, with a grace period; service mode is stopped at once;
//   - SIGPIPE is ignored: a closed stderr does not end a sync.

// stopGrace is how long the SDK gets to stop after a stop signal: well inside
// Kubernetes' default grace period of 30 s.
const stopGrace = 20 * time.Second

// exitInvalidArgument is the SDK's exit code for a configuration error (gRPC InvalidArgument).
const exitInvalidArgument = 3

// dispatch runs this process in its role: supervisor of a run, the SDK's
// runner or connector service under a supervisor, the shim between them, or
// the SDK unsupervised (subcommands, --help, --version).
func dispatch(args []string) int {
	if os.Getenv(childEnv) != "" {
		signal.Ignore(syscall.SIGPIPE)
		if shimSupported && os.Getenv(serviceEnv) == "" {
			root, _, err := command()
			if err == nil && isConnectorService(root, args) {
				return shim()
			}
			if err == nil {
				prepareRunner()
			}
		}
		return runSDK()
	}
	root, v, err := command()
	if err != nil {
		return runSDK() // it reports the error
	}
	supervised, flags := resolve(root, v, args)
	if !supervised {
		return runSDK()
	}
	signal.Ignore(syscall.SIGPIPE) // a closed stderr must not end a sync
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "baton-miro: cannot find its own executable:", err)
		return 1
	}
	becomeSubreaper()
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP) // SIGHUP: the terminal went away
	s := &supervisor{exe: exe, args: args, env: os.Environ(), flags: flags, stderr: os.Stderr, signals: signals, grace: stopGrace}
	return s.run()
}

// supervisor runs one child and decides the exit status.
type supervisor struct {
	exe     string   // the binary to run
	args    []string // its arguments
	env     []string // its environment, before the supervisor's additions
	flags   runFlags // the run's resolved configuration
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
	_, _ = fmt.Fprintf(s.stderr, "baton-miro: "+format+"\n", a...)
}

func (s *supervisor) run() int {
	flags := s.flags
	if !flags.service && !flags.operation {
		if err := checkWritable(flags.file); err != nil {
			s.say("%v", err)
			return exitInvalidArgument
		}
	}
	_, statErr := os.Stat(flags.file)
	fileExisted := statErr == nil

	base := cmp.Or(flags.tempDir, s.getenv("BATON_TMPDIR"), s.getenv("TMPDIR"), os.TempDir())
	sweepStale(base)
	private, unlock, err := makePrivateDir(base)
	if err != nil {
		s.say("cannot create a temporary directory in %s (set TMPDIR or --c1z-temp-dir to a writable directory): %v", base, err)
		return exitInvalidArgument
	}
	defer func() { _ = os.RemoveAll(private); unlock() }()

	// A flag beats BATON_* variables and the config file, and the last one given wins.
	args := slices.Concat(s.args, []string{"--c1z-temp-dir=" + private})
	record := filepath.Join(private, "outcome.json")
	env := slices.Concat(s.env, []string{childEnv + "=1", privateEnv + "=" + private, outcomeEnv + "=" + record,
		"TMPDIR=" + private, "BATON_TMPDIR=" + private, "BATON_C1Z_TEMP_DIR=" + private})
	if !flags.service && !flags.operation {
		env = append(env, usageEnv+"="+filepath.Join(private, "usage.json")) // for the summary line (summary.go)
	}

	o, err := s.runChild(args, env, private)
	if err != nil {
		s.say("%v", err)
		return 1
	}
	o.service = flags.service
	o.record, o.recorded = readOutcome(record)
	if action, ok := readOutcome(filepath.Join(private, actionRecord)); ok && o.recorded && o.record.Code != 0 && action.Code != 0 {
		o.record.Code = action.Code // the action's own code (the SDK reports a failed action as Unknown); the runner said why
	}
	code := o.exitCode()
	failure := o.record.Error
	if o.recorded && o.record.Code != 0 && flags.operation {
		switch {
		case !fileExisted:
			s.say("the sync file %s does not exist: run a sync into it first (baton-miro -f %s), then try again", flags.file, flags.file)
		case strings.HasSuffix(failure, "pebble: not found"):
			s.say("what the operation names (grant, entitlement or principal) is not in the sync file %s: "+
				"run a sync into it first (baton-miro -f %s), then try again", flags.file, flags.file)
		}
	}
	if kept := keepPreserved(failure, private, base); kept != "" {
		s.say("the sync store's unsaved data is kept in %s", kept)
	}
	switch {
	case o.signal != 0 && code != 0:
		s.say("stopped by %s before the run finished (exit %d)", signalName(o.signal), code)
	case o.serviceQuit != "":
		s.say("the connector service quit unexpectedly (%s)", o.serviceQuit)
	case !o.recorded && o.childCode == 0:
		s.say("the SDK ended without reporting how the run went: counted as a failure (exit %d)", code)
	}
	return code
}

// runChild starts the runner, relays stop signals to it and waits for it.
func (s *supervisor) runChild(args, env []string, private string) (outcome, error) {
	// Not CommandContext: the child is stopped by the signals relayed below, never killed outright.
	cmd := exec.Command(s.exe, args...) //nolint:noctx,gosec // our own executable and arguments
	cmd.Env = env
	// No stdin: nothing reads it, and a background process group reading a
	// terminal would be stopped (SIGTTIN). The runner writes its logs where
	// the operator's configuration says; the supervisor reads none of them.
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	// Its own process group: a terminal's Ctrl-C reaches only the supervisor,
	// which relays it; and the group is killed at the end, the SDK's connector
	// service included. Pdeathsig ends the runner if the supervisor is killed.
	cmd.SysProcAttr = childProcAttr()
	children := make(chan os.Signal, 1)
	signal.Notify(children, syscall.SIGCHLD)
	defer signal.Stop(children)
	if err := cmd.Start(); err != nil {
		return outcome{}, fmt.Errorf("starting the connector: %w", err)
	}
	pid := cmd.Process.Pid
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()

	var o outcome
	var deadline <-chan time.Time
	for waiting := true; waiting; {
		select {
		case sig := <-s.signals:
			if o.signal == 0 {
				o.signal = signalNumber(sig)
				if s.flags.service {
					// Service mode: nothing to save (ConductorOne hands an
					// unfinished task out again), and a graceful stop would
					// only log the SDK's cancellations at error level.
					_ = syscall.Kill(-pid, syscall.SIGKILL)
					continue
				}
				_ = syscall.Kill(pid, syscall.SIGINT) // the SDK's stop signal
				deadline = time.After(s.grace)
				continue
			}
			_ = syscall.Kill(-pid, syscall.SIGKILL) // a second signal: stop now
			o.killedOnStop = true
		case <-deadline:
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			o.killedOnStop = true
		case <-children:
			if how, quit := serviceQuit(private); quit && o.signal == 0 && o.serviceQuit == "" {
				o.serviceQuit = how
				_ = syscall.Kill(-pid, syscall.SIGKILL) // the runner would retry a dead service forever
			}
		case <-exited:
			waiting = false
		}
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL) // whatever the runner left in its group
	o.childCode = cmd.ProcessState.ExitCode()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		o.childCode = 128 + int(ws.Signal())
	}
	return o, nil
}

// keepPreserved moves data the SDK's store reports it preserved ("…unsaved
// data preserved under DIR: …") out of the private directory, which is about
// to be removed, and returns where it is now ("" if nothing was reported).
func keepPreserved(failure, private, base string) string {
	const marker = "unsaved data preserved under "
	i := strings.Index(failure, marker)
	if i < 0 {
		return ""
	}
	dir := failure[i+len(marker):]
	if j := strings.Index(dir, ": "); j >= 0 {
		dir = dir[:j]
	}
	rel, err := filepath.Rel(private, dir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return dir // not ours to remove
	}
	dest, err := os.MkdirTemp(base, "baton-miro-preserved-")
	if err != nil {
		return ""
	}
	target := filepath.Join(dest, filepath.Base(dir))
	if err := os.Rename(dir, target); err != nil {
		_ = os.Remove(dest)
		return ""
	}
	return target
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
