package miro

import (
	"context"
	"net/http"
	"net/url"
)

// ResetSessions signs the organization member with this email out of every
// device (POST /v2/sessions/reset_all?email=, scope sessions:delete, Level 3).
// Miro answers 200 with no body, again on a second call; 404 when no member
// of the organization has the email.
func (c *Client) ResetSessions(ctx context.Context, email string) (*Response, error) {
	rq := restCall(http.MethodPost, Level3, ScopeSessionsDel, "/v2/sessions/reset_all")
	return c.do(ctx, rq.withQuery(url.Values{"email": {email}}), nil)
}
