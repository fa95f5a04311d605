package main

import (
	"bytes"
	"context"

	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
)

const (
	goodToken = "tok-REST-9f3a7c" // distinctive, so a leak is easy to find
	scimToken = "tok-SCIM-4b1e2d" // likewise
	badToken  = "tok-WRONG-77aa01"
)

// failureCases are the ways a configuration can be wrong against a running
// Miro: each must exit non-zero within seconds with an actionable message.
var failureCases = []struct {
	name     string
	opts     mirosim.Options
	token    string
	scim     string
	wantExit int
	wantMsg  []string
}{
	{"wrong token", mirosim.Options{}, badToken, "", 16, []string{"--miro-access-token"}},
	{"not a company admin", mirosim.Options{NotAdmin: true}, goodToken, "", 7, []string{"Company Admin", "organizations:read"}},
	{"not enterprise", mirosim.Options{NotEnterprise: true}, goodToken, "", 7, []string{"Enterprise"}},
	{"missing scope", mirosim.Options{Scopes: []string{"organizations:teams:read"}}, goodToken, "", 7, []string{"organizations:read"}},
	{"wrong SCIM token", mirosim.Options{}, goodToken, badToken, 16, []string{"--miro-scim-access-token"}},
}

func simFor(t *testing.T, opts mirosim.Options, users, teams int) (*mirosim.Server, *mirosim.Org) {
	t.Helper()
	opts.Token, opts.SCIMToken = goodToken, scimToken
	if opts.Credits == 0 {
		opts.Credits = -1
	}
	return startSim(t, mirosim.GenOptions{Seed: 9, Users: users, Teams: teams}, opts)
}

func envFor(token, scim string) []string {
	env := []string{"BATON_MIRO_ACCESS_TOKEN=" + token}
	if scim != "" {
		env = append(env, "BATON_MIRO_SCIM_ACCESS_TOKEN="+scim)
	}
	return env
}

// TestBinaryBadConfiguration runs each failure case through the binary.
func TestBinaryBadConfiguration(t *testing.T) {
	for _, tc := range failureCases {
		t.Run(tc.name, func(t *testing.T) {
			sim, _ := simFor(t, tc.opts, 50, 5)
			out := filepath.Join(t.TempDir(), "sync.c1z")
			start := time.Now()
			res := run(t, time.Minute, envFor(tc.token, tc.scim), append(simArgs(sim), "-f", out)...)
			if res.exitCode != tc.wantExit {
				t.Errorf("exit code %d, want %d\nstderr: %s", res.exitCode, tc.wantExit, res.stderr)
			}
			for _, m := range tc.wantMsg {
				if !strings.Contains(res.stderr+res.stdout, m) {
					t.Errorf("output does not mention %q:\n%s", m, res.stderr)
				}
			}
			if d := time.Since(start); d > 45*time.Second { // generous: CI machines are slow; a retry storm takes minutes
				t.Errorf("took %s to fail", d)
			}
			if n := sim.TotalCount(); n > 10 {
				t.Errorf("%d calls before giving up: a retry storm (%v)", n, sim.Counts())
			}
			requireNoFinishedSync(t, out)
		})
	}
}

// TestBinaryOutputNotWritable: a sync whose output cannot be written fails
// before its first Miro call (it used to fail after the whole sync).
func TestBinaryOutputNotWritable(t *testing.T) {
	sim, _ := simFor(t, mirosim.Options{}, 50, 5)
	dir := t.TempDir()
	readOnly := filepath.Join(dir, "read-only")
	if err := os.Mkdir(readOnly, 0o500); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{filepath.Join(dir, "missing", "sync.c1z"), filepath.Join(readOnly, "sync.c1z"), dir} {
		if out == filepath.Join(readOnly, "sync.c1z") && os.Geteuid() == 0 {
			continue // root writes anywhere
		}
		res := run(t, time.Minute, envFor(goodToken, ""), append(simArgs(sim), "-f", out)...)
		if res.exitCode != 3 || !strings.Contains(res.stderr, "cannot write the sync file") {
			t.Errorf("-f %s: exit %d, want 3 with \"cannot write the sync file\":\n%s", out, res.exitCode, tail(res.stderr))
		}
	}
	if n := sim.TotalCount(); n != 0 {
		t.Errorf("%d Miro calls before refusing the output: %v", n, sim.Counts())
	}
}

// requireNoFinishedSync: a failed run leaves no c1z, or one without a
// finished sync (an interrupted sync is saved unfinished, for the next run to
// resume).
func requireNoFinishedSync(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		return
	}
	if finished, err := synctest.HasFinishedSync(context.Background(), path); err != nil || finished {
		t.Errorf("the failed run left a c1z with a finished sync (%v)", err)
	}
}

// TestBinaryNeverLeaksTokens runs the binary with --log-level debug in the
// success case and every failure case and searches stdout, stderr and the c1z
// (raw bytes and decoded contents) for either token.
func TestBinaryNeverLeaksTokens(t *testing.T) {
	type scenario struct {
		name        string
		opts        mirosim.Options
		token, scim string
	}
	runs := []scenario{{"success", mirosim.Options{}, goodToken, scimToken}}
	for _, tc := range failureCases {
		runs = append(runs, scenario{tc.name, tc.opts, tc.token, tc.scim})
	}
	runs = append(runs, scenario{"faults", mirosim.Options{Faults: mirosim.Faults{Rate: 0.3, Seed: 3,
		Kinds: []mirosim.FaultKind{mirosim.Fault500, mirosim.Fault503, mirosim.FaultDrop, mirosim.FaultTruncate}}}, goodToken, scimToken})
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			sim, _ := simFor(t, r.opts, 120, 12)
			out := filepath.Join(t.TempDir(), "sync.c1z")
			res := run(t, 2*time.Minute, envFor(r.token, r.scim), append(simArgs(sim), "--log-level", "debug", "-f", out)...)
			if r.name == "success" && res.exitCode != 0 {
				t.Fatalf("exit %d: %s", res.exitCode, res.stderr)
			}
			if !strings.Contains(res.stderr+res.stdout, "debug") {
				t.Fatalf("no debug logging captured; the test would prove nothing")
			}
			secrets := []string{goodToken, scimToken, badToken}
			for _, s := range secrets {
				if strings.Contains(res.stdout, s) || strings.Contains(res.stderr, s) {
					t.Errorf("a token (%s…) appears in the output", s[:8])
				}
			}
			if raw, err := os.ReadFile(out); err == nil {
				for _, s := range secrets {
					if bytes.Contains(raw, []byte(s)) {
						t.Errorf("a token (%s…) appears in the c1z bytes", s[:8])
					}
				}
				if c, err := synctest.Read(context.Background(), out); err == nil {
					var all strings.Builder
					for _, byID := range c.Resources {
						for _, res := range byID {
							all.WriteString(res.String())
						}
					}
					for _, g := range c.Grants {
						all.WriteString(g.String())
					}
					for _, s := range secrets {
						if strings.Contains(all.String(), s) {
							t.Errorf("a token (%s…) appears in the c1z contents", s[:8])
						}
					}
				}
			}
		})
	}
}

// TestBinaryInterrupted: SIGINT or SIGTERM in the middle of a large sync ends
// the process within seconds with 130 or 143, leaving nothing in its temporary
// directory and no c1z that reads as finished; the same command then syncs the
// exact org.
func TestBinaryInterrupted(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			sim, org := simFor(t, mirosim.Options{Latency: 15 * time.Millisecond}, 3000, 400)
			dir := t.TempDir()
			out := filepath.Join(dir, "sync.c1z")
			args := append(simArgs(sim), "--workers", "2", "-f", out)

			tmp := filepath.Join(dir, "tmp")
			if err := os.Mkdir(tmp, 0o700); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(binary, args...)
			cmd.Env = append(cleanEnv(), append(envFor(goodToken, ""), "TMPDIR="+tmp)...)
			cmd.Dir = dir
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Interrupt once the sync is well under way: some team grants done.
			deadline := time.Now().Add(time.Minute)
			for sim.Count("list_team_members") < 40 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if sim.Count("list_team_members") < 40 {
				_ = cmd.Process.Kill()
				t.Fatalf("sync did not get under way: %v\n%s", sim.Counts(), stderr.String())
			}
			sentAt := time.Now()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("process still running 20 s after %s", sig)
			}
			code := cmd.ProcessState.ExitCode()
			t.Logf("exited %s after %s with code %d", time.Since(sentAt).Round(time.Millisecond), sig, code)
			if code == 0 && sim.Count("list_team_members") >= totalTeamPages(org) {
				t.Skip("the sync finished before the signal landed")
			}
			if code != 128+int(sig) {
				t.Errorf("exit %d after %s, want %d\n%s", code, sig, 128+int(sig), tail(stderr.String()))
			}
			requireEmptyDir(t, tmp)
			requireNoFinishedSync(t, out)
			firstCalls := sim.TotalCount()

			res := run(t, 3*time.Minute, envFor(goodToken, ""), append(args[:len(args)-2], "-f", out)...)
			if res.exitCode != 0 {
				t.Fatalf("second run: exit %d\n%s", res.exitCode, res.stderr)
			}
			got, err := synctest.Read(context.Background(), out)
			if err != nil {
				t.Fatal(err)
			}
			if diff := simtest.Expect(org).Diff(got); diff != "" {
				t.Fatalf("c1z of the second run differs from the org:\n%s", diff)
			}
			t.Logf("calls: %d before the signal, %d in all; a fresh sync needs %d", firstCalls, sim.TotalCount(), sum(simtest.MinCalls(org)))
		})
	}
}

func totalTeamPages(org *mirosim.Org) int { return simtest.MinCalls(org)["list_team_members"] }

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
