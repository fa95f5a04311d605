package connector

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/conductorone/baton-miro/pkg/miro"
	"github.com/conductorone/baton-sdk/pkg/session"
	"github.com/conductorone/baton-sdk/pkg/types/sessions"
)

// scimProfile is what SCIM knows of a user beyond the member API: a real name
// and HR attributes. Miro's SCIM returns org members and admins only; guests
// and external users have no profile and keep their email as name.
type scimProfile struct {
	DisplayName    string `json:"d,omitempty"`
	GivenName      string `json:"g,omitempty"`
	FamilyName     string `json:"f,omitempty"`
	Department     string `json:"dp,omitempty"`
	EmployeeNumber string `json:"e,omitempty"`
	CostCenter     string `json:"c,omitempty"`
	ManagerID      string `json:"m,omitempty"`
	ManagerName    string `json:"mn,omitempty"`
}

const (
	scimProfilePrefix = "scim-profile:"
	scimLoadedKey     = "scim-profiles-loaded"
)

func profileFromSCIM(u *miro.SCIMUser) scimProfile {
	p := scimProfile{DisplayName: u.DisplayName}
	if u.Name != nil {
		p.GivenName, p.FamilyName = u.Name.GivenName, u.Name.FamilyName
		if p.DisplayName == "" {
			p.DisplayName = u.Name.Formatted
		}
	}
	if e := u.Enterprise; e != nil {
		p.Department, p.EmployeeNumber, p.CostCenter = e.Department, e.EmployeeNumber, e.CostCenter
		if e.Manager != nil {
			p.ManagerID, p.ManagerName = e.Manager.Value, e.Manager.DisplayName
		}
	}
	return p
}

// scimProfiles returns the SCIM profiles of ids (missing ids have none). The
// first call of a sync reads every SCIM user in pages of 1,000 — one pass, no
// per-user calls — into the session store; later calls read the store.
func (m *memberIndex) scimProfiles(ctx context.Context, ss sessions.SessionStore, sc *syncScope, ids []string) (map[string]scimProfile, error) {
	if !m.client.HasSCIM() || len(ids) == 0 {
		return nil, nil
	}
	if ss == nil {
		return nil, nil
	}
	if _, loaded, err := ss.Get(ctx, scimLoadedKey); err != nil || !loaded {
		if _, err, _ := m.flight.Do(sc.id+"\x00scim", func() (any, error) {
			return nil, m.loadSCIMProfiles(ctx, ss, sc)
		}); err != nil {
			return nil, err
		}
	}
	keys := make([]string, len(ids))
	byKey := make(map[string]string, len(ids))
	for i, id := range ids {
		keys[i] = sessionKey(scimProfilePrefix, id)
		byKey[keys[i]] = id
	}
	got, err := sessionGetMany(ctx, ss, keys)
	if err != nil {
		// Without an answer a user would silently lose their profile: fail
		// the page, which the SDK retries (a few times: storeFailed).
		return nil, storeFailed(ctx, sc, fmt.Sprintf("reading the SCIM profiles of %d users", len(ids)), err)
	}
	storeAnswered(sc)
	out := make(map[string]scimProfile, len(got))
	for k, raw := range got {
		var p scimProfile
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, fmt.Errorf("reading the SCIM profile of user %s from the session store: %w", byKey[k], err)
		}
		out[byKey[k]] = p
	}
	return out, nil
}

func (m *memberIndex) loadSCIMProfiles(ctx context.Context, ss sessions.SessionStore, sc *syncScope) error {
	if _, loaded, err := ss.Get(ctx, scimLoadedKey); err == nil && loaded {
		return nil
	}
	start := 1
	for {
		page, _, err := m.client.ListSCIMUsers(ctx, start, miro.SCIMMaxCount, "")
		if err != nil {
			return explain(err, "reading user profiles from SCIM")
		}
		batch := make(map[string]scimProfile, len(page.Resources))
		for i := range page.Resources {
			if u := &page.Resources[i]; u.ID != "" {
				batch[sessionKey(scimProfilePrefix, u.ID)] = profileFromSCIM(u)
			}
		}
		if err := session.SetManyJSON(ctx, ss, batch); err != nil {
			return storeFailed(ctx, sc, "keeping the SCIM profiles for this sync", err)
		}
		start += len(page.Resources)
		if len(page.Resources) == 0 || start > page.TotalResults {
			break
		}
	}
	if err := ss.Set(ctx, scimLoadedKey, []byte{1}); err != nil {
		return storeFailed(ctx, sc, "keeping the SCIM profiles for this sync", err)
	}
	return nil
}
