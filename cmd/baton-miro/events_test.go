package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
)

// feedLine is the part of one printed event (protojson of c1.connector.v2.Event) the test reads.
type feedLine struct {
	ID         string `json:"id"`
	OccurredAt string `json:"occurredAt"`
	UsageEvent *struct {
		ActorResource struct {
			ID struct{ ResourceType, Resource string } `json:"id"`
		} `json:"actorResource"`
	} `json:"usageEvent"`
	ResourceChangeEvent *struct {
		ResourceID struct{ ResourceType, Resource string } `json:"resourceId"`
	} `json:"resourceChangeEvent"`
	CreateGrantEvent  json.RawMessage `json:"createGrantEvent"`
	CreateRevokeEvent json.RawMessage `json:"createRevokeEvent"`
}

func (l feedLine) kind() string {
	switch {
	case l.UsageEvent != nil:
		return "usage"
	case l.ResourceChangeEvent != nil:
		return "change:" + l.ResourceChangeEvent.ResourceID.ResourceType
	case l.CreateGrantEvent != nil:
		return "grant"
	case l.CreateRevokeEvent != nil:
		return "revoke"
	}
	return "?"
}

// TestBinaryEventFeed runs `baton-miro --event-feed=true --event-feed-id miro_audit_log --event-feed-start-at T`
// against the simulator and checks what it prints: one JSON line per event, every sign-in in the window once
// as usage of its user (exact counts per user), the other mapped kinds in exact numbers, ids unique,
// ⌈entries ÷ 100⌉ calls. It also shows the flag form that does not work in SDK v0.25.0.
func TestBinaryEventFeed(t *testing.T) {
	sim, _ := startSim(t, mirosim.GenOptions{Seed: 12, Users: 300, Teams: 20, Groups: 4}, mirosim.Options{Token: "bin-token", Credits: -1})
	now := time.Now().UTC()
	sim.SeedAuditLog(mirosim.AuditSeed{Seed: 12, Events: 777, Span: 20 * 24 * time.Hour, End: now.Add(-time.Minute)})
	start := now.Add(-10 * 24 * time.Hour).Truncate(time.Second)
	env := []string{"BATON_MIRO_ACCESS_TOKEN=bin-token"}
	args := append(simArgs(sim), "--event-feed=true", "--event-feed-id", "miro_audit_log",
		"--event-feed-start-at", start.Format(time.RFC3339))
	res := run(t, 2*time.Minute, env, args...)
	if res.exitCode != 0 {
		t.Fatalf("exit %d\nstderr: %s", res.exitCode, tail(res.stderr))
	}

	// What the log holds in [start, the run).
	entries, wantUsage, wantKinds := 0, map[string]int{}, map[string]int{}
	for _, e := range sim.AuditLog() {
		if e.At.Before(start) {
			continue
		}
		entries++
		switch e.Event {
		case "sign_in_succeeded":
			wantUsage[e.ActorID]++
			wantKinds["usage"]++
		case "team_settings_changed", "team_member_role_changed":
			wantKinds["change:team"]++
		case "team_member_added":
			wantKinds["grant"]++
		case "team_member_removed":
			wantKinds["revoke"]++
		case "user_license_changed", "user_role_changed", "user_deactivated":
			wantKinds["change:user"]++
		case "user_group_member_added":
			wantKinds["grant"]++
		}
	}

	gotUsage, gotKinds, ids := map[string]int{}, map[string]int{}, map[string]bool{}
	lines := 0
	for _, raw := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
		if raw == "" {
			continue
		}
		lines++
		var l feedLine
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatalf("stdout line is not an event: %v: %.200s", err, raw)
		}
		if ids[l.ID] {
			t.Errorf("event %s printed twice", l.ID)
		}
		ids[l.ID] = true
		gotKinds[l.kind()]++
		if l.UsageEvent != nil {
			if l.UsageEvent.ActorResource.ID.ResourceType != "user" {
				t.Errorf("usage actor %+v", l.UsageEvent.ActorResource.ID)
			}
			gotUsage[l.UsageEvent.ActorResource.ID.Resource]++
		}
	}
	for uid, n := range wantUsage {
		if gotUsage[uid] != n {
			t.Errorf("user %s: %d usage events, %d sign-ins in the log", uid, gotUsage[uid], n)
		}
	}
	if len(gotUsage) != len(wantUsage) {
		t.Errorf("usage events for %d users, sign-ins by %d", len(gotUsage), len(wantUsage))
	}
	for k, n := range wantKinds {
		if gotKinds[k] != n {
			t.Errorf("%s: %d events, want %d", k, gotKinds[k], n)
		}
	}
	if len(gotKinds) != len(wantKinds) {
		t.Errorf("kinds %v, want %v", gotKinds, wantKinds)
	}
	if calls := sim.Count("list_audit_logs"); calls != (entries+99)/100 {
		t.Errorf("%d calls for %d entries", calls, entries)
	}
	if sim.Status429() != 0 {
		t.Errorf("%d 429s", sim.Status429())
	}
	t.Logf("%d entries since %s → %d printed events %v, %d users with usage, %d calls", entries,
		start.Format(time.RFC3339), lines, gotKinds, len(gotUsage), sim.Count("list_audit_logs"))

	// In SDK v0.25.0 --event-feed is a string flag: bare, it takes the next argument as its value, and the
	// feed id left over is taken for a command.
	bare := run(t, time.Minute, env, append(simArgs(sim), "--event-feed", "--event-feed-id", "miro_audit_log")...)
	if bare.exitCode == 0 || !strings.Contains(bare.stderr, `unknown command "miro_audit_log"`) {
		t.Errorf("bare --event-feed: exit %d, stderr %s", bare.exitCode, tail(bare.stderr))
	}
}

// TestBinaryEventFeedScopeMissing: without auditlogs:read the feed fails with permission denied (exit 7),
// naming the scope.
func TestBinaryEventFeedScopeMissing(t *testing.T) {
	sim, _ := startSim(t, mirosim.GenOptions{Seed: 12, Users: 60, Teams: 5}, mirosim.Options{Token: "bin-token", Credits: -1,
		Scopes: []string{"organizations:read", "organizations:teams:read"}})
	res := run(t, time.Minute, []string{"BATON_MIRO_ACCESS_TOKEN=bin-token"}, append(simArgs(sim), "--event-feed=true",
		"--event-feed-id", "miro_audit_log", "--event-feed-start-at", time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))...)
	if res.exitCode != 7 || !strings.Contains(res.stderr, "auditlogs:read") || strings.TrimSpace(res.stdout) != "" {
		t.Errorf("exit %d, stdout %.200q, stderr %s", res.exitCode, res.stdout, tail(res.stderr))
	}
	if n := sim.Count("list_audit_logs"); n != 1 {
		t.Errorf("%d audit-log calls, want 1", n)
	}
}

// TestBinaryEventFeedBadStart: an --event-feed-start-at the SDK cannot read is
// refused (main read all 90 days and exited 0), before any Miro call.
func TestBinaryEventFeedBadStart(t *testing.T) {
	sim, _ := startSim(t, mirosim.GenOptions{Seed: 12, Users: 20, Teams: 2}, mirosim.Options{Token: "bin-token", Credits: -1})
	for _, args := range [][]string{
		{"--event-feed-start-at", "not-a-date"},
		{"--event-feed-start-at=2026-13-45"},
	} {
		res := run(t, 2*time.Minute, []string{"BATON_MIRO_ACCESS_TOKEN=bin-token"},
			append(append(simArgs(sim), "--event-feed=true", "--event-feed-id", "miro_audit_log"), args...)...)
		if res.exitCode != 3 || !strings.Contains(res.stderr, "is not a time") {
			t.Errorf("%v: exit %d, want 3 with \"is not a time\"\n%s", args, res.exitCode, tail(res.stderr))
		}
	}
	if n := sim.Count("list_audit_logs"); n != 0 {
		t.Errorf("%d audit-log calls for a start that cannot be read", n)
	}
}
