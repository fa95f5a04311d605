package connector

import (
	"context"
	"strconv"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"github.com/conductorone/baton-sdk/pkg/types/sessions"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"

	"github.com/conductorone/baton-miro/pkg/miro"
)

// Group-to-team links are served from both sides: per team
// (/teams/{id}/groups) and per group (/groups/{id}/teams). Every team and
// every group costs at least one page, so the sync reads the side with fewer
// items: per group when the org has fewer groups than teams. The SDK lists
// every resource before it asks for any grant, so both counts are known by
// then; they are kept in the sync's session store (which survives a
// checkpoint and resume), page by page: each page stores the count through
// its next cursor, the last page the total. A sync that did not list both
// completely (a targeted sync, say) reads per team, as before.

// listing is how one listing of a sync is recorded in the session store.
type listing struct {
	idPrefix    string // one key per listed id
	listedKey   string // set after the last page
	countPrefix string // + next cursor: items listed through that page; + "": the total
}

var (
	teamListing  = listing{idPrefix: "team-id:", listedKey: "team-listing-complete", countPrefix: "team-count-after:"}
	groupListing = listing{idPrefix: groupIDKeyPrefix, listedKey: groupsListedKey, countPrefix: "user-group-count-after:"}
)

// record stores a page of the listing: its ids, the count through it, and
// whether it was the last. extra keys are stored with them.
func (l listing) record(ctx context.Context, ss sessions.SessionStore, token, next string, ids []string, extra map[string][]byte) {
	if ss == nil {
		return
	}
	keys := make(map[string][]byte, len(ids)+len(extra)+2)
	for k, v := range extra {
		keys[k] = v
	}
	for _, id := range ids {
		keys[l.idPrefix+id] = []byte{1}
	}
	before := 0
	if token != "" {
		v, ok, err := ss.Get(ctx, l.countPrefix+token)
		if n, perr := strconv.Atoi(string(v)); err == nil && ok && perr == nil {
			before = n
		} else {
			before = -1 // the count before this page is unknown: so is every later one
		}
	}
	if before >= 0 {
		keys[l.countPrefix+next] = []byte(strconv.Itoa(before + len(ids)))
	}
	if next == "" {
		keys[l.listedKey] = []byte{1}
	}
	if err := ss.SetMany(ctx, keys); err != nil {
		ctxzap.Extract(ctx).Debug("recording a listing page failed; links will be read per team", zap.String("listing", l.idPrefix), zap.Error(err))
	}
}

// total is the number of items of a complete listing.
func (l listing) total(ctx context.Context, ss sessions.SessionStore) (int, bool) {
	if ss == nil {
		return 0, false
	}
	got, _, err := ss.GetMany(ctx, []string{l.listedKey, l.countPrefix})
	if err != nil {
		return 0, false
	}
	if _, ok := got[l.listedKey]; !ok {
		return 0, false
	}
	n, err := strconv.Atoi(string(got[l.countPrefix]))
	return n, err == nil
}

// unlisted returns the ids the sync's complete listing did not hold; nil when
// the sync has not listed every item (a targeted sync, say), since a missing
// id proves nothing then.
func (l listing) unlisted(ctx context.Context, ss sessions.SessionStore, ids []string) map[string]bool {
	if ss == nil || len(ids) == 0 {
		return nil
	}
	found := map[string]bool{}
	keys := []string{l.listedKey}
	for _, id := range ids {
		keys = append(keys, l.idPrefix+id)
	}
	for start := 0; start < len(keys); start += 100 { // the session store takes 100 keys per call
		got, _, err := ss.GetMany(ctx, keys[start:min(start+100, len(keys))])
		if err != nil {
			return nil
		}
		for k := range got {
			found[k] = true
		}
	}
	if !found[l.listedKey] {
		return nil
	}
	out := map[string]bool{}
	for _, id := range ids {
		if !found[l.idPrefix+id] {
			out[id] = true
		}
	}
	return out
}

// linksPerGroup reports whether this sync reads group-to-team links per
// group: both listings complete and fewer groups than teams.
func linksPerGroup(ctx context.Context, opts rs.SyncOpAttrs) bool {
	groups, ok := groupListing.total(ctx, opts.Session)
	if !ok {
		return false
	}
	teams, ok := teamListing.total(ctx, opts.Session)
	return ok && groups < teams
}

// teamGroupsWanted: the links read per team (team.go).
func (c *Connector) teamGroupsWanted(ctx context.Context, opts rs.SyncOpAttrs) bool {
	return c.groupLinksWanted(ctx, opts) && !linksPerGroup(ctx, opts)
}

// groupTeamsWanted: the links read per group (user_group.go).
func (c *Connector) groupTeamsWanted(ctx context.Context, opts rs.SyncOpAttrs) bool {
	return c.groupLinksWanted(ctx, opts) && linksPerGroup(ctx, opts)
}

// groupTeamGrants lists one page of the teams a group is attached to; each
// is a grant of the team role to the group, as the per-team side makes it.
func (c *Connector) groupTeamGrants(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs, cursor string) ([]*v2.Grant, *rs.SyncOpResults, error) {
	orgID, err := c.OrgID(ctx)
	if err != nil {
		return nil, nil, err
	}
	groupID := r.GetId().GetResource()
	return groupLinkPage(ctx, c, opts, "teams of user group "+groupID, cursor,
		func(ctx context.Context, cursor string) (*miro.Page[miro.GroupLink], *miro.Response, error) {
			return c.client.ListGroupTeams(ctx, orgID, groupID, cursor)
		},
		func(l miro.GroupLink) (string, string) { return l.ID, l.Role },
		func(ids []string) map[string]bool { return teamListing.unlisted(ctx, opts.Session, ids) },
		func(teamID, role string) *v2.Grant {
			team := &v2.Resource{Id: &v2.ResourceId{ResourceType: teamResourceType.GetId(), Resource: teamID}}
			return teamGroupGrant(ctx, team, groupID, role)
		})
}
