package contract

import (
	"net/url"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/pkg/miro"
)

// auditCalls covers GET /v2/audit/logs: the client pages a seeded log (sign-ins, team, user and group
// events, details as an object and as a string) plus the events the earlier writes recorded, then requests
// Miro refuses — bounds missing or older than 90 days, a limit over 100 (400) — and a token without
// auditlogs:read (403).
func (w *workload) auditCalls() {
	ctx, t := w.ctx, w.t
	now := time.Now().UTC()
	w.sim.SeedAuditLog(mirosim.AuditSeed{Seed: 8, Events: 250, Span: 5 * 24 * time.Hour, End: now.Add(-time.Minute)})
	c := w.client("audit calls", token)
	q := miro.AuditQuery{CreatedAfter: now.Add(-6 * 24 * time.Hour), CreatedBefore: now.Add(time.Minute)}
	n, pages := 0, 0
	for {
		p, _, err := c.ListAuditLogs(ctx, q)
		if err != nil {
			t.Fatalf("ListAuditLogs: %v", err)
		}
		n, pages = n+len(p.Events), pages+1
		if len(p.Malformed) > 0 {
			t.Errorf("ListAuditLogs: unreadable entries %v", p.Malformed)
		}
		if p.Cursor == "" {
			break
		}
		q.Cursor = p.Cursor
	}
	if n < 250 || pages < 3 {
		t.Errorf("ListAuditLogs: %d events in %d pages; want the 250 seeded and more, in 3 pages or more", n, pages)
	}

	const s400 = "provoked 400"
	ok := url.Values{"createdAfter": {miro.FormatAuditTime(now.Add(-time.Hour))}, "createdBefore": {miro.FormatAuditTime(now)}}
	w.rawExpect(s400, true, 400, "GET", miro.AuditLogPath, url.Values{"createdAfter": ok["createdAfter"]}, nil)
	w.rawExpect(s400, false, 400, "GET", miro.AuditLogPath, url.Values{
		"createdAfter": {miro.FormatAuditTime(now.Add(-91 * 24 * time.Hour))}, "createdBefore": ok["createdBefore"]}, nil)
	over := url.Values{"limit": {"101"}}
	for k, v := range ok {
		over[k] = v
	}
	w.rawExpect(s400, false, 400, "GET", miro.AuditLogPath, over, nil)

	w.sim.SetOptions(func(o *mirosim.Options) { o.Scopes = []string{"organizations:read"} })
	_, _, err := w.client("provoked 403", token).ListAuditLogs(ctx, miro.AuditQuery{CreatedAfter: now.Add(-time.Hour), CreatedBefore: now})
	if miro.StatusOf(err) != 403 {
		t.Errorf("ListAuditLogs without auditlogs:read: %v, want HTTP 403", err)
	}
	w.sim.SetOptions(func(o *mirosim.Options) { o.Scopes = nil })
}
