package miro

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
)

// The OAuth scopes (and, for SCIM, the SCIM token) Miro's endpoints need. An
// Error names the scope of its endpoint, so a caller can tell the user which
// one a 403 points at.
const (
	ScopeOrgRead       = "organizations:read"
	ScopeTeamsRead     = "organizations:teams:read"
	ScopeTeamsWrite    = "organizations:teams:write"
	ScopeGroupsRead    = "organizations:groups:read"
	ScopeGroupsWrite   = "organizations:groups:write"
	ScopeBoardsRead    = "boards:read"
	ScopeBoardsWrite   = "boards:write"
	ScopeProjectsRead  = "projects:read"
	ScopeProjectsWrite = "projects:write"
	ScopeAuditLogs     = "auditlogs:read"
	ScopeSessionsDel   = "sessions:delete"
	ScopeSCIM          = "SCIM"
)

// API names one of Miro's two APIs.
type API string

// The two APIs an Error can come from.
const (
	REST API = "REST"
	SCIM API = "SCIM"
)

// request describes one call.
type request struct {
	method string
	path   string // relative to the base URL, already escaped
	query  url.Values
	body   any
	cost   int    // credits (Level1..Level4); 0 = unmetered
	scim   bool   // SCIM API and token
	scope  string // the scope the endpoint needs, for errors
}

// restCall is a REST request: its method, credit level, scope and path. The
// path is a format whose %s verbs are filled with ids, each escaped as one
// path segment.
func restCall(method string, cost int, scope, format string, ids ...string) request {
	return request{method: method, cost: cost, scope: scope, path: escPath(format, ids...)}
}

// scimCall is a SCIM request. Miro meters SCIM apart from REST credits and
// publishes no costs for it, so its calls cost nothing on the REST pacer; the
// SCIM pacer still obeys the limits SCIM announces.
func scimCall(method, format string, ids ...string) request {
	return request{method: method, scim: true, scope: ScopeSCIM, path: escPath(format, ids...)}
}

func (rq request) withQuery(q url.Values) request { rq.query = q; return rq }

func (rq request) withBody(body any) request { rq.body = body; return rq }

// escPath fills format's %s verbs with the ids, each escaped as one segment.
func escPath(format string, ids ...string) string {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = url.PathEscape(id)
	}
	return fmt.Sprintf(format, args...)
}

// call runs rq and decodes its answer into a new T.
func call[T any](ctx context.Context, c *Client, rq request) (*T, *Response, error) {
	var out T
	resp, err := c.do(ctx, rq, &out)
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}

// list runs a cursor-paged GET for the page after cursor ("" = the first).
func list[T any](ctx context.Context, c *Client, rq request, cursor string) (*Page[T], *Response, error) {
	out, resp, err := call[cursorList[T]](ctx, c, rq.withQuery(pageQuery(cursor)))
	if err != nil {
		return nil, resp, err
	}
	return &Page[T]{Data: out.Data, Cursor: string(out.Cursor)}, resp, nil
}

// listOffset runs an offset-paged GET for the page at offset; extra holds
// the endpoint's own query parameters.
func listOffset[T any](ctx context.Context, c *Client, rq request, offset int, extra url.Values) (*OffsetPage[T], *Response, error) {
	q := url.Values{"limit": {strconv.Itoa(BoardPageSize)}, "offset": {strconv.Itoa(max(offset, 0))}}
	for k, v := range extra {
		q[k] = v
	}
	out, resp, err := call[offsetList[T]](ctx, c, rq.withQuery(q))
	if err != nil {
		return nil, resp, err
	}
	return out.page(offset), resp, nil
}

func pageQuery(cursor string) url.Values {
	q := url.Values{"limit": {strconv.Itoa(PageSize)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	return q
}
