package connector_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/types"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/pkg/connector"
)

// readFeed reads the audit-log feed through the SDK's connector server as the SDK's local event feed does:
// pages of 100 from start until has_more is false. It returns the events and the last cursor.
func readFeed(ctx context.Context, t *testing.T, srv types.ConnectorServer, start time.Time, cursor string) ([]*v2.Event, string) {
	t.Helper()
	var all []*v2.Event
	for i := 0; ; i++ {
		if i > 10000 {
			t.Fatal("the feed does not end")
		}
		req := v2.ListEventsRequest_builder{EventFeedId: connector.AuditFeedID, PageSize: 100, Cursor: cursor}
		if !start.IsZero() {
			req.StartAt = timestamppb.New(start)
		}
		resp, err := srv.ListEvents(ctx, req.Build())
		if err != nil {
			t.Fatalf("ListEvents: %v", err)
		}
		all = append(all, resp.GetEvents()...)
		cursor = resp.GetCursor()
		if !resp.GetHasMore() {
			return all, cursor
		}
	}
}

// TestAuditFeedCounts: through the SDK's server, against a simulator whose credit budget forces the pacer to
// wait: every sign-in in the window is one usage event, per user exactly as many as the log holds; ids are
// unique; calls are ⌈events ÷ 100⌉; no 429. The feed is listed with its event types.
func TestAuditFeedCounts(t *testing.T) {
	ctx, cancel := syncContext(t)
	defer cancel()
	// 500 credits a 1 s window: five Level-2 calls, then the pacer must wait for the reset.
	sim := mirosim.New(mirosim.Generate(mirosim.GenOptions{Seed: 9, Users: 400, Teams: 25, Groups: 5}),
		mirosim.Options{Token: simToken, Credits: 500, Window: time.Second})
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	now := time.Now()
	sim.SeedAuditLog(mirosim.AuditSeed{Seed: 4, Events: 1234, Span: 20 * 24 * time.Hour, End: now.Add(-time.Minute)})
	conn, _, err := simtest.NewConnector(sim, simToken)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := connectorbuilder.NewConnector(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	feeds, err := srv.ListEventFeeds(ctx, v2.ListEventFeedsRequest_builder{}.Build())
	if err != nil || len(feeds.GetList()) != 1 || feeds.GetList()[0].GetId() != "miro_audit_log" ||
		len(feeds.GetList()[0].GetSupportedEventTypes()) != 4 {
		t.Fatalf("feeds %v, %v", feeds, err)
	}

	start := now.Add(-15 * 24 * time.Hour)
	events, _ := readFeed(ctx, t, srv, start, "")

	inWindow, signIns := 0, map[string]int{}
	for _, e := range sim.AuditLog() {
		if !e.At.Before(start) && e.At.Before(now) {
			inWindow++
			if e.Event == "sign_in_succeeded" && e.ActorType == "user" && e.ActorID != "" {
				signIns[e.ActorID]++
			}
		}
	}
	usage, ids, kinds := map[string]int{}, map[string]bool{}, map[string]int{}
	for _, ev := range events {
		if ids[ev.GetId()] {
			t.Errorf("event id %s twice", ev.GetId())
		}
		ids[ev.GetId()] = true
		if at := ev.GetOccurredAt().AsTime(); at.Before(start) || !at.Before(now) {
			t.Errorf("event %s at %v is outside the window", ev.GetId(), at)
		}
		switch {
		case ev.GetUsageEvent() != nil:
			kinds["usage"]++
			usage[ev.GetUsageEvent().GetActorResource().GetId().GetResource()]++
		case ev.GetResourceChangeEvent() != nil:
			kinds["change:"+ev.GetResourceChangeEvent().GetResourceId().GetResourceType()]++
		case ev.GetCreateGrantEvent() != nil:
			kinds["grant"]++
		case ev.GetCreateRevokeEvent() != nil:
			kinds["revoke"]++
		}
	}
	total := 0
	for uid, n := range signIns {
		total += n
		if usage[uid] != n {
			t.Errorf("user %s: %d usage events, %d sign-ins in the log", uid, usage[uid], n)
		}
	}
	if len(usage) != len(signIns) || kinds["usage"] != total {
		t.Errorf("%d users with usage, %d with sign-ins; %d usage events, %d sign-ins", len(usage), len(signIns), kinds["usage"], total)
	}
	calls, want := sim.Count("list_audit_logs"), (inWindow+99)/100
	if calls < want || calls > want+1 {
		t.Errorf("%d calls for %d events in the window; want %d (+1 at most)", calls, inWindow, want)
	}
	if sim.Status429() != 0 {
		t.Errorf("%d answers were 429", sim.Status429())
	}
	if sim.CreditsSpent() != 100*calls {
		t.Errorf("%d credits for %d calls; want Level 2 (100 each)", sim.CreditsSpent(), calls)
	}
	t.Logf("%d log entries in the window → %d events (%v) from %d users in %d calls, %d credits, 0 429s",
		inWindow, len(events), kinds, len(usage), calls, sim.CreditsSpent())
}

// TestAuditFeedSeesProvisioning: after a change made through the connector, the next feed read from the
// previous run's cursor yields an event for that team or user.
func TestAuditFeedSeesProvisioning(t *testing.T) {
	e := newProvEnv(t, true)
	_, cursor := readFeed(e.ctx, t, e.srv, time.Now().Add(-time.Hour), "")
	for _, c := range []struct {
		name string
		do   func()
		want string
	}{
		{"team grant", func() { e.mustGrant("team", teamA, "member", alice) }, "grant team:" + teamA + ":member to " + alice},
		{"team role change", func() { e.mustGrant("team", teamA, "admin", alice) }, "change team/" + teamA},
		{"team revoke", func() { e.mustRevoke("team", teamA, "admin", alice) }, "revoke team:" + teamA + ":admin from " + alice},
		{"disable account", func() {
			if _, err := e.invoke("disable_user", bob); err != nil {
				t.Fatal(err)
			}
		}, "change user/" + bob},
		{"org role", func() { e.mustGrant("role", "organization_internal_admin", "assigned", alice) }, "change user/" + alice},
	} {
		time.Sleep(2 * time.Millisecond) // the next window starts at the previous one's end, to the millisecond
		c.do()
		time.Sleep(2 * time.Millisecond)
		var evs []*v2.Event
		evs, cursor = readFeed(e.ctx, t, e.srv, time.Time{}, cursor)
		var got []string
		for _, ev := range evs {
			got = append(got, connector.DescribeEvent(ev))
		}
		if !strings.Contains(strings.Join(got, "|"), c.want) {
			t.Errorf("%s: the next read gave %v; want %q", c.name, got, c.want)
		}
	}
}

// TestAuditFeedScopeMissing: without auditlogs:read the feed fails at once (one call) naming the scope and
// the setup guide's step; a sync with the same token is unaffected.
func TestAuditFeedScopeMissing(t *testing.T) {
	ctx, cancel := syncContext(t)
	defer cancel()
	org := mirosim.Generate(mirosim.GenOptions{Seed: 3, Users: 200, Teams: 12, Groups: 3})
	want := org.Clone()
	sim := mirosim.New(org, mirosim.Options{Token: simToken, Credits: -1, Scopes: []string{"organizations:read",
		"organizations:teams:read", "organizations:groups:read"}})
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	sim.SeedAuditLog(mirosim.AuditSeed{Seed: 1, Events: 50})
	conn, _, err := simtest.NewConnector(sim, simToken)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := connectorbuilder.NewConnector(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	_, err = srv.ListEvents(ctx, v2.ListEventsRequest_builder{EventFeedId: connector.AuditFeedID, PageSize: 100,
		StartAt: timestamppb.New(time.Now().Add(-time.Hour))}.Build())
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("code %v: %v", status.Code(err), err)
	}
	for _, phrase := range []string{"auditlogs:read", "docs/setup.md", "section 2, step 3", "reinstall"} {
		if !strings.Contains(err.Error(), phrase) {
			t.Errorf("the message does not name %q: %v", phrase, err)
		}
	}
	if n := sim.Count("list_audit_logs"); n != 1 {
		t.Errorf("%d audit-log calls; want 1 (no retry of a 403)", n)
	}
	got, err := simtest.SyncAndRead(ctx, sim, simToken, filepath.Join(t.TempDir(), "sync.c1z"), 2)
	if err != nil {
		t.Fatalf("a sync without auditlogs:read: %v", err)
	}
	if diff := simtest.Expect(want).Diff(got); diff != "" {
		t.Fatalf("the sync differs from the org:\n%s", diff)
	}
	if n := sim.Count("list_audit_logs"); n != 1 {
		t.Errorf("the sync called the audit log (%d calls in all)", n)
	}
}
