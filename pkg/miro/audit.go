package miro

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// AuditLogPath is Miro's audit-log endpoint (scope auditlogs:read, Level 2).
const AuditLogPath = "/v2/audit/logs"

// AuditLogRetention is how far back Miro's audit-log API reaches: createdAfter
// older than this is refused with 400.
const AuditLogRetention = 90 * 24 * time.Hour

// auditTimeLayout is the form Miro asks for in createdAfter/createdBefore:
// UTC, milliseconds, trailing Z.
const auditTimeLayout = "2006-01-02T15:04:05.000Z"

// FormatAuditTime writes t as Miro's audit-log query parameters want it.
func FormatAuditTime(t time.Time) string { return t.UTC().Format(auditTimeLayout) }

// AuditEvent is one entry of the audit log (schema AuditEvent). Miro publishes
// no catalogue of event names; see the README for those we rely on.
type AuditEvent struct {
	ID        string       `json:"id"`
	Event     string       `json:"event"`    // e.g. "sign_in_succeeded"
	Category  string       `json:"category"` // e.g. "authentication"
	CreatedAt Time         `json:"createdAt"`
	CreatedBy AuditActor   `json:"createdBy"`
	Object    AuditRef     `json:"object"`
	Context   AuditContext `json:"context"`
	// Details is free-form. The spec types it as an object but its example is a
	// JSON string holding an object; DetailsMap reads either.
	Details json.RawMessage `json:"details,omitempty"`
}

// AuditActor is who caused an audit event (schema AuditCreatedBy). Type is one
// of user, application, scim_provisioner, miro_automation.
type AuditActor struct {
	Type  string `json:"type"`
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// AuditRef names a thing an audit event is about (AuditObject, AuditTeam,
// AuditOrganization).
type AuditRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// AuditContext is where an audit event happened.
type AuditContext struct {
	IP           string    `json:"ip"`
	Team         *AuditRef `json:"team,omitempty"`
	Organization *AuditRef `json:"organization,omitempty"`
}

// DetailsMap returns the event's details as a map: from a JSON object, or from
// a JSON string that holds one. Anything else gives nil.
func (e *AuditEvent) DetailsMap() map[string]any {
	raw := bytes.TrimSpace(e.Details)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil
		}
		raw = []byte(s)
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}

// AuditQuery selects a window of the audit log.
type AuditQuery struct {
	CreatedAfter, CreatedBefore time.Time // both required by Miro
	Cursor                      string    // "" for the first page
	Limit                       int       // 1..100; 0 = PageSize
}

// AuditPage is one page of the audit log, oldest first. Events that could not
// be read at all are left out and described in Malformed, so one odd entry
// never makes a page unreadable.
type AuditPage struct {
	Events    []AuditEvent
	Cursor    string   // "" on the last page
	Malformed []string // why each unreadable entry was left out
}

// ListAuditLogs returns one page of the audit log in ascending time order.
// It is a Level 2 call and goes through the same credit pacer as every other.
func (c *Client) ListAuditLogs(ctx context.Context, q AuditQuery) (*AuditPage, *Response, error) {
	if q.CreatedAfter.IsZero() || q.CreatedBefore.IsZero() {
		return nil, nil, errors.New("miro: ListAuditLogs needs both CreatedAfter and CreatedBefore")
	}
	limit := q.Limit
	if limit <= 0 || limit > PageSize {
		limit = PageSize
	}
	v := url.Values{
		"createdAfter":  {FormatAuditTime(q.CreatedAfter)},
		"createdBefore": {FormatAuditTime(q.CreatedBefore)},
		"limit":         {strconv.Itoa(limit)},
		"sorting":       {"ASC"},
	}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	var out cursorList[json.RawMessage]
	resp, err := c.do(ctx, restCall("GET", Level2, ScopeAuditLogs, AuditLogPath).withQuery(v), &out)
	if err != nil {
		return nil, resp, err
	}
	page := &AuditPage{Cursor: string(out.Cursor), Events: make([]AuditEvent, 0, len(out.Data))}
	for i, raw := range out.Data {
		var ev AuditEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			page.Malformed = append(page.Malformed, fmt.Sprintf("entry %d: %s", i, truncate(err.Error(), 120)))
			continue
		}
		page.Events = append(page.Events, ev)
	}
	return page, resp, nil
}
