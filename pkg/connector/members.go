package connector

import (
	"context"
	"sort"

	"github.com/conductorone/baton-miro/pkg/miro"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/session"
	"github.com/conductorone/baton-sdk/pkg/types/sessions"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"golang.org/x/sync/singleflight"
)

// memberIndex serves org-member pages to every syncer that needs them: users,
// org roles, admin roles and licenses all come from the same pages, so each page
// is fetched from Miro once per sync (org-member calls cost 500 credits) and
// kept in the sync's session store. On a miss (targeted sync, eviction, resumed
// sync) it falls back to the API.
type memberIndex struct {
	client *miro.Client
	orgID  func(context.Context) (string, error)
	flight singleflight.Group
}

// memberPage is one cached page: the members and the cursor of the next page.
type memberPage struct {
	Members []miro.Member `json:"m"`
	Next    string        `json:"n"`
}

// memberSummary is what the role, admin-role and license lists need to know of
// the whole org: the values in use and how many members hold each.
type memberSummary struct {
	Roles      map[string]int    `json:"r"`
	Licenses   map[string]int    `json:"l"`
	AdminRoles map[string]string `json:"a"` // name -> "prebuilt" | "custom"
}

const (
	pageKeyPrefix   = "member-page:"
	summaryKey      = "member-summary"
	memberKeyPrefix = "member-id:"
	// listedKey is set once the last member page has been fetched, so every
	// org member's id is in the session: only then can we tell that an id is
	// not an org member.
	listedKey = "member-listing-complete"
)

func pageKey(cursor string) string { return pageKeyPrefix + cursor }

// page returns the org-member page that starts at cursor ("" = first page).
// annos carries rate-limit data when the page came from Miro.
func (m *memberIndex) page(ctx context.Context, ss sessions.SessionStore, syncID, cursor string) (*memberPage, annotations.Annotations, error) {
	if p, ok := m.cached(ctx, ss, cursor); ok {
		return p, nil, nil
	}
	type result struct {
		page  *memberPage
		annos annotations.Annotations
	}
	// Concurrent syncers asking for the same page share one call.
	v, err, _ := m.flight.Do(syncID+"\x00"+cursor, func() (any, error) {
		// Another caller may have stored it between our miss and this flight.
		if p, ok := m.cached(ctx, ss, cursor); ok {
			return result{page: p}, nil
		}
		orgID, err := m.orgID(ctx)
		if err != nil {
			return nil, err
		}
		apiPage, resp, err := fetchPage(ctx, "organization members", cursor,
			func(ctx context.Context, cursor string) (*miro.Page[miro.Member], *miro.Response, error) {
				return m.client.ListMembers(ctx, orgID, cursor)
			})
		if err != nil {
			return nil, explain(err, "listing organization members")
		}
		p := &memberPage{Members: apiPage.Data, Next: apiPage.Cursor}
		m.store(ctx, ss, cursor, p)
		return result{page: p, annos: rateLimitAnnotations(resp)}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	r := v.(result)
	return r.page, r.annos, nil
}

// store caches a page and the ids of its members.
func (m *memberIndex) store(ctx context.Context, ss sessions.SessionStore, cursor string, p *memberPage) {
	if ss == nil {
		return
	}
	ids := make(map[string][]byte, len(p.Members))
	for _, mem := range p.Members {
		ids[memberKeyPrefix+mem.ID] = []byte{1}
	}
	if p.Next == "" {
		ids[listedKey] = []byte{1}
	}
	err := session.SetJSON(ctx, ss, pageKey(cursor), p)
	if err == nil {
		err = ss.SetMany(ctx, ids)
	}
	if err != nil {
		ctxzap.Extract(ctx).Debug("caching an org-member page failed; later readers will refetch it", zap.Error(err))
	}
}

// notMembers returns the ids that are not org members. It answers only when
// this sync has listed every member (ok=false otherwise: a targeted sync, say),
// because a missing id proves nothing before then.
func (m *memberIndex) notMembers(ctx context.Context, ss sessions.SessionStore, ids []string) (map[string]bool, bool) {
	if ss == nil || len(ids) == 0 {
		return nil, false
	}
	keys := make([]string, 0, len(ids)+1)
	keys = append(keys, listedKey)
	for _, id := range ids {
		keys = append(keys, memberKeyPrefix+id)
	}
	found := map[string][]byte{}
	for start := 0; start < len(keys); start += 100 { // the session store takes 100 keys per call
		got, _, err := ss.GetMany(ctx, keys[start:min(start+100, len(keys))])
		if err != nil {
			return nil, false
		}
		for k, v := range got {
			found[k] = v
		}
	}
	if _, ok := found[listedKey]; !ok {
		return nil, false
	}
	out := map[string]bool{}
	for _, id := range ids {
		if _, ok := found[memberKeyPrefix+id]; !ok {
			out[id] = true
		}
	}
	return out, true
}

func (m *memberIndex) cached(ctx context.Context, ss sessions.SessionStore, cursor string) (*memberPage, bool) {
	if ss == nil {
		return nil, false
	}
	p, ok, err := session.GetJSON[*memberPage](ctx, ss, pageKey(cursor))
	if err != nil || !ok || p == nil {
		return nil, false
	}
	return p, true
}

// summary walks every member page once per sync and records the values in use.
func (m *memberIndex) summary(ctx context.Context, ss sessions.SessionStore, syncID string) (*memberSummary, error) {
	if ss != nil {
		if s, ok, err := session.GetJSON[*memberSummary](ctx, ss, summaryKey); err == nil && ok && s != nil {
			return s, nil
		}
	}
	v, err, _ := m.flight.Do(syncID+"\x00summary", func() (any, error) {
		s := &memberSummary{Roles: map[string]int{}, Licenses: map[string]int{}, AdminRoles: map[string]string{}}
		err := m.walk(ctx, ss, syncID, func(mem miro.Member) {
			s.Roles[normalizeEnum(mem.Role)]++
			s.Licenses[normalizeEnum(mem.License)]++
			for _, ar := range mem.AdminRoles {
				if ar.Name != "" {
					s.AdminRoles[ar.Name] = ar.Type
				}
			}
		})
		if err != nil {
			return nil, err
		}
		if ss != nil {
			if err := session.SetJSON(ctx, ss, summaryKey, s); err != nil {
				ctxzap.Extract(ctx).Debug("caching the member summary failed", zap.Error(err))
			}
		}
		return s, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*memberSummary), nil
}

// walk calls fn for every member of the org, page by page.
func (m *memberIndex) walk(ctx context.Context, ss sessions.SessionStore, syncID string, fn func(miro.Member)) error {
	cursor := ""
	for {
		p, _, err := m.page(ctx, ss, syncID, cursor)
		if err != nil {
			return err
		}
		for _, mem := range p.Members {
			fn(mem)
		}
		if p.Next == "" {
			return nil
		}
		cursor = p.Next
	}
}

// normalizeEnum maps an absent value to Miro's own "unknown".
func normalizeEnum(v string) string {
	if v == "" {
		return miro.RoleUnknown
	}
	return v
}

// withKnown returns the documented values followed by any others seen, sorted.
func withKnown(known []string, seen map[string]int) []string {
	out := append([]string(nil), known...)
	isKnown := map[string]bool{}
	for _, k := range known {
		isKnown[k] = true
	}
	var extra []string
	for v := range seen {
		if !isKnown[v] {
			extra = append(extra, v)
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}
