package connector

import (
	"context"
	"fmt"
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
//
// What the store holds is proof, so a failed write must never prove anything:
// a page's count is written only after its ids, and only when the count of
// the page before it was read back. A listing is complete (its listedKey set)
// only when every page's ids reached the store; until then no id is ever
// taken as unlisted, and the links are read per team.

// listing is how one listing of a sync is recorded in the session store.
type listing struct {
	name        string // for logs
	idPrefix    string // one key per listed id
	listedKey   string // set after the last page
	countPrefix string // + next cursor: items listed through that page; + "": the total
}

var (
	teamListing  = listing{name: "teams", idPrefix: "team-id:", listedKey: "team-listing-complete", countPrefix: "team-count-after:"}
	groupListing = listing{name: "user groups", idPrefix: groupIDKeyPrefix, listedKey: groupsListedKey, countPrefix: "user-group-count-after:"}
)

func (l listing) countKey(cursor string) string { return sessionKey(l.countPrefix, cursor) }

// record stores a page of the listing: its ids (and extra keys), then the
// count through it, and whether it was the last. A failure leaves the listing
// incomplete for the rest of the sync, which costs link calls, never a link.
func (l listing) record(ctx context.Context, ss sessions.SessionStore, token, next string, ids []string, extra map[string][]byte) {
	if ss == nil {
		return
	}
	pairs := make(map[string][]byte, len(ids)+len(extra))
	for k, v := range extra {
		pairs[k] = v
	}
	for _, id := range ids {
		pairs[sessionKey(l.idPrefix, id)] = []byte{1}
	}
	if err := sessionSetMany(ctx, ss, pairs); err != nil {
		l.incomplete(ctx, "its ids could not be recorded", err)
		return
	}
	before := 0
	if token != "" {
		v, ok, err := ss.Get(ctx, l.countKey(token))
		if err != nil {
			l.incomplete(ctx, "the count before this page could not be read", err)
			return
		}
		n, perr := strconv.Atoi(string(v))
		if !ok || perr != nil {
			// A page before it was not recorded: already said when it failed.
			return
		}
		before = n
	}
	tail := map[string][]byte{l.countKey(next): []byte(strconv.Itoa(before + len(ids)))}
	if next == "" {
		tail[l.listedKey] = []byte{1}
	}
	if err := sessionSetMany(ctx, ss, tail); err != nil {
		l.incomplete(ctx, "its count could not be recorded", err)
	}
}

// incomplete says that the listing will not be proven complete in this sync.
func (l listing) incomplete(ctx context.Context, why string, err error) {
	ctxzap.Extract(ctx).Warn("the session store did not keep a page of the "+l.name+" listing ("+why+
		"); this sync reads group links per team and keeps every link, at the cost of more API calls", zap.Error(err))
}

// total is the number of items of a complete listing; complete is false when
// the sync has not recorded the whole listing. An error means the store did
// not answer.
func (l listing) total(ctx context.Context, ss sessions.SessionStore) (n int, complete bool, err error) {
	if ss == nil {
		return 0, false, nil
	}
	got, err := sessionGetMany(ctx, ss, []string{l.listedKey, l.countKey("")})
	if err != nil {
		return 0, false, err
	}
	if _, ok := got[l.listedKey]; !ok {
		return 0, false, nil
	}
	n, perr := strconv.Atoi(string(got[l.countKey("")]))
	return n, perr == nil, nil
}

// unlisted returns the ids the sync's complete listing did not hold; nil when
// the sync has not listed every item (a targeted sync, say) or the store did
// not answer, since a missing id proves nothing then.
func (l listing) unlisted(ctx context.Context, ss sessions.SessionStore, ids []string) map[string]bool {
	if ss == nil || len(ids) == 0 {
		return nil
	}
	keys := []string{l.listedKey}
	for _, id := range ids {
		keys = append(keys, sessionKey(l.idPrefix, id))
	}
	found, err := sessionGetMany(ctx, ss, keys)
	if err != nil {
		ctxzap.Extract(ctx).Warn("the session store did not answer which "+l.name+" this sync listed; keeping every link of this page", zap.Error(err))
		return nil
	}
	if _, ok := found[l.listedKey]; !ok {
		return nil
	}
	out := map[string]bool{}
	for _, id := range ids {
		if _, ok := found[sessionKey(l.idPrefix, id)]; !ok {
			out[id] = true
		}
	}
	return out
}

// linksPerGroup reports whether this sync reads group-to-team links per
// group: both listings complete and fewer groups than teams. The team and
// group syncers must decide alike, or links would be read by neither: the
// first answer of a sync is kept in its scope, and a store that does not
// answer fails the call (the SDK retries it) rather than guess.
func (c *Connector) linksPerGroup(ctx context.Context, opts rs.SyncOpAttrs) (bool, error) {
	if opts.SyncID == "" { // no sync to remember it for
		return linksPerGroupIn(ctx, opts.Session)
	}
	sc := c.scope(opts)
	sc.mu.Lock()
	decided, perGroup := sc.linkSideDecided, sc.linksPerGroup
	sc.mu.Unlock()
	if decided {
		return perGroup, nil
	}
	perGroup, err := linksPerGroupIn(ctx, opts.Session)
	if err != nil {
		return false, err
	}
	sc.mu.Lock()
	if !sc.linkSideDecided {
		sc.linkSideDecided, sc.linksPerGroup = true, perGroup
	}
	perGroup = sc.linksPerGroup
	sc.mu.Unlock()
	return perGroup, nil
}

// linksPerGroupIn decides from the listings recorded in the session store.
func linksPerGroupIn(ctx context.Context, ss sessions.SessionStore) (bool, error) {
	groups, ok, err := groupListing.total(ctx, ss)
	if err == nil && ok {
		var teams int
		teams, ok, err = teamListing.total(ctx, ss)
		if err == nil {
			return ok && groups < teams, nil
		}
	}
	if err != nil {
		return false, fmt.Errorf("deciding which side of the group-to-team links to read: %w", err)
	}
	return false, nil
}

// teamGroupsWanted: the links read per team (team.go).
func (c *Connector) teamGroupsWanted(ctx context.Context, opts rs.SyncOpAttrs) (bool, error) {
	if !c.groupLinksWanted(ctx, opts) {
		return false, nil
	}
	perGroup, err := c.linksPerGroup(ctx, opts)
	return !perGroup, err
}

// groupTeamsWanted: the links read per group (user_group.go).
func (c *Connector) groupTeamsWanted(ctx context.Context, opts rs.SyncOpAttrs) (bool, error) {
	if !c.groupLinksWanted(ctx, opts) {
		return false, nil
	}
	return c.linksPerGroup(ctx, opts)
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
