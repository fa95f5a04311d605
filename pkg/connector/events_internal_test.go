package connector

import (
	"cmp"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/pkg/miro"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/pagination"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// DescribeEvent reduces an event to "kind resource-type/id principal" for the
// feed's tests, in this package and in connector_test.
func DescribeEvent(ev *v2.Event) string {
	switch {
	case ev.GetUsageEvent() != nil:
		a := ev.GetUsageEvent().GetActorResource().GetId()
		return "usage " + a.GetResourceType() + "/" + a.GetResource()
	case ev.GetResourceChangeEvent() != nil:
		r := ev.GetResourceChangeEvent().GetResourceId()
		return "change " + r.GetResourceType() + "/" + r.GetResource()
	case ev.GetCreateGrantEvent() != nil:
		g := ev.GetCreateGrantEvent()
		return "grant " + g.GetEntitlement().GetId() + " to " + g.GetPrincipal().GetId().GetResource()
	case ev.GetCreateRevokeEvent() != nil:
		g := ev.GetCreateRevokeEvent()
		return "revoke " + g.GetEntitlement().GetId() + " from " + g.GetPrincipal().GetId().GetResource()
	}
	return "?"
}

// TestAuditMapping is the mapping table: every name the feed knows, and how unknown names are classified.
func TestAuditMapping(t *testing.T) {
	at := miro.Time{Time: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
	user := miro.AuditActor{Type: "user", ID: "11", Name: "Ann", Email: "ann@example.com"}
	team := &miro.AuditRef{ID: "77", Name: "Design"}
	ev := func(name, cat string, f func(*miro.AuditEvent)) miro.AuditEvent {
		e := miro.AuditEvent{ID: "id-" + name, Event: name, Category: cat, CreatedAt: at, CreatedBy: user}
		if f != nil {
			f(&e)
		}
		return e
	}
	obj := func(id string) func(*miro.AuditEvent) {
		return func(e *miro.AuditEvent) { e.Object = miro.AuditRef{ID: id, Name: "x"} }
	}
	inTeam := func(id, details string) func(*miro.AuditEvent) {
		return func(e *miro.AuditEvent) {
			e.Object, e.Context.Team = miro.AuditRef{ID: id, Name: id + "@example.com"}, team
			if details != "" {
				e.Details = json.RawMessage(details)
			}
		}
	}
	for _, c := range []struct {
		in   miro.AuditEvent
		want string // "" = skipped
	}{
		{ev("sign_in_succeeded", "authentication", nil), "usage user/11"},
		{ev("sign_in_succeeded", "authentication", func(e *miro.AuditEvent) { e.Context.Team = team }), "usage user/11"},
		{ev("sign_in_succeeded", "authentication", func(e *miro.AuditEvent) { e.CreatedBy = miro.AuditActor{Type: "application", ID: "5"} }), ""},
		{ev("sign_in_succeeded", "authentication", func(e *miro.AuditEvent) { e.CreatedBy.ID = "" }), ""},
		{ev("sign_in_failed", "authentication", nil), ""},
		{ev("sign_out_succeeded", "authentication", nil), ""},
		{ev("board_opened", "boards", func(e *miro.AuditEvent) { e.Context.Team = team }), ""},
		{ev("team_created", "teams", obj("78")), "change team/78"},
		{ev("team_deleted", "teams", inTeam("77", "")), "change team/77"},
		{ev("team_renamed", "teams", inTeam("77", "")), "change team/77"},
		{ev("team_settings_changed", "teams", inTeam("77", "")), "change team/77"},
		{ev("team_member_added", "teams", inTeam("12", `{"role":"member"}`)), "grant team:77:member to 12"},
		{ev("team_member_added", "teams", inTeam("12", `"{\"role\":\"admin\"}"`)), "grant team:77:admin to 12"},
		{ev("team_member_added", "teams", inTeam("12", "")), "change team/77"},
		{ev("team_member_added", "teams", inTeam("12", `{"role":"owner"}`)), "change team/77"},
		{ev("team_member_removed", "teams", inTeam("12", `{"role":"admin"}`)), "revoke team:77:admin from 12"},
		{ev("team_member_role_changed", "teams", inTeam("12", `{"role":"admin","previousRole":"member"}`)), "change team/77"},
		{ev("team_member_added", "teams", obj("12")), ""}, // no team named
		{ev("user_created", "users", obj("12")), "change user/12"},
		{ev("user_deleted", "users", obj("12")), "change user/12"},
		{ev("user_activated", "users", obj("12")), "change user/12"},
		{ev("user_deactivated", "users", obj("12")), "change user/12"},
		{ev("user_role_changed", "users", obj("12")), "change user/12"},
		{ev("user_license_changed", "users", obj("12")), "change user/12"},
		{ev("user_admin_roles_changed", "users", obj("12")), "change user/12"},
		{ev("user_deactivated", "users", nil), ""}, // no user named
		{ev("user_group_created", "user_groups", obj("g1")), "change user_group/g1"},
		{ev("user_group_deleted", "user_groups", obj("g1")), "change user_group/g1"},
		{ev("user_group_member_added", "user_groups", func(e *miro.AuditEvent) {
			e.Object, e.Details = miro.AuditRef{ID: "g1"}, json.RawMessage(`{"userId":"12","email":"b@example.com"}`)
		}), "grant user_group:g1:member to 12"},
		{ev("user_group_member_removed", "user_groups", func(e *miro.AuditEvent) {
			e.Object, e.Details = miro.AuditRef{ID: "g1"}, json.RawMessage(`{"userId":"12"}`)
		}), "revoke user_group:g1:member from 12"},
		{ev("user_group_member_removed", "user_groups", obj("g1")), "change user_group/g1"},
		// Names the feed does not know: classified by shape, never as usage.
		{ev("team_privacy_enabled", "administration", func(e *miro.AuditEvent) { e.Context.Team = team }), "change team/77"},
		{ev("user_invited_to_organization", "users", obj("13")), "change user/13"},
		{ev("member_license_downgraded", "", obj("13")), "change user/13"},
		{ev("group_renamed", "", obj("g2")), "change user_group/g2"},
		{ev("sign_in_with_passkey", "authentication", nil), ""},
		{ev("board_exported", "boards", inTeam("13", "")), ""},
		{ev("company_logo_changed", "administration", nil), ""},
		{ev("sso_settings_changed", "", func(e *miro.AuditEvent) { e.Context.Team = team }), ""},
		// Malformed: no id, no name, no time.
		{ev("sign_in_succeeded", "", func(e *miro.AuditEvent) { e.ID = "" }), ""},
		{ev("", "", nil), ""},
		{ev("sign_in_succeeded", "", func(e *miro.AuditEvent) { e.CreatedAt = miro.Time{} }), ""},
	} {
		got, reason := mapAuditEvent(&c.in)
		desc := ""
		if got != nil {
			desc = DescribeEvent(got)
			if got.GetId() != c.in.ID || !got.GetOccurredAt().AsTime().Equal(at.Time) {
				t.Errorf("%s: id %q at %v", c.in.Event, got.GetId(), got.GetOccurredAt().AsTime())
			}
		} else if reason == "" {
			t.Errorf("%s: skipped without a reason", c.in.Event)
		}
		if desc != c.want {
			t.Errorf("%s (%s): %q (%s), want %q", c.in.Event, c.in.Category, desc, reason, c.want)
		}
	}
	// Every simulator event name is one the feed knows.
	for name := range mirosim.SimulatedAuditEvents {
		if _, ok := auditNames[name]; !ok && name != "company_logo_changed" {
			t.Errorf("the simulator writes %s, which the feed does not list", name)
		}
	}
	// The usage actor carries the email as a user trait.
	u, _ := mapAuditEvent(&[]miro.AuditEvent{ev("sign_in_succeeded", "", nil)}[0])
	if a := u.GetUsageEvent().GetActorResource(); a.GetDisplayName() != "Ann" || len(a.GetAnnotations()) != 1 {
		t.Errorf("actor %v", a)
	}
}

// feedEnv is a simulator with a fixed clock and a feed over it.
type feedEnv struct {
	t    *testing.T
	sim  *mirosim.Server
	feed *auditFeed
	now  time.Time
	size int // events per ListEvents call; 0 = 100
}

var feedNow = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func newFeedEnv(t *testing.T, opts mirosim.Options) *feedEnv {
	t.Helper()
	opts.Now = func() time.Time { return feedNow }
	if opts.Credits == 0 {
		opts.Credits = -1
	}
	sim := mirosim.New(mirosim.Generate(mirosim.GenOptions{Seed: 5, Users: 300, Teams: 20, Groups: 4}), opts)
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	client, err := miro.New(miro.Options{APIURL: sim.BaseURL(), SCIMURL: sim.SCIMURL(), AccessToken: cmp.Or(opts.Token, "sim-access-token"),
		BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return &feedEnv{t: t, sim: sim, feed: newAuditFeed(NewWithClient(client), func() time.Time { return feedNow }), now: feedNow}
}

// call is one ListEvents call.
func (e *feedEnv) call(ctx context.Context, start time.Time, cursor string) ([]*v2.Event, *pagination.StreamState) {
	e.t.Helper()
	var ts *timestamppb.Timestamp
	if !start.IsZero() {
		ts = timestamppb.New(start)
	}
	evs, st, _, err := e.feed.ListEvents(ctx, ts, &pagination.StreamToken{Size: orInt(e.size, 100), Cursor: cursor})
	if err != nil {
		e.t.Fatalf("ListEvents: %v", err)
	}
	return evs, st
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

type feedPage struct {
	ids   []string
	state *pagination.StreamState
}

// run reads the feed until HasMore is false, from start or from cursor.
func (e *feedEnv) run(start time.Time, cursor string) []feedPage {
	e.t.Helper()
	var pages []feedPage
	for i := 0; ; i++ {
		if i > 1000 {
			e.t.Fatal("the feed does not end")
		}
		evs, st := e.call(context.Background(), start, cursor)
		p := feedPage{state: st}
		for _, ev := range evs {
			p.ids = append(p.ids, ev.GetId())
		}
		pages = append(pages, p)
		cursor = st.Cursor
		if !st.HasMore {
			return pages
		}
	}
}

func flatten(pages []feedPage) []string {
	var out []string
	for _, p := range pages {
		out = append(out, p.ids...)
	}
	return out
}

// TestAuditResumeFromEveryToken: resuming from the token returned after any page gives exactly the events
// of the pages after it, in order, and nothing else; several pages start or end inside a run of events that
// share one timestamp.
func TestAuditResumeFromEveryToken(t *testing.T) {
	for _, c := range []struct{ size, events int }{{100, 640}, {7, 150}} {
		t.Run("size="+strconv.Itoa(c.size), func(t *testing.T) { testResume(t, c.size, c.events) })
	}
}

func testResume(t *testing.T, size, events int) {
	e := newFeedEnv(t, mirosim.Options{})
	e.size = size
	e.sim.SeedAuditLog(mirosim.AuditSeed{Seed: 11, Events: events, Span: 10 * 24 * time.Hour, End: feedNow.Add(-time.Hour)})
	// Runs of equal timestamps placed across page boundaries (every 100th mapped event, give or take the
	// skipped ones): 3 runs of 25 sign-ins at one millisecond each.
	var burst []mirosim.AuditEvent
	for k := range 3 {
		at := feedNow.Add(-time.Duration(30+k) * time.Minute)
		for j := range 25 {
			burst = append(burst, mirosim.AuditEvent{Event: "sign_in_succeeded", Category: "authentication", At: at,
				ActorType: "user", ActorID: strconv.Itoa(1000 + j), ActorEmail: "u" + strconv.Itoa(j) + "@example.com"})
		}
	}
	e.sim.AddAuditEvents(burst...)
	start := feedNow.Add(-11 * 24 * time.Hour)
	full := e.run(start, "")
	all := flatten(full)
	seen := map[string]bool{}
	for _, id := range all {
		if seen[id] {
			t.Fatalf("event %s returned twice", id)
		}
		seen[id] = true
	}
	log := e.sim.AuditLog()
	if want := (len(log) + size - 1) / size; len(full) != want || e.sim.Count("list_audit_logs") != want {
		t.Fatalf("%d pages, %d calls for %d events; want %d", len(full), e.sim.Count("list_audit_logs"), len(log), want)
	}
	crossings := 0
	for k := 0; k+1 < len(full); k++ {
		a, b := full[k].ids, full[k+1].ids
		if len(a) > 0 && len(b) > 0 && strings.SplitN(a[len(a)-1], "#", 2)[0][:23] == strings.SplitN(b[0], "#", 2)[0][:23] {
			crossings++
		}
	}
	if crossings == 0 {
		t.Fatal("no page boundary falls inside a run of equal timestamps; the test would prove nothing")
	}
	for k := range full {
		rest := e.run(time.Time{}, full[k].state.Cursor)
		want := flatten(full[k+1:])
		got := flatten(rest)
		if k == len(full)-1 {
			want = nil // the window is read to its end; the next one is empty at the same clock
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("resuming after page %d: %d events, want %d", k, len(got), len(want))
		}
	}
	t.Logf("%d events in %d pages; %d page boundaries inside equal timestamps; resumed from all %d tokens",
		len(all), len(full), crossings, len(full))
}

// TestAuditNextWindow: after a run ends, the token carries on from where its window ended: events that
// happen later come once, and none of the earlier window again.
func TestAuditNextWindow(t *testing.T) {
	clock := feedNow
	e := newFeedEnv(t, mirosim.Options{})
	e.feed.now = func() time.Time { return clock }
	e.sim.AddAuditEvents(mirosim.AuditEvent{Event: "sign_in_succeeded", At: clock.Add(-time.Minute), ActorType: "user", ActorID: "1"},
		mirosim.AuditEvent{Event: "sign_in_succeeded", At: clock, ActorType: "user", ActorID: "2"}) // at the window's end: next window
	first := e.run(clock.Add(-time.Hour), "")
	if got := flatten(first); len(got) != 1 {
		t.Fatalf("first window: %v", got)
	}
	clock = clock.Add(time.Minute)
	e.sim.AddAuditEvents(mirosim.AuditEvent{Event: "sign_in_succeeded", At: clock.Add(-time.Second), ActorType: "user", ActorID: "3"})
	second := e.run(time.Time{}, first[len(first)-1].state.Cursor)
	if got := flatten(second); len(got) != 2 {
		t.Fatalf("second window: %v, want the event at the first window's end and the later one", got)
	}
}

// TestAuditClamp90Days: a start older than Miro's 90 days is moved to the oldest available, with one
// warning, and no 400.
func TestAuditClamp90Days(t *testing.T) {
	e := newFeedEnv(t, mirosim.Options{})
	e.sim.SeedAuditLog(mirosim.AuditSeed{Seed: 2, Events: 450, Span: 80 * 24 * time.Hour, End: feedNow})
	// The clock moves 30 s per call: later pages of the clamped run are not clamped (and warned about) again.
	clock := feedNow
	e.feed.now = func() time.Time { clock = clock.Add(30 * time.Second); return clock }
	core, logs := observer.New(zapcore.DebugLevel)
	ctx := ctxzap.ToContext(context.Background(), zap.New(core))
	start := feedNow.Add(-200 * 24 * time.Hour)
	cursor, n := "", 0
	for {
		evs, st, _, err := e.feed.ListEvents(ctx, timestamppb.New(start), &pagination.StreamToken{Size: 100, Cursor: cursor})
		if err != nil {
			t.Fatalf("ListEvents: %v", err)
		}
		n += len(evs)
		if cursor = st.Cursor; !st.HasMore {
			break
		}
	}
	if w := logs.FilterLevelExact(zapcore.WarnLevel).Len(); w != 1 {
		t.Errorf("%d warnings, want 1: %v", w, logs.FilterLevelExact(zapcore.WarnLevel).All())
	}
	if e.sim.Count("list_audit_logs") != 5 || n == 0 {
		t.Errorf("%d calls, %d events", e.sim.Count("list_audit_logs"), n)
	}
	// No start at all reads what Miro keeps, without a warning.
	e.run(time.Time{}, "")
}

// TestAuditMalformed: entries Miro sends that cannot be read, or name nothing, are skipped and counted; the
// rest of the page is kept, and a cursor that is not ours is refused clearly.
func TestAuditMalformed(t *testing.T) {
	e := newFeedEnv(t, mirosim.Options{})
	at := feedNow.Add(-time.Hour)
	e.sim.AddAuditEvents(
		mirosim.AuditEvent{Event: "sign_in_succeeded", At: at, ActorType: "user", ActorID: "1"},
		mirosim.AuditEvent{At: at, Raw: json.RawMessage(`{"id":"x1","event":"sign_in_succeeded","createdBy":"nobody","createdAt":"2026-11-30T11:00:00.000+0000"}`)},
		mirosim.AuditEvent{At: at, Raw: json.RawMessage(`{"id":"x2","event":"sign_in_succeeded","createdBy":{"type":"user","id":"2"},"createdAt":"not a time"}`)},
		mirosim.AuditEvent{At: at, Raw: json.RawMessage(`{"event":"sign_in_succeeded","createdBy":{"type":"user","id":"3"},"createdAt":"2026-11-30T11:00:00.000+0000"}`)},
		mirosim.AuditEvent{At: at, Raw: json.RawMessage(`{"id":"x4","createdBy":{"type":"user","id":"4"},"createdAt":"2026-11-30T11:00:00.000+0000","details":[1]}`)},
		mirosim.AuditEvent{At: at, Raw: json.RawMessage(`[1,2,3]`)},
		mirosim.AuditEvent{Event: "user_deactivated", At: at, ActorType: "scim_provisioner"}, // names no user
		mirosim.AuditEvent{Event: "sign_in_succeeded", At: at.Add(time.Second), ActorType: "user", ActorID: "5",
			Details: map[string]any{"authType": "SSO"}, DetailsAsString: true},
	)
	core, logs := observer.New(zapcore.DebugLevel)
	ctx := ctxzap.ToContext(context.Background(), zap.New(core))
	evs, st, _, err := e.feed.ListEvents(ctx, timestamppb.New(at.Add(-time.Minute)), &pagination.StreamToken{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range evs {
		got = append(got, DescribeEvent(ev))
	}
	if strings.Join(got, ",") != "usage user/1,usage user/5" || st.HasMore {
		t.Errorf("events %v, more %v", got, st.HasMore)
	}
	if logs.FilterMessage("audit-log events skipped on this page").Len() != 1 {
		t.Errorf("skips not summarized: %v", logs.All())
	}
	_, _, _, err = e.feed.ListEvents(context.Background(), nil, &pagination.StreamToken{Cursor: "garbage"})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "--event-feed-start-at") {
		t.Errorf("foreign cursor: %v", err)
	}
}
