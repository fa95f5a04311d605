package miro

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// TokenContext returns the organization, team and user the access token belongs to.
func (c *Client) TokenContext(ctx context.Context) (*TokenContext, *Response, error) {
	var out TokenContext
	resp, err := c.do(ctx, request{method: "GET", path: "/v1/oauth-token"}, &out)
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}

// GetOrganization returns the organization (plan and purchased full licenses).
func (c *Client) GetOrganization(ctx context.Context, orgID string) (*Organization, *Response, error) {
	var out Organization
	resp, err := c.do(ctx, request{method: "GET", path: "/v2/orgs/" + url.PathEscape(orgID), cost: Level3}, &out)
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}

// ListMembers returns one page of organization members, starting after cursor
// ("" for the first page). The page's Cursor is "" on the last page.
func (c *Client) ListMembers(ctx context.Context, orgID, cursor string) (*Page[Member], *Response, error) {
	q := url.Values{"limit": {strconv.Itoa(PageSize)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var out cursorList[Member]
	resp, err := c.do(ctx, request{method: "GET", path: "/v2/orgs/" + url.PathEscape(orgID) + "/members", query: q, cost: Level3}, &out)
	if err != nil {
		return nil, resp, err
	}
	return &Page[Member]{Data: out.Data, Cursor: string(out.Cursor)}, resp, nil
}

// GetMember returns one organization member.
func (c *Client) GetMember(ctx context.Context, orgID, memberID string) (*Member, *Response, error) {
	var out Member
	resp, err := c.do(ctx, request{method: "GET", path: "/v2/orgs/" + url.PathEscape(orgID) + "/members/" + url.PathEscape(memberID), cost: Level3}, &out)
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}

// MaxEmailsPerLookup is Miro's limit on the emails filter.
const MaxEmailsPerLookup = 10

// MembersByEmail looks up to ten members by email. Miro answers this filter
// with a bare JSON array; the paged envelope is accepted too.
func (c *Client) MembersByEmail(ctx context.Context, orgID string, emails []string) ([]Member, *Response, error) {
	if len(emails) == 0 || len(emails) > MaxEmailsPerLookup {
		return nil, nil, fmt.Errorf("look up 1 to %d emails at a time, not %d", MaxEmailsPerLookup, len(emails))
	}
	q := url.Values{"emails": {strings.Join(emails, ",")}}
	var raw json.RawMessage
	resp, err := c.do(ctx, request{method: "GET", path: "/v2/orgs/" + url.PathEscape(orgID) + "/members", query: q, cost: Level3}, &raw)
	if err != nil {
		return nil, resp, err
	}
	members, err := decodeMemberList(raw)
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
