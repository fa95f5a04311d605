//go:build unix

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	reader_v2 "github.com/conductorone/baton-sdk/pb/c1/reader/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/types"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/synctest"
	"github.com/conductorone/baton-miro/pkg/miro"
)

func TestSummaryLine(t *testing.T) {
	stats := reader_v2.SyncStats_builder{
		Grants:                  5634,
		ResourcesByResourceType: map[string]int64{"user": 1000, "team": 50, "user_group": 1, "role": 5, "license": 5},
		GrantsByResourceType:    map[string]int64{"team": 2886, "role": 1000, "user_group": 1748},
	}.Build()
	usage := miro.Usage{Calls: 1937, Credits: 107150, Throttled: 2}
	for _, tc := range []struct {
		name     string
		took     time.Duration
		stats    *reader_v2.SyncStats
		statsErr error
		usageErr error
		want     string
	}{
		{"all known", 2140 * time.Millisecond, stats, nil, nil,
			"synced sync.c1z in 2.1s: 1,000 users, 50 teams, 5 licenses, 5 roles, 1 user group; " +
				"5,634 grants (2,886 on teams, 1,748 on user groups, 1,000 on roles); Miro: 1,937 API calls, 107,150 credits, 2 throttled (429)"},
		{"long run, unreadable c1z, usage unknown", 3*time.Minute + 12600*time.Millisecond, nil, errors.New("it holds no sync finished by this run"), errors.New("not recorded"),
			"synced sync.c1z in 3m13s (its contents could not be read back: it holds no sync finished by this run); Miro usage not recorded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := summaryLine("sync.c1z", tc.took, tc.stats, tc.statsErr, usage, tc.usageErr); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestGroup(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -45000: "-45,000"} {
		if got := group(n); got != want {
			t.Errorf("group(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPlainError(t *testing.T) {
	inner := "checking the Miro access token: miro: GET /v1/oauth-token: HTTP 400 invalidToken: Invalid token provided. Miro rejected the access token"
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("runner: error processing task: %w", status.Error(codes.Unauthenticated, "validate failed: "+status.Error(codes.Unauthenticated, inner).Error())), inner},
		{status.Error(codes.InvalidArgument, "--event-feed-start-at \"x\" is not a time"), "--event-feed-start-at \"x\" is not a time"},
		{errors.New("failed to open c1z: no space left on device"), "failed to open c1z: no space left on device"},
		{errors.New("a message of ours that says desc = something"), "a message of ours that says desc = something"},
		{errors.New("runner: error processing task: pebble engine: no current sync"), "pebble engine: no current sync"},
	} {
		if got := plainError(tc.err.Error()); got != tc.want {
			t.Errorf("plainError(%q) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// TestBinarySummary: a one-shot sync ends with one line that says what the
// c1z holds, per type, and what the run asked of Miro, as the simulator
// counted it (a 429 included); no line of the log is a wall of detail.
func TestBinarySummary(t *testing.T) {
	sim, _ := startSim(t, mirosim.GenOptions{Seed: 5, Users: 300, Teams: 20, Groups: 6},
		mirosim.Options{Token: goodToken, SCIMToken: scimToken, Faults: mirosim.Faults{Throttle: 1}})
	out := filepath.Join(t.TempDir(), "sync.c1z")
	res := run(t, 3*time.Minute, envFor(goodToken, scimToken), append(simArgs(sim), "-f", out)...)
	if res.exitCode != 0 {
		t.Fatalf("exit %d\nstderr: %s", res.exitCode, tail(res.stderr))
	}
	lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
	for _, l := range lines {
		if len(l) > 1000 {
			t.Errorf("a log line of %d characters: %.200s…", len(l), l)
		}
	}
	var last struct {
		Msg                                             string
		Resources, Grants, APICalls, Credits, Throttled int64
	}
	if err := json.Unmarshal([]byte(strings.ReplaceAll(lines[len(lines)-1], "api_calls", "apicalls")), &last); err != nil || !strings.HasPrefix(last.Msg, "synced ") {
		t.Fatalf("the last line is not the summary (%v): %s", err, lines[len(lines)-1])
	}
	got, err := synctest.Read(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	resources := 0
	for typ, byID := range got.Resources {
		resources += len(byID)
		if want := count(int64(len(byID)), typeName(typ)); !strings.Contains(last.Msg, " "+want) {
			t.Errorf("the summary does not say %q: %s", want, last.Msg)
		}
	}
	if sim.Status429() == 0 {
		t.Fatal("the simulator throttled nothing: the test lost its 429")
	}
	for _, f := range []struct {
		name      string
		got, want int
	}{
		{"resources", int(last.Resources), resources},
		{"grants", int(last.Grants), len(got.Grants)},
		{"api_calls", int(last.APICalls), sim.TotalCount()},
		{"credits", int(last.Credits), sim.CreditsSpent()},
		{"throttled", int(last.Throttled), sim.Status429()},
	} {
		if f.got != f.want {
			t.Errorf("summary %s = %d, want %d: %s", f.name, f.got, f.want, last.Msg)
		}
	}
	for _, want := range []string{
		count(int64(len(got.Grants)), "grant"),
		fmt.Sprintf("Miro: %s, %s credits, %s throttled (429)", count(int64(sim.TotalCount()), "API call"), group(int64(sim.CreditsSpent())), group(int64(sim.Status429()))),
	} {
		if !strings.Contains(last.Msg, want) {
			t.Errorf("the summary does not say %q: %s", want, last.Msg)
		}
	}

	// With the log in a file, the terminal gets the summary alone, plain.
	logFile := filepath.Join(t.TempDir(), "baton.log")
	res = run(t, 3*time.Minute, envFor(goodToken, scimToken), append(simArgs(sim), "-f", out, "--log-path", logFile, "--log-format", "console")...)
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if res.exitCode != 0 || !strings.HasPrefix(res.stderr, "baton-miro: synced "+out+" in ") || strings.Count(res.stderr, "\n") != 1 {
		t.Errorf("exit %d, stderr not the one summary line:\n%s", res.exitCode, res.stderr)
	}
	if !strings.Contains(string(data), "listed every organization member") || !strings.Contains(lastLine(string(data)), "synced "+out) {
		t.Errorf("the log file lacks the connector service's entries or ends without the summary:\n%s", tail(string(data)))
	}
}

// TestBinaryFailureSaidOnce: a run's failure is said once where the log
// goes, and once more, plain, on standard error when the log goes elsewhere
// or its level leaves errors out.
func TestBinaryFailureSaidOnce(t *testing.T) {
	sim, _ := simFor(t, mirosim.Options{}, 50, 5)
	const phrase = "Miro rejected the access token"
	out := filepath.Join(t.TempDir(), "sync.c1z")
	res := run(t, time.Minute, envFor(badToken, ""), append(simArgs(sim), "-f", out)...)
	if n := strings.Count(res.stderr, phrase); res.exitCode != 16 || n != 1 {
		t.Errorf("exit %d, %q said %d times, want 16 and once:\n%s", res.exitCode, phrase, n, res.stderr)
	}
	if !strings.Contains(lastLine(res.stderr), `"the sync failed: checking the Miro access token:`) {
		t.Errorf("the log does not end with the failure: %s", lastLine(res.stderr))
	}

	logFile := filepath.Join(t.TempDir(), "baton.log")
	res = run(t, time.Minute, envFor(badToken, ""), append(simArgs(sim), "-f", out, "--log-path", logFile)...)
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), phrase); n != 1 {
		t.Errorf("the log file says %q %d times, want once:\n%s", phrase, n, data)
	}
	if res.exitCode != 16 || strings.Count(res.stderr, "\n") != 1 || !strings.HasPrefix(res.stderr, "baton-miro: the sync failed: ") ||
		!strings.Contains(res.stderr, phrase) {
		t.Errorf("exit %d, standard error is not the one plain failure line:\n%s", res.exitCode, res.stderr)
	}

	// A log level that leaves errors out still leaves the reason on standard error.
	res = run(t, time.Minute, envFor(badToken, ""), append(simArgs(sim), "-f", out, "--log-level", "fatal")...)
	if res.exitCode != 16 || strings.Count(res.stderr, "\n") != 1 || !strings.HasPrefix(res.stderr, "baton-miro: the sync failed: ") ||
		!strings.Contains(res.stderr, phrase) {
		t.Errorf("--log-level fatal: exit %d, standard error is not the one plain failure line:\n%s", res.exitCode, res.stderr)
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndexByte(s, '\n')+1:]
}

type cleanupOnly struct{ types.ConnectorServer }

func (cleanupOnly) Cleanup(context.Context, *v2.ConnectorServiceCleanupRequest) (*v2.ConnectorServiceCleanupResponse, error) {
	return &v2.ConnectorServiceCleanupResponse{}, nil
}

type usageBuilder struct {
	connectorbuilder.ConnectorBuilderV2
	u miro.Usage
}

func (b usageBuilder) Usage() miro.Usage { return b.u }

// TestReportUsage: in a one-shot sync (BATON_MIRO_USAGE set) the connector's
// Cleanup records its usage where the runner reads it; elsewhere nothing is
// wrapped.
func TestReportUsage(t *testing.T) {
	want := miro.Usage{Calls: 12, Credits: 650, Throttled: 1}
	b := usageBuilder{u: want}
	if s := reportUsage(cleanupOnly{}, b); s != (cleanupOnly{}) {
		t.Fatalf("wrapped without %s: %T", usageEnv, s)
	}
	path := filepath.Join(t.TempDir(), "usage.json")
	t.Setenv(usageEnv, path)
	if _, err := readUsage(path); err == nil {
		t.Fatal("a usage record before any sync ended")
	}
	if _, err := reportUsage(cleanupOnly{}, b).Cleanup(context.Background(), &v2.ConnectorServiceCleanupRequest{}); err != nil {
		t.Fatal(err)
	}
	if got, err := readUsage(path); err != nil || got != want {
		t.Errorf("recorded %+v (%v), want %+v", got, err, want)
	}
}
