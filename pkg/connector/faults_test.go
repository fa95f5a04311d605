package connector_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
	"github.com/conductorone/baton-miro/pkg/miro"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

var allTransient = []mirosim.FaultKind{mirosim.Fault500, mirosim.Fault502, mirosim.Fault503, mirosim.FaultDrop, mirosim.FaultTruncate, mirosim.FaultSlow}

// shortTimeout makes the client's HTTP timeout shorter than the simulator's slow fault.
func shortTimeout(o *miro.Options) { o.HTTPClient = &http.Client{Timeout: 300 * time.Millisecond} }

// TestSyncSurvivesTransientFaults: with 5% and 20% of answers replaced by
// 500/502/503, dropped connections, truncated bodies and answers slower than
// the HTTP timeout, the sync still produces exactly the org.
func TestSyncSurvivesTransientFaults(t *testing.T) {
	for _, rate := range []float64{0.05, 0.20} {
		for _, workers := range []int{1, 4} {
			t.Run(fmt.Sprintf("rate=%.2f/workers=%d", rate, workers), func(t *testing.T) {
				ctx, cancel := syncContext(t)
				defer cancel()
				sim, org := startSim(t, mirosim.GenOptions{Seed: 21, Users: 400, Teams: 40},
					mirosim.Options{Credits: -1, Faults: mirosim.Faults{Rate: rate, Kinds: allTransient, Seed: int64(workers), SlowDelay: 2 * time.Second}})
				got, err := simtest.SyncAndRead(ctx, sim, simToken, filepath.Join(t.TempDir(), "sync.c1z"), workers,
					shortTimeout, func(o *miro.Options) { o.MaxAttempts = 20 })
				if err != nil {
					t.Fatalf("sync under %.0f%% faults: %v", rate*100, err)
				}
				if diff := simtest.Expect(org).Diff(got); diff != "" {
					t.Fatalf("c1z differs from the org:\n%s", diff)
				}
				if sim.TotalCount() <= 5 {
					t.Fatalf("suspiciously few calls: %v", sim.Counts())
				}
			})
		}
	}
}

// TestSyncDeadEndpointFailsClearly: an endpoint that always fails ends the sync
// with a clear error after a bounded number of tries, not an endless loop.
func TestSyncDeadEndpointFailsClearly(t *testing.T) {
	for _, route := range []string{"list_members", "list_teams", "list_team_members", "get_org"} {
		t.Run(route, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			sim, _ := startSim(t, mirosim.GenOptions{Seed: 22, Users: 150, Teams: 10},
				mirosim.Options{Credits: -1, Faults: mirosim.Faults{Rate: 1, Kinds: []mirosim.FaultKind{mirosim.Fault503}, Routes: []string{route}}})
			_, err := simtest.SyncAndRead(ctx, sim, simToken, filepath.Join(t.TempDir(), "sync.c1z"), 1)
			if err == nil {
				t.Fatal("sync succeeded against a dead endpoint")
			}
			if ctx.Err() != nil {
				t.Fatalf("sync did not end by itself: %v", err)
			}
			if !strings.Contains(err.Error(), "gave up after 12 attempts") || !strings.Contains(err.Error(), "503") {
				t.Errorf("error does not say the endpoint kept failing: %v", err)
			}
			// Team pages are also fetched ahead, once each without retries; the
			// first such failure stops that until a team page comes back.
			want := 12
			if route == "list_team_members" {
				want = 13
			}
			if n := sim.Count(route); n != want {
				t.Errorf("%s was tried %d times, want exactly %d (MaxAttempts, plus one speculative try for team pages)", route, n, want)
			}
		})
	}
}

// TestSyncMalformedResponses: each way a page can be malformed ends in a clear
// error or in the exact org, never a plausible but wrong c1z.
func TestSyncMalformedResponses(t *testing.T) {
	cases := []struct {
		route   string
		mal     mirosim.Malformation
		wantErr string // "" = the sync must produce the exact org; alternatives separated by |
	}{
		{"list_members", mirosim.MalformedJSON, "decoding JSON"},
		{"list_members", mirosim.MalformedHTML, `Content-Type "text/html`},
		{"list_members", mirosim.MalformedContentType, ""},
		{"list_members", mirosim.MalformedCursorLoop, "loop forever"},
		{"list_members", mirosim.MalformedEmptyDataCursor, "empty pages in a row|loop forever"},
		{"list_members", mirosim.MalformedOverLimit, ""},
		{"list_members", mirosim.MalformedDuplicates, ""},
		{"list_members", mirosim.MalformedHugeStrings, ""},
		{"list_teams", mirosim.MalformedJSON, "decoding JSON"},
		{"list_teams", mirosim.MalformedCursorLoop, "loop forever"},
		{"list_teams", mirosim.MalformedEmptyDataCursor, "empty pages in a row|loop forever"},
		{"list_teams", mirosim.MalformedHugeStrings, ""},
		{"list_teams", mirosim.MalformedDuplicates, ""},
		{"list_team_members", mirosim.MalformedHTML, `Content-Type "text/html`},
		{"list_team_members", mirosim.MalformedCursorLoop, "loop forever"},
		{"list_team_members", mirosim.MalformedEmptyDataCursor, "empty pages in a row|loop forever"},
		{"list_team_members", mirosim.MalformedOverLimit, ""},
		{"list_team_members", mirosim.MalformedDuplicates, ""},
		{"get_org", mirosim.MalformedJSON, "decoding JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.route+"/"+string(tc.mal), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			sim, _ := startSim(t, mirosim.GenOptions{Seed: 23, Users: 350, Teams: 130},
				mirosim.Options{Credits: -1, Faults: mirosim.Faults{Malformed: map[string]mirosim.Malformation{tc.route: tc.mal}}})
			got, err := simtest.SyncAndRead(ctx, sim, simToken, filepath.Join(t.TempDir(), "sync.c1z"), 2)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("sync succeeded; want an error mentioning %q", tc.wantErr)
				}
				for _, alt := range strings.Split(tc.wantErr, "|") {
					if strings.Contains(err.Error(), alt) {
						return
					}
				}
				t.Fatalf("error does not mention %q: %v", tc.wantErr, err)
			}
			if err != nil {
				t.Fatalf("sync: %v", err)
			}
			// The simulator's data is the truth; what it serves is only malformed in shape.
			want := sim.Org()
			if tc.mal == mirosim.MalformedHugeStrings {
				requireClipped(t, got)
			}
			if diff := simtest.Expect(want).Diff(got); diff != "" {
				t.Fatalf("c1z differs from the org:\n%s", diff)
			}
		})
	}
}

// TestTeamMemberOutsideOrg: a membership of someone who is not an org member
// is left out (it would point at no user), and the rest is exact.
func TestTeamMemberOutsideOrg(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	org := mirosim.Generate(mirosim.GenOptions{Seed: 24, Users: 200, Teams: 10})
	want := org.Clone()
	org.Teams[0].Members = append(org.Teams[0].Members, mirosim.TeamMember{UserID: "9999999999999999999", Role: "member"})
	sim := mirosim.New(org, mirosim.Options{Token: simToken, Credits: -1})
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	got, err := simtest.SyncAndRead(ctx, sim, simToken, filepath.Join(t.TempDir(), "sync.c1z"), 4)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	if diff := simtest.Expect(want).Diff(got); diff != "" {
		t.Fatalf("c1z differs from the org without the stranger:\n%s", diff)
	}
}

// TestSyncUnderRateLimitAndFaults: four workers, a compressed credit budget and
// 5% faults together on a 10,000-user org: exact result.
func TestSyncUnderRateLimitAndFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 users")
	}
	ctx, cancel := syncContext(t)
	defer cancel()
	gen := mirosim.GenOptions{Seed: 25, Users: 10_000, Teams: 1_000}
	credits := simtest.MinCredits(mirosim.Generate(gen)) / 4
	sim, org := startSim(t, gen, mirosim.Options{Credits: credits, Window: time.Second,
		Faults: mirosim.Faults{Rate: 0.05, Kinds: []mirosim.FaultKind{mirosim.Fault500, mirosim.Fault503, mirosim.FaultDrop, mirosim.FaultTruncate}, Seed: 5}})
	got, err := simtest.SyncAndRead(ctx, sim, simToken, filepath.Join(t.TempDir(), "sync.c1z"), 4)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	if diff := simtest.Expect(org).Diff(got); diff != "" {
		t.Fatalf("c1z differs from the org:\n%s", diff)
	}
	t.Logf("calls %d (minimum %d), 429s %d", sim.TotalCount(), total(simtest.MinCalls(org)), sim.Status429())
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestErrorCodes: the gRPC code of a permanent failure is never Unavailable,
// which the SDK would retry forever.
func TestErrorCodes(t *testing.T) {
	ctx := context.Background()
	sim, _ := startSim(t, mirosim.GenOptions{Seed: 26, Users: 10, Teams: 1},
		mirosim.Options{Credits: -1, Faults: mirosim.Faults{Rate: 1, Kinds: []mirosim.FaultKind{mirosim.Fault500}, Routes: []string{"get_org"}}})
	conn, _, err := simtest.NewConnector(sim, simToken, func(o *miro.Options) { o.MaxAttempts = 3 })
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Validate(ctx)
	if code := status.Code(err); code != codes.Aborted {
		t.Errorf("exhausted retries: code %v, want Aborted: %v", code, err)
	}
}

// requireClipped: 1 MiB values from Miro arrive clipped and marked, and
// nothing else is lost.
func requireClipped(t *testing.T, got *synctest.Contents) {
	t.Helper()
	clipped := 0
	for _, typ := range []string{"user", "team"} {
		for id, r := range got.Resources[typ] {
			if len(r.String()) > 64<<10 {
				t.Errorf("%s %s is %d bytes: a runaway value was not clipped", typ, id, len(r.String()))
			}
			if strings.Contains(r.String(), "…") {
				clipped++
			}
		}
	}
	if clipped == 0 {
		t.Errorf("no resource shows a clipped value; the huge strings did not arrive or were dropped")
	}
}
