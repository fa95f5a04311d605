//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/c1sim"
	"github.com/conductorone/baton-miro/internal/mirosim"
)

// errorLines are the lines of a run's output logged at error level, in the
// JSON or console format.
func errorLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, `"level":"error"`) || strings.Contains(l, "\tERROR\t") {
			lines = append(lines, l)
		}
	}
	return lines
}

// TestServiceConfiguredByFile: service mode configured through a config file
// (BATON_CONFIG_PATH with client-id and client-secret), from a working
// directory nothing can be written to, as with readOnlyRootFilesystem. On
// main it was not taken for service mode: "cannot write the sync file
// sync.c1z". A SIGTERM then ends it with 0 and no error-level line.
func TestServiceConfiguredByFile(t *testing.T) {
	sim, _ := simFor(t, mirosim.Options{}, 20, 2)
	c1 := newC1(t, c1sim.Options{})
	conf := filepath.Join(t.TempDir(), "baton.yaml")
	var yaml bytes.Buffer
	for _, kv := range c1.Env() {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "BATON_CLIENT_ID":
			fmt.Fprintf(&yaml, "client-id: %q\n", v)
		case "BATON_CLIENT_SECRET":
			fmt.Fprintf(&yaml, "client-secret: %q\n", v)
		}
	}
	if err := os.WriteFile(conf, yaml.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServiceWith(t, c1, sim, "", func(cmd *exec.Cmd) {
		cmd.Dir = "/proc" // not writable, even by root
		env := []string{"BATON_CONFIG_PATH=" + conf}
		for _, kv := range cmd.Env {
			if !strings.HasPrefix(kv, "BATON_CLIENT_ID=") && !strings.HasPrefix(kv, "BATON_CLIENT_SECRET=") {
				env = append(env, kv)
			}
		}
		cmd.Env = env
	})
	s.sync()
	before := len(errorLines(s.stderr.String()))
	code, took := s.terminate()
	t.Logf("SIGTERM: exit %d after %s", code, took.Round(time.Millisecond))
	if code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0\n%s", code, tail(s.stderr.String()))
	}
	if lines := errorLines(s.stderr.String()); len(lines) != before {
		t.Errorf("the stop logged at error level:\n%s", strings.Join(lines[before:], "\n"))
	}
	requireEmptyDir(t, s.tmp)
}

// oneShot starts the binary on a sync that takes a while and returns once it
// is under way.
func oneShot(t *testing.T, sim *mirosim.Server, dir, tmp string, stderr *bytes.Buffer, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary, append(simArgs(sim), args...)...)
	cmd.Env = append(cleanEnv(), append(envFor(goodToken, ""), "TMPDIR="+tmp)...)
	cmd.Dir = dir
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); sim.Count("list_team_members") < 20; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("the sync did not get under way\n%s", stderr.String())
		}
	}
	return cmd
}

// TestBinaryStopWhateverTheArguments: with an argument value that is a
// subcommand's name (-f config), the run is supervised (main switched the
// supervisor off: SIGINT exited 0 and left the temporary files); SIGINT ends
// it with 130, nothing left, and no error-level line (main logged the
// SDK's cancellations as errors), in either log format.
func TestBinaryStopWhateverTheArguments(t *testing.T) {
	for _, format := range []string{"json", "console"} {
		t.Run(format, func(t *testing.T) {
			sim, _ := simFor(t, mirosim.Options{Latency: 15 * time.Millisecond}, 3000, 400)
			dir := t.TempDir()
			tmp := filepath.Join(dir, "tmp")
			if err := os.Mkdir(tmp, 0o700); err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd := oneShot(t, sim, dir, tmp, &stderr, "-f", "config", "--workers", "2", "--log-format", format)
			_ = cmd.Process.Signal(syscall.SIGINT)
			err := cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != 130 {
				t.Errorf("exit %d (%v), want 130\n%s", code, err, tail(stderr.String()))
			}
			if lines := errorLines(stderr.String()); len(lines) > 0 {
				t.Errorf("the stop logged at error level:\n%s", strings.Join(lines, "\n"))
			}
			requireEmptyDir(t, tmp)
		})
	}
}

// TestBinarySupervisorKilled: SIGKILL of the supervisor mid-sync leaves its
// private directory; the next run removes it (main never did), and a run's
// closed stderr (SIGPIPE) does not end it early.
func TestBinarySupervisorKilled(t *testing.T) {
	sim, _ := simFor(t, mirosim.Options{Latency: 15 * time.Millisecond}, 3000, 400)
	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := oneShot(t, sim, dir, tmp, &stderr, "-f", "a.c1z", "--workers", "2")
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if entries, _ := os.ReadDir(tmp); len(entries) == 0 {
		t.Fatal("the killed supervisor left nothing to clean up; the test proves nothing")
	}
	// The runner dies with its supervisor (Pdeathsig), the service with the runner;
	// the next run's sweep takes only directories whose lock is free.

	// The next run, its stderr a pipe closed early (as with `| head -1`).
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	next := exec.Command(binary, append(simArgs(sim), "-f", "b.c1z", "--log-level", "debug")...)
	next.Env = append(cleanEnv(), append(envFor(goodToken, ""), "TMPDIR="+tmp)...)
	next.Dir = dir
	next.Stderr = w
	if err := next.Start(); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	buf := make([]byte, 1)
	_, _ = r.Read(buf) // one byte, then the reader goes away
	_ = r.Close()
	if err := next.Wait(); err != nil {
		t.Errorf("the run with a closed stderr: %v (main: killed by SIGPIPE, exit 141)", err)
	}
	if !exists(filepath.Join(dir, "b.c1z")) {
		t.Error("no c1z from the run with a closed stderr")
	}
	requireEmptyDir(t, tmp)
}
