package connector

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/conductorone/baton-miro/pkg/miro"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/pagination"
	ent "github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// AuditFeedID is the id of the connector's one event feed: Miro's audit log.
const AuditFeedID = "miro_audit_log"

// A start less than clampBelow inside Miro's 90 days is moved to clampTo inside
// them: a clock that differs from Miro's by less than clampBelow never earns a
// 400, and a run that started clamped is not clamped (and warned about) again
// on each page while time moves on, only after clampTo-clampBelow.
const (
	clampBelow = time.Minute
	clampTo    = 10 * time.Minute
)

var _ connectorbuilder.EventFeedsLimited = (*Connector)(nil)

// EventFeeds returns the audit-log feed. It needs the auditlogs:read scope;
// without it only the feed fails, never a sync.
func (c *Connector) EventFeeds(context.Context) []connectorbuilder.EventFeed {
	return []connectorbuilder.EventFeed{newAuditFeed(c, time.Now)}
}

// auditFeed turns Miro's audit log into Baton events: each sign-in becomes a
// usage event of its user; team, user and user-group administration becomes a
// change event of that resource (or a grant or revoke event when the entry
// names the user and the role); everything else is skipped.
type auditFeed struct {
	conn *Connector
	now  func() time.Time
}

func newAuditFeed(c *Connector, now func() time.Time) *auditFeed {
	return &auditFeed{conn: c, now: now}
}

func (f *auditFeed) EventFeedMetadata(context.Context) *v2.EventFeedMetadata {
	return v2.EventFeedMetadata_builder{
		Id: AuditFeedID,
		SupportedEventTypes: []v2.EventType{v2.EventType_EVENT_TYPE_USAGE, v2.EventType_EVENT_TYPE_RESOURCE_CHANGE,
			v2.EventType_EVENT_TYPE_CREATE_GRANT, v2.EventType_EVENT_TYPE_CREATE_REVOKE},
	}.Build()
}

// feedState is what the stream token carries: a window [After, Before) of the
// audit log and Miro's cursor inside it. Before is fixed when a window's first
// page is read, so Miro's cursor stays valid however long the run takes. A
// token with no Before starts the next window at After.
type feedState struct {
	After  time.Time `json:"a"`
	Before time.Time `json:"b,omitzero"`
	Cursor string    `json:"c,omitempty"`
	// The newest entry read so far (Miro returns entries oldest first): its
	// time and the ids read at that time. An entry not newer is one already
	// read and is dropped, so an entry id gives one event, and a page that
	// repeats earlier entries brings nothing new.
	Mark    time.Time `json:"m,omitzero"`
	MarkIDs []string  `json:"i,omitempty"`
	// Stalled counts the pages in a row that brought no new entry although
	// Miro announced more: cursors that go round in a circle (c1, c2, c1 …)
	// or new cursors over the same entries. maxStalled such pages end the
	// feed with an error instead of a loop.
	Stalled int `json:"s,omitempty"`
}

// maxStalled is how many pages in a row may bring nothing new before the feed
// gives up; maxMarkIDs bounds the ids kept for one millisecond.
const (
	maxStalled = 5
	maxMarkIDs = 200
)

// futureSlack is how far ahead of this clock a window may start or end: a
// token or start further ahead was not issued by this feed (or the clock is
// badly wrong), and would return nothing, silently, until then.
const futureSlack = 24 * time.Hour

// fresh reports whether an entry is newer than the mark, and moves the mark.
func (s *feedState) fresh(ae *miro.AuditEvent) bool {
	at := ae.CreatedAt.UTC()
	switch {
	case at.After(s.Mark):
		s.Mark, s.MarkIDs = at, []string{ae.ID}
		return true
	case at.Equal(s.Mark) && !slices.Contains(s.MarkIDs, ae.ID):
		if len(s.MarkIDs) < maxMarkIDs {
			s.MarkIDs = append(s.MarkIDs, ae.ID)
		}
		return true
	}
	return false
}

const tokenPrefix = "m1."

func (s feedState) encode() string {
	b, _ := json.Marshal(s) // plain struct: cannot fail
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

func decodeFeedState(tok string) (feedState, error) {
	var s feedState
	raw, ok := strings.CutPrefix(tok, tokenPrefix)
	if !ok {
		return s, errors.New("unknown format")
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, err
	}
	if s.After.IsZero() || (!s.Before.IsZero() && !s.Before.After(s.After) && s.Cursor != "") || s.Stalled < 0 {
		return s, errors.New("inconsistent window")
	}
	return s, nil
}

// ListEvents returns the next page of events (up to 100, one Miro call).
// Events in [After, Before) are returned once each: Miro is asked for a window
// one millisecond wider on both sides, whatever its bounds mean, and the
// entries outside are dropped here.
func (f *auditFeed) ListEvents(ctx context.Context, earliest *timestamppb.Timestamp, pt *pagination.StreamToken) ([]*v2.Event, *pagination.StreamState, annotations.Annotations, error) {
	l := ctxzap.Extract(ctx)
	now := f.now().UTC()
	var st feedState
	requested := true // a start someone asked for: clamping it is worth a warning
	if pt != nil && pt.Cursor != "" {
		var err error
		if st, err = decodeFeedState(pt.Cursor); err != nil {
			return nil, nil, nil, status.Errorf(codes.InvalidArgument,
				"the event feed cursor was not issued by this connector's %s feed (%v): start again with --event-feed-start-at instead", AuditFeedID, err)
		}
		if limit := now.Add(futureSlack); st.After.After(limit) || st.Before.After(limit) {
			return nil, nil, nil, status.Errorf(codes.InvalidArgument,
				"the event feed cursor reads from %s, in the future: it was not issued by this connector's %s feed; start again with --event-feed-start-at instead",
				st.After.UTC().Format(time.RFC3339), AuditFeedID)
		}
	} else {
		st.After, requested = now.Add(-miro.AuditLogRetention), false
		if earliest != nil && earliest.IsValid() {
			st.After, requested = earliest.AsTime(), true
		}
		if st.After.After(now.Add(futureSlack)) {
			return nil, nil, nil, status.Errorf(codes.InvalidArgument,
				"the event feed's start %s is in the future: nothing can have happened yet", st.After.UTC().Format(time.RFC3339))
		}
	}
	st.After = st.After.UTC()
	if st.After.Before(now.Add(-miro.AuditLogRetention + clampBelow)) {
		oldest := now.Add(-miro.AuditLogRetention + clampTo).Truncate(time.Millisecond)
		if requested {
			l.Warn("Miro keeps audit-log events for 90 days only: reading from the oldest available instead",
				zap.Time("requested_start", st.After), zap.Time("start", oldest))
		}
		st.After = oldest
	}
	if st.Before.IsZero() {
		st.Before = now.Truncate(time.Millisecond)
	}
	if !st.Before.After(st.After) {
		// Nothing can have happened yet: the next call looks again from After.
		return nil, &pagination.StreamState{Cursor: feedState{After: st.After}.encode()}, nil, nil
	}
	limit := miro.PageSize
	if pt != nil && pt.Size > 0 && pt.Size < limit {
		limit = pt.Size
	}
	page, resp, err := f.conn.client.ListAuditLogs(ctx, miro.AuditQuery{
		CreatedAfter: st.After.Add(-time.Millisecond), CreatedBefore: st.Before.Add(time.Millisecond),
		Cursor: st.Cursor, Limit: limit,
	})
	if err != nil {
		return nil, nil, nil, explain(err, "reading Miro's audit log")
	}
	annos := rateLimitAnnotations(resp)
	if page.Cursor != "" && page.Cursor == st.Cursor {
		return nil, nil, annos, status.Errorf(codes.Internal,
			"reading Miro's audit log: Miro returned the cursor it was given; stopping here instead of looping forever")
	}
	var skipped auditSkips
	for _, m := range page.Malformed {
		skipped.add("malformed")
		l.Debug("skipping an audit-log entry that cannot be read", zap.String("reason", m))
	}
	events := make([]*v2.Event, 0, len(page.Events))
	progressed := false
	for i := range page.Events {
		ae := &page.Events[i]
		if !ae.CreatedAt.IsZero() && (ae.CreatedAt.Before(st.After) || !ae.CreatedAt.Before(st.Before)) {
			continue // the millisecond Miro was asked for beyond the window: another window's
		}
		if ae.ID != "" && !ae.CreatedAt.IsZero() {
			if !st.fresh(ae) {
				skipped.add("already read")
				continue
			}
			progressed = true
		}
		ev, reason := f.mapEvent(ae)
		if ev == nil {
			skipped.add(reason)
			l.Debug("skipping an audit-log event", zap.String("event", ae.Event), zap.String("id", ae.ID), zap.String("reason", reason))
			continue
		}
		events = append(events, ev)
	}
	if len(skipped) > 0 {
		l.Debug("audit-log events skipped on this page", zap.Any("by_reason", map[string]int(skipped)))
	}
	stalled := 0
	if page.Cursor != "" && !progressed {
		stalled = st.Stalled + 1
		if stalled >= maxStalled {
			return nil, nil, annos, status.Errorf(codes.Internal,
				"reading Miro's audit log: %d pages in a row brought no entry not already read although Miro announced more "+
					"(its cursors go round in a circle); stopping here instead of looping forever", stalled)
		}
	}
	// The next window starts where this one ends.
	next := feedState{After: st.Before, Mark: st.Mark, MarkIDs: st.MarkIDs}
	if page.Cursor != "" {
		next = feedState{After: st.After, Before: st.Before, Cursor: page.Cursor, Mark: st.Mark, MarkIDs: st.MarkIDs, Stalled: stalled}
	}
	return events, &pagination.StreamState{Cursor: next.encode(), HasMore: page.Cursor != ""}, annos, nil
}

type auditSkips map[string]int

func (s *auditSkips) add(reason string) {
	if *s == nil {
		*s = auditSkips{}
	}
	(*s)[reason]++
}

// ---- mapping ----

// auditAction is what an audit event name means to the feed.
type auditAction int

const (
	actIgnore      auditAction = iota // known and deliberately not mapped
	actUsage                          // a sign-in: usage by createdBy
	actTeam                           // a change of the team in context.team (or object)
	actTeamMember                     // a membership of object (a user) in context.team
	actUser                           // a change of the user in object
	actGroup                          // a change of the user group in object
	actGroupMember                    // a membership of details.userId in the group in object
	actBoard                          // a change of the board in object (its sharing)
	actProject                        // a change of the project in object, under the team in context.team
)

// auditNames maps the event names the feed knows. Miro publishes no catalogue:
// documented are only the authentication events (API spec example, changelog of
// 2023-06-13) and board_opened (v1 log object); the rest follow Miro's naming
// and are the names the simulator writes. The README lists them with how sure
// we are of each. Names not here are classified by shape (classifyUnknown).
var auditNames = map[string]auditAction{
	"sign_in_succeeded":         actUsage,
	"sign_in_failed":            actIgnore,
	"sign_out_succeeded":        actIgnore,
	"board_opened":              actIgnore,
	"team_created":              actTeam,
	"team_deleted":              actTeam,
	"team_renamed":              actTeam,
	"team_settings_changed":     actTeam,
	"team_member_added":         actTeamMember,
	"team_member_removed":       actTeamMember,
	"team_member_role_changed":  actTeamMember,
	"user_created":              actUser,
	"user_deleted":              actUser,
	"user_activated":            actUser,
	"user_deactivated":          actUser,
	"user_role_changed":         actUser,
	"user_license_changed":      actUser,
	"user_admin_roles_changed":  actUser,
	"user_group_created":        actGroup,
	"user_group_deleted":        actGroup,
	"user_group_member_added":   actGroupMember,
	"user_group_member_removed": actGroupMember,
	"board_shared_with_group":   actBoard,
	"project_shared_with_group": actProject,
}

// classifyUnknown guesses what an event name the feed does not know is about,
// from its name, category and context. It never guesses usage.
func classifyUnknown(ae *miro.AuditEvent) auditAction {
	name, cat := strings.ToLower(ae.Event), strings.ToLower(ae.Category)
	switch {
	case cat == "authentication" || strings.HasPrefix(name, "sign_"),
		strings.HasPrefix(name, "board") || cat == "boards":
		return actIgnore
	case strings.Contains(name, "group"):
		return actGroup
	case strings.Contains(name, "team") && (ae.Context.Team != nil && ae.Context.Team.ID != "" || ae.Object.ID != ""):
		return actTeam
	case strings.Contains(name, "user") || strings.Contains(name, "member") || strings.Contains(name, "license") ||
		strings.Contains(name, "role"):
		return actUser
	}
	return actIgnore
}

// mapAuditEvent maps one audit-log entry, or says why it is skipped.
func mapAuditEvent(ae *miro.AuditEvent) (*v2.Event, string) {
	if ae.ID == "" || ae.Event == "" || ae.CreatedAt.IsZero() {
		return nil, "malformed"
	}
	act, known := auditNames[ae.Event]
	if !known {
		act = classifyUnknown(ae)
	}
	ev := &v2.Event{Id: ae.ID, OccurredAt: timestamppb.New(ae.CreatedAt.Time)}
	details := ae.DetailsMap()
	switch act {
	case actUsage:
		if ae.CreatedBy.Type != "" && ae.CreatedBy.Type != "user" || ae.CreatedBy.ID == "" {
			return nil, "sign-in without a user"
		}
		ev.SetUsageEvent(v2.UsageEvent_builder{ActorResource: actorResource(ae.CreatedBy)}.Build())
		return ev, ""
	case actTeam:
		id := ae.Object.ID
		if ae.Context.Team != nil && ae.Context.Team.ID != "" {
			id = ae.Context.Team.ID
		}
		return changeEvent(ev, teamResourceType, id)
	case actTeamMember:
		if ae.Context.Team == nil || ae.Context.Team.ID == "" {
			return nil, "team membership without a team"
		}
		team := &v2.Resource{Id: &v2.ResourceId{ResourceType: teamResourceType.GetId(), Resource: ae.Context.Team.ID},
			DisplayName: ae.Context.Team.Name}
		role, _ := details["role"].(string)
		switch {
		case ae.Object.ID == "" || !isKnownTeamRole(role) || ae.Event == "team_member_role_changed":
			return changeEvent(ev, teamResourceType, ae.Context.Team.ID)
		case ae.Event == "team_member_added":
			ev.SetCreateGrantEvent(v2.CreateGrantEvent_builder{Entitlement: ent.NewAssignmentEntitlement(team, role),
				Principal: userRef(ae.Object.ID, ae.Object.Name)}.Build())
		default:
			ev.SetCreateRevokeEvent(v2.CreateRevokeEvent_builder{Entitlement: ent.NewAssignmentEntitlement(team, role),
				Principal: userRef(ae.Object.ID, ae.Object.Name)}.Build())
		}
		return ev, ""
	case actUser:
		return changeEvent(ev, userResourceType, ae.Object.ID)
	case actGroup:
		return changeEvent(ev, userGroupResourceType, ae.Object.ID)
	case actBoard:
		return changeEvent(ev, boardResourceType, ae.Object.ID)
	case actProject:
		return projectChangeEvent(ev, ae)
	case actGroupMember:
		uid, _ := details["userId"].(string)
		if uid == "" || ae.Object.ID == "" {
			return changeEvent(ev, userGroupResourceType, ae.Object.ID)
		}
		group := &v2.Resource{Id: &v2.ResourceId{ResourceType: userGroupResourceType.GetId(), Resource: ae.Object.ID},
			DisplayName: ae.Object.Name}
		email, _ := details["email"].(string)
		e := ent.NewAssignmentEntitlement(group, groupMemberSlug)
		if ae.Event == "user_group_member_added" {
			ev.SetCreateGrantEvent(v2.CreateGrantEvent_builder{Entitlement: e, Principal: userRef(uid, email)}.Build())
		} else {
			ev.SetCreateRevokeEvent(v2.CreateRevokeEvent_builder{Entitlement: e, Principal: userRef(uid, email)}.Build())
		}
		return ev, ""
	}
	if known {
		return nil, "not mapped: " + ae.Event
	}
	return nil, "cannot be attributed"
}

func changeEvent(ev *v2.Event, rt *v2.ResourceType, id string) (*v2.Event, string) {
	if id == "" {
		return nil, "no " + rt.GetId() + " named"
	}
	ev.SetResourceChangeEvent(v2.ResourceChangeEvent_builder{
		ResourceId: &v2.ResourceId{ResourceType: rt.GetId(), Resource: id}}.Build())
	return ev, ""
}

// userRef is a user resource by id (the org member id, as the sync uses).
func userRef(id, email string) *v2.Resource {
	r := &v2.Resource{Id: &v2.ResourceId{ResourceType: userResourceType.GetId(), Resource: id}, DisplayName: email}
	if email == "" {
		r.DisplayName = id
	}
	return r
}

// actorResource is the user who did something, with their email as a user
// trait when Miro gave it, so ConductorOne can match the account.
func actorResource(a miro.AuditActor) *v2.Resource {
	r := userRef(a.ID, a.Email)
	if a.Name != "" {
		r.DisplayName = a.Name
	}
	if a.Email != "" {
		// Only the email: the entry says nothing of the account's status or kind.
		r.Annotations = annotations.New(v2.UserTrait_builder{
			Emails: []*v2.UserTrait_Email{v2.UserTrait_Email_builder{Address: a.Email, IsPrimary: true}.Build()}}.Build())
	}
	return r
}
