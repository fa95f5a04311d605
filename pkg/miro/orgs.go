package miro

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// TokenContext returns the organization, team and user the access token belongs to.
func (c *Client) TokenContext(ctx context.Context) (*TokenContext, *Response, error) {
	return call[TokenContext](ctx, c, restCall(http.MethodGet, 0, "", "/v1/oauth-token"))
}

// GetOrganization returns the organization (plan and purchased full licenses).
func (c *Client) GetOrganization(ctx context.Context, orgID string) (*Organization, *Response, error) {
	return call[Organization](ctx, c, restCall(http.MethodGet, Level3, ScopeOrgRead, "/v2/orgs/%s", orgID))
}

// ListMembers returns one page of organization members, starting after cursor
// ("" for the first page). The page's Cursor is "" on the last page.
func (c *Client) ListMembers(ctx context.Context, orgID, cursor string) (*Page[Member], *Response, error) {
	return list[Member](ctx, c, restCall(http.MethodGet, Level3, ScopeOrgRead, "/v2/orgs/%s/members", orgID), cursor)
}

// GetMember returns one organization member.
func (c *Client) GetMember(ctx context.Context, orgID, memberID string) (*Member, *Response, error) {
	return call[Member](ctx, c, restCall(http.MethodGet, Level3, ScopeOrgRead, "/v2/orgs/%s/members/%s", orgID, memberID))
}

// MaxEmailsPerLookup is Miro's limit on the emails filter.
const MaxEmailsPerLookup = 10

// MembersByEmail looks up to ten members by email. Miro answers this filter
// with a bare JSON array; the paged envelope is accepted too.
func (c *Client) MembersByEmail(ctx context.Context, orgID string, emails []string) ([]Member, *Response, error) {
	if len(emails) == 0 || len(emails) > MaxEmailsPerLookup {
		return nil, nil, fmt.Errorf("look up 1 to %d emails at a time, not %d", MaxEmailsPerLookup, len(emails))
	}
	rq := restCall(http.MethodGet, Level3, ScopeOrgRead, "/v2/orgs/%s/members", orgID).
		withQuery(url.Values{"emails": {strings.Join(emails, ",")}})
	raw, resp, err := call[json.RawMessage](ctx, c, rq)
	if err != nil {
		return nil, resp, err
	}
	members, err := decodeMemberList(*raw)
	if err != nil {
		return nil, resp, fmt.Errorf("GET /v2/orgs/%s/members?emails=: %w", orgID, err)
	}
	return members, resp, nil
}

// decodeMemberList accepts a bare array of members or a cursor-list envelope.
func decodeMemberList(raw []byte) ([]Member, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var members []Member
		err := json.Unmarshal(raw, &members)
		return members, err
	}
	var page cursorList[Member]
	err := json.Unmarshal(raw, &page)
	return page.Data, err
}
