//go:build unix

package main

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"

	"github.com/conductorone/baton-miro/internal/c1sim"
	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
	"github.com/conductorone/baton-miro/pkg/connector"
)

// ownRoutes are the Miro routes a targeted sync of a resource type may call:
// the resource's own reads. Anything else but the token context is a cost the
// change did not need.
var ownRoutes = map[string][]string{
	"user":       {"get_member"},
	"team":       {"get_team", "list_team_members", "list_team_groups", "list_boards", "list_projects"},
	"user_group": {"get_group", "list_group_members"},
	"board":      {"get_board", "list_board_members", "list_board_groups"},
	"project":    {"get_project", "list_project_members", "list_project_groups"},
}

// namedBy is the resource an event names: a change event's resource (with
// its parent), a grant or revoke event's entitlement resource.
func namedBy(ev *v2.Event) (simtest.Target, string) {
	switch {
	case ev.GetResourceChangeEvent() != nil:
		rc := ev.GetResourceChangeEvent()
		return simtest.Target{Type: rc.GetResourceId().GetResourceType(), ID: rc.GetResourceId().GetResource(),
			ParentType: rc.GetParentResourceId().GetResourceType(), ParentID: rc.GetParentResourceId().GetResource()}, "change"
	case ev.GetCreateGrantEvent() != nil:
		r := ev.GetCreateGrantEvent().GetEntitlement().GetResource()
		return simtest.Target{Type: r.GetId().GetResourceType(), ID: r.GetId().GetResource()}, "grant"
	case ev.GetCreateRevokeEvent() != nil:
		r := ev.GetCreateRevokeEvent().GetEntitlement().GetResource()
		return simtest.Target{Type: r.GetId().GetResourceType(), ID: r.GetId().GetResource()}, "revoke"
	}
	return simtest.Target{}, "usage"
}

// TestServiceFreshnessLoop runs ConductorOne's event-driven loop through the
// real binary in service mode: a full sync task; then an administrator's
// changes in Miro (a member added to a team and one removed from another, an
// org role changed, a user deactivated, a member added to a user group, a
// board and a project shared with a group); then list-events tasks, queued
// while the service runs, whose events must name exactly the changed
// resources; then one targeted sync task per named resource, each of whose
// uploaded partial c1z must hold exactly that resource's truth after the
// change, at the cost of the resource's own reads plus the token context (no
// organization read: Validate at Level 3 on every sync fails here).
func TestServiceFreshnessLoop(t *testing.T) {
	sim, _ := startSim(t, mirosim.GenOptions{Seed: 22, Users: 300, Teams: 12, Groups: 6, Boards: true, GroupShares: true},
		mirosim.Options{Token: goodToken, SCIMToken: scimToken, Credits: -1})
	c1 := newC1(t, c1sim.Options{})
	s := startService(t, c1, sim, "", "BATON_SYNC_BOARDS=true")
	s.sync()

	changes, err := simtest.FreshnessChanges(sim.Org(), true)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-time.Second)
	admin := simtest.Admin{Sim: sim, Token: goodToken, SCIMToken: scimToken}
	changedAt := map[simtest.Target]time.Time{}
	want := map[simtest.Target]bool{}
	for _, ch := range changes {
		if err := ch.Apply(admin); err != nil {
			t.Fatal(err)
		}
		changedAt[ch.Target] = time.Now()
		want[ch.Target] = true
		t.Logf("changed: %s", ch.What)
	}

	// The feed, as ConductorOne reads it: list-events tasks from start, then from each answer's cursor.
	named := map[simtest.Target]bool{}
	var order []simtest.Target
	cursor, events, tasks := "", 0, 0
	for {
		st := s.await(c1.Enqueue(c1sim.ListEvents(connector.AuditFeedID, start, cursor, 100)), time.Minute)
		tasks++
		resp, err := st.Events()
		if err != nil {
			t.Fatalf("list-events task: %v (%v %q)", err, st.Code, st.Message)
		}
		for _, ev := range resp.GetEvents() {
			events++
			tg, kind := namedBy(ev)
			if kind == "usage" {
				continue
			}
			if !named[tg] {
				named[tg] = true
				order = append(order, tg)
			}
		}
		cursor = resp.GetCursor()
		if !resp.GetHasMore() {
			break
		}
	}
	t.Logf("feed: %d events in %d list-events tasks, naming %d resources", events, tasks, len(named))
	if !mapsEqual(named, want) {
		t.Fatalf("the events name %v, want exactly the changed %v", keysOf(named), keysOf(want))
	}

	// One targeted sync task per named resource, one at a time so each one's calls are its own.
	org := sim.Org()
	for _, tg := range order {
		sim.ResetCounts()
		task := c1sim.TargetedSync(c1sim.Target{Type: tg.Type, ID: tg.ID, ParentType: tg.ParentType, ParentID: tg.ParentID})
		st := s.await(c1.Enqueue(task), 2*time.Minute)
		took := time.Since(changedAt[tg])
		if st.Status != c1sim.Succeeded || len(st.Uploads) != 1 {
			t.Fatalf("targeted sync of %s: %s (%v %q), %d uploads\n%s", tg, st.Status, st.Code, st.Message, len(st.Uploads), tail(s.stderr.String()))
		}
		got, err := synctest.Read(context.Background(), st.Uploads[0])
		if err != nil {
			t.Fatal(err)
		}
		if diff := simtest.ExpectTarget(org, tg, true).Diff(got); diff != "" {
			t.Errorf("targeted sync of %s: the partial c1z differs from the org after the change:\n%s", tg, diff)
		}
		if tg.Type == "user" {
			checkUserProfile(t, got, org, tg.ID)
		}
		counts := sim.Counts()
		calls, credits := 0, 0
		for route, n := range counts {
			calls += n
			credits += n * mirosim.CreditsFor(route)
			switch {
			case route == "oauth_token" && n <= 1:
			case slices.Contains(ownRoutes[tg.Type], route):
			default:
				t.Errorf("targeted sync of %s: %d %s calls, which the resource does not need", tg, n, route)
			}
		}
		t.Logf("targeted sync of %s: %d grants, %d calls, %d credits %v; change → upload %s", tg, len(got.Grants), calls, credits,
			counts, took.Round(time.Millisecond))
	}
	s.requireServing()
}

// checkUserProfile: the user's profile in the partial c1z carries its org role after the change.
func checkUserProfile(t *testing.T, got *synctest.Contents, org *mirosim.Org, id string) {
	t.Helper()
	m := org.Member(id)
	r := got.Resources["user"][id]
	if r == nil || m == nil {
		return // Diff reported it
	}
	if s := r.String(); !strings.Contains(s, m.Role) {
		t.Errorf("user %s: the profile does not carry its role %s: %s", id, m.Role, s)
	}
}

func mapsEqual(a, b map[simtest.Target]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func keysOf(m map[simtest.Target]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k.String())
	}
	sort.Strings(out)
	return out
}
