package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
)

// binary is the baton-miro executable built once for these tests.
var binary string

func TestMain(m *testing.M) {
	if scenario := os.Getenv(fakeChildEnv); scenario != "" {
		os.Exit(fakeChild(scenario))
	}
	dir, err := os.MkdirTemp("", "baton-miro-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "baton-miro")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building baton-miro:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	exitCode       int
	stdout, stderr string
}

// run executes the binary with args and the given extra environment.
func run(t *testing.T, timeout time.Duration, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(cleanEnv(), env...)
	cmd.Dir = t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("baton-miro %v did not finish within %s\nstderr: %s", args, timeout, stderr.String())
	}
	code := 0
	if err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			t.Fatalf("running baton-miro: %v", err)
		}
		code = exitErr.ExitCode()
	}
	return result{exitCode: code, stdout: stdout.String(), stderr: stderr.String()}
}

// cleanEnv drops BATON_* variables of the developer's shell.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BATON_") {
			env = append(env, kv)
		}
	}
	return env
}

func startSim(t *testing.T, gen mirosim.GenOptions, opts mirosim.Options) (*mirosim.Server, *mirosim.Org) {
	t.Helper()
	org := mirosim.Generate(gen)
	want := org.Clone()
	sim := mirosim.New(org, opts)
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	return sim, want
}

func simArgs(sim *mirosim.Server) []string {
	return []string{"--miro-api-url", sim.BaseURL(), "--miro-scim-url", sim.SCIMURL()}
}

// TestBinarySyncExactOrg runs the real binary against the simulator with one
// and four workers and checks the c1z and the API calls.
func TestBinarySyncExactOrg(t *testing.T) {
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			sim, org := startSim(t, mirosim.GenOptions{Seed: 3, Users: 1000, Teams: 100}, mirosim.Options{Token: "bin-token", Credits: -1})
			out := filepath.Join(t.TempDir(), "sync.c1z")
			args := append(simArgs(sim), "--workers", fmt.Sprint(workers), "-f", out)
			res := run(t, 3*time.Minute, []string{"BATON_MIRO_ACCESS_TOKEN=bin-token"}, args...)
			if res.exitCode != 0 {
				t.Fatalf("exit %d\nstderr: %s", res.exitCode, res.stderr)
			}
			got, err := synctest.Read(context.Background(), out)
			if err != nil {
				t.Fatal(err)
			}
			if diff := simtest.Expect(org).Diff(got); diff != "" {
				t.Fatalf("c1z differs from the simulated org:\n%s", diff)
			}
			want := simtest.MinCalls(org)
			for route, n := range sim.Counts() {
				if want[route] != n {
					t.Errorf("route %s: %d calls, budget %d", route, n, want[route])
				}
			}
		})
	}
}

// TestBinaryWithoutSecrets: capabilities and config need no token.
func TestBinaryWithoutSecrets(t *testing.T) {
	for _, sub := range []string{"capabilities", "config"} {
		res := run(t, time.Minute, nil, sub)
		if res.exitCode != 0 || !strings.HasPrefix(strings.TrimSpace(res.stdout), "{") {
			t.Errorf("baton-miro %s: exit %d, stdout %.200q, stderr %.300q", sub, res.exitCode, res.stdout, res.stderr)
		}
	}
}

// TestBinaryFlagValidation: bad configuration fails fast, non-zero, with a
// message that names what to fix, and leaves no c1z behind.
func TestBinaryFlagValidation(t *testing.T) {
	cases := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"missing token", nil, nil, "miro-access-token"},
		{"http to a remote host", []string{"BATON_MIRO_ACCESS_TOKEN=t"}, []string{"--miro-api-url", "http://api.example.com"}, "plain http://"},
		{"http SCIM to a remote host", []string{"BATON_MIRO_ACCESS_TOKEN=t"}, []string{"--miro-scim-url", "http://10.1.2.3/scim"}, "plain http://"},
		{"not a URL scheme", []string{"BATON_MIRO_ACCESS_TOKEN=t"}, []string{"--miro-api-url", "ftp://api.miro.com"}, "https://"},
		{"unknown flag", []string{"BATON_MIRO_ACCESS_TOKEN=t"}, []string{"--miro-acess-token", "x"}, "unknown flag"},
		{"unparsable URL with a password", []string{"BATON_MIRO_ACCESS_TOKEN=t"}, []string{"--miro-api-url", "https://user:pw-7731@api.miro.com/%zz"}, "not a URL"},
		{"URL with a password", []string{"BATON_MIRO_ACCESS_TOKEN=t"}, []string{"--miro-scim-url", "https://user:pw-7731@miro.com/api/v1/scim"}, "plain base URL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "sync.c1z")
			start := time.Now()
			res := run(t, 30*time.Second, tc.env, append(tc.args, "-f", out)...)
			if res.exitCode == 0 {
				t.Fatalf("exit 0, want failure\nstderr: %s", res.stderr)
			}
			if !strings.Contains(res.stdout+res.stderr, tc.want) {
				t.Errorf("output does not mention %q:\nstdout: %s\nstderr: %s", tc.want, res.stdout, res.stderr)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("a c1z was written despite the failure")
			}
			if strings.Contains(res.stdout+res.stderr, "pw-7731") {
				t.Errorf("the URL's password appears in the output")
			}
			if d := time.Since(start); d > 45*time.Second { // generous for slow machines; a retry loop would take minutes
				t.Errorf("took %s to fail", d)
			}
		})
	}
}

// TestBinarySkipGrantsFetchesNoTeamPages: a sync told to skip entitlements and
// grants never asks for team members, so none are fetched ahead either.
func TestBinarySkipGrantsFetchesNoTeamPages(t *testing.T) {
	for _, how := range []struct {
		name string
		args []string
		env  []string
	}{
		{"flag", []string{"--skip-entitlements-and-grants"}, nil},
		{"environment", nil, []string{"BATON_SKIP_ENTITLEMENTS_AND_GRANTS=true"}},
	} {
		t.Run(how.name, func(t *testing.T) {
			// Latency keeps the member walk going long enough for any prefetch to show.
			sim, org := startSim(t, mirosim.GenOptions{Seed: 3, Users: 1000, Teams: 100},
				mirosim.Options{Token: "bin-token", Credits: -1, Latency: 5 * time.Millisecond})
			out := filepath.Join(t.TempDir(), "sync.c1z")
			args := append(append(simArgs(sim), "--workers", "4", "-f", out), how.args...)
			res := run(t, 3*time.Minute, append([]string{"BATON_MIRO_ACCESS_TOKEN=bin-token"}, how.env...), args...)
			if res.exitCode != 0 {
				t.Fatalf("exit %d\nstderr: %s", res.exitCode, res.stderr)
			}
			if n := sim.Count("list_team_members"); n != 0 {
				t.Errorf("%d team-member pages fetched for a sync without grants", n)
			}
			got, err := synctest.Read(context.Background(), out)
			if err != nil {
				t.Fatal(err)
			}
			if n, want := len(got.Resources["team"]), len(org.Teams); n != want {
				t.Errorf("%d teams in the c1z, want %d", n, want)
			}
			if len(got.Grants) != 0 {
				t.Errorf("%d grants in a sync without grants", len(got.Grants))
			}
		})
	}
}
