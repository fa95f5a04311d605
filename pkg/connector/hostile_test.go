package connector_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/synctest"
	cfg "github.com/conductorone/baton-miro/pkg/config"
	"github.com/conductorone/baton-miro/pkg/connector"
	"github.com/conductorone/baton-miro/pkg/miro"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	sdksync "github.com/conductorone/baton-sdk/pkg/sync"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// hostileMiro is a small Miro that answers the calls of a sync from fixed
// pages, keyed by path and cursor, so a test can make one list misbehave. It
// has one team ("t1") and refuses user groups (403), which the sync skips.
type hostileMiro struct {
	*httptest.Server
	mu    sync.Mutex
	calls map[string]int // path -> requests
	auth  []string       // Authorization headers, in order
	pages map[string]func(cursor string) any
}

func newHostileMiro(t *testing.T, pages map[string]func(cursor string) any) *hostileMiro {
	t.Helper()
	h := &hostileMiro{calls: map[string]int{}, pages: map[string]func(string) any{
		"/v1/oauth-token": func(string) any {
			return map[string]any{"type": "oAuthToken", "organization": map[string]any{"id": "1", "name": "Acme"}}
		},
		"/v2/orgs/1":                   func(string) any { return map[string]any{"id": "1", "name": "Acme", "plan": "company"} },
		"/v2/orgs/1/members":           func(string) any { return list("", member("u1"), member("u2")) },
		"/v2/orgs/1/teams":             func(string) any { return list("", map[string]any{"id": "t1", "name": "Team 1"}) },
		"/v2/orgs/1/teams/t1/members":  func(string) any { return list("", map[string]any{"id": "u1", "role": "member"}) },
		"/v2/orgs/1/groups":            nil,
		"/v2/orgs/1/teams/t1/groups":   nil,
		"/v2/orgs/1/members/u1":        func(string) any { return member("u1") },
		"/v2/orgs/1/teams/t1":          func(string) any { return map[string]any{"id": "t1", "name": "Team 1"} },
		"/v2/orgs/1/groups/g1/members": nil,
	}}
	for k, v := range pages {
		h.pages[k] = v
	}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.calls[r.URL.Path]++
		h.auth = append(h.auth, r.Header.Get("Authorization"))
		h.mu.Unlock()
		page, ok := h.pages[r.URL.Path]
		w.Header().Set("Content-Type", "application/json")
		switch {
		case !ok:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"status":404,"code":"notFound","message":"no such path","type":"error"}`))
		case page == nil:
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"status":403,"code":"insufficientPermissions","message":"Access Denied","type":"error"}`))
		default:
			body := page(r.URL.Query().Get("cursor"))
			if raw, ok := body.(string); ok {
				_, _ = w.Write([]byte(raw))
				return
			}
			_ = json.NewEncoder(w).Encode(body)
		}
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hostileMiro) count(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls[path]
}

func list(cursor string, items ...any) map[string]any {
	return map[string]any{"type": "cursor-list", "limit": 100, "size": len(items), "cursor": cursor, "data": items}
}

func member(id string) map[string]any {
	return map[string]any{"id": id, "email": id + "@example.com", "active": true, "role": "organization_internal_user", "license": "full"}
}

// chain answers cursor "" with the first entry, and cursor c with entry c.
func chain(pages map[string]any) func(string) any {
	return func(cursor string) any { return pages[cursor] }
}

// syncHostile runs a full sync against h with a logger that records what the
// connector logs. The context's deadline only stops a regression that loops.
func syncHostile(t *testing.T, h *hostileMiro, workers int, extra ...sdksync.SyncOpt) (*observer.ObservedLogs, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	client, err := miro.New(miro.Options{APIURL: h.URL, AccessToken: "tok", MaxAttempts: 8,
		BackoffBase: time.Millisecond, BackoffMax: 2 * time.Millisecond, HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.InfoLevel)
	err = synctest.SyncLogged(ctx, connector.NewWithClient(client, connector.WithWorkers(workers)), filepath.Join(t.TempDir(), "sync.c1z"), workers, zap.New(core), extra...)
	if ctx.Err() != nil {
		t.Fatalf("the sync did not end by itself: %v", err)
	}
	return logs, err
}

// TestHostilePaging: cursors that cycle (A→B→A) or pages that keep repeating
// what was listed end the sync with an error naming the list, after a bounded
// number of calls: for org members (whose pages are cached and replayed) and
// team members (real calls), and for the team list.
func TestHostilePaging(t *testing.T) {
	forever := func(items ...any) func(string) any {
		return func(cursor string) any { return list(cursor+"x", items...) } // a fresh cursor every time, the same items
	}
	cases := []struct {
		name     string
		path     string
		pages    func(string) any
		want     []string
		maxCalls int
	}{
		{"org members A-B-A", "/v2/orgs/1/members", chain(map[string]any{
			"": list("A", member("u1")), "A": list("B", member("u2")), "B": list("A", member("u3")),
		}), []string{"listing organization members", "cursors loop", `page 3 (cursor "B") names cursor "A"`, "page 1 (the first page) already led"}, 3},
		{"org members repeated with fresh cursors", "/v2/orgs/1/members", forever(member("u1"), member("u2")),
			[]string{"listing organization members", "only items already listed", "page 2"}, 2},
		{"team members A-B-A", "/v2/orgs/1/teams/t1/members", chain(map[string]any{
			"":  list("A", map[string]any{"id": "u1", "role": "member"}),
			"A": list("B", map[string]any{"id": "u2", "role": "member"}),
			"B": list("A", map[string]any{"id": "u3", "role": "admin"}),
		}), []string{"listing members of team t1", "cursors loop"}, 3},
		{"team members repeated with fresh cursors", "/v2/orgs/1/teams/t1/members", forever(map[string]any{"id": "u1", "role": "member"}),
			[]string{"listing members of team t1", "only items already listed"}, 2},
		{"teams A-B-A", "/v2/orgs/1/teams", chain(map[string]any{
			"":  list("A", map[string]any{"id": "t1", "name": "Team 1"}),
			"A": list("B", map[string]any{"id": "t2", "name": "Team 2"}),
			"B": list("A", map[string]any{"id": "t3", "name": "Team 3"}),
		}), []string{"listing teams", "cursors loop"}, 3},
	}
	for _, tc := range cases {
		for _, workers := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s/workers=%d", tc.name, workers), func(t *testing.T) {
				h := newHostileMiro(t, map[string]func(string) any{tc.path: tc.pages})
				_, err := syncHostile(t, h, workers)
				if err == nil {
					t.Fatal("the sync succeeded")
				}
				for _, want := range tc.want {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error does not mention %q: %v", want, err)
					}
				}
				// The SDK may ask again for the failing page (it is never cached): a few calls, not a loop.
				if n := h.count(tc.path); n < tc.maxCalls || n > tc.maxCalls+3 {
					t.Errorf("%s: %d calls, want %d to %d", tc.path, n, tc.maxCalls, tc.maxCalls+3)
				}
			})
		}
	}
}

// TestHostileMembers: a member without id fails naming the member and the page;
// the same id on two pages is logged, and the sync completes.
func TestHostileMembers(t *testing.T) {
	for _, tc := range []struct {
		name string
		page any
	}{
		{"empty id", list("", map[string]any{"id": "", "email": "ghost@example.com", "active": true})},
		{"null id", `{"type":"cursor-list","cursor":"","data":[{"id":null,"email":"ghost@example.com","active":true}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHostileMiro(t, map[string]func(string) any{"/v2/orgs/1/members": chain(map[string]any{
				"": list("u1", member("u1")), "u1": tc.page,
			})})
			_, err := syncHostile(t, h, 1)
			if err == nil {
				t.Fatal("the sync succeeded")
			}
			for _, want := range []string{"listing organization members", "ghost@example.com", `page 2 (cursor "u1")`, "without an id"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not mention %q: %v", want, err)
				}
			}
			if strings.Contains(err.Error(), "missing principal") {
				t.Errorf("the SDK's error, not ours: %v", err)
			}
		})
	}
	t.Run("duplicate id", func(t *testing.T) {
		h := newHostileMiro(t, map[string]func(string) any{"/v2/orgs/1/members": chain(map[string]any{
			"": list("u2", member("u1"), member("u2")), "u2": list("", member("u2"), member("u3")),
		})})
		logs, err := syncHostile(t, h, 1)
		if err != nil {
			t.Fatalf("sync: %v", err)
		}
		dups := logs.FilterMessageSnippet("same id on two pages").FilterField(zap.String("id", "u2")).All()
		if len(dups) != 1 {
			t.Fatalf("%d duplicate warnings for u2, want 1: %v", len(dups), logs.All())
		}
		if f := dups[0].ContextMap(); f["list"] != "organization members" || f["first_on"] != "page 1 (the first page)" || f["again_on"] != `page 2 (cursor "u2")` {
			t.Errorf("warning fields %v", f)
		}
	})
}

// TestHostileMalformedPage: a page whose JSON has the wrong shape fails the
// sync at once (one call, no retries), naming the list, the page and the field.
func TestHostileMalformedPage(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		pages      func(string) any
		want       []string
	}{
		{"org member active is a string", "/v2/orgs/1/members", chain(map[string]any{
			"": list("u1", member("u1")), "u1": `{"cursor":"","data":[{"id":"u2","email":"b@example.com","active":"yes"}]}`,
		}), []string{"listing organization members", `the page at cursor "u1"`, `field "data.active"`, "b@example.com"}},
		{"team member id is a number", "/v2/orgs/1/teams/t1/members", chain(map[string]any{
			"": `{"cursor":"","data":[{"id":8,"role":"member"}]}`,
		}), []string{"listing members of team t1", "the first page", `field "data.id"`, "id 8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHostileMiro(t, map[string]func(string) any{tc.path: tc.pages})
			_, err := syncHostile(t, h, 1)
			if err == nil {
				t.Fatal("the sync succeeded")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not mention %q: %v", want, err)
				}
			}
			if strings.Contains(err.Error(), "gave up after") {
				t.Errorf("a malformed page was retried: %v", err)
			}
		})
	}
}

// TestTargetedSyncRefusesDotIDs: --sync-resources user/.. must not make a call
// whose path the server resolves to the organization.
func TestTargetedSyncRefusesDotIDs(t *testing.T) {
	for _, id := range []string{"..", "."} {
		h := newHostileMiro(t, nil)
		target := v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: "user", Resource: id}.Build()}.Build()
		_, err := syncHostile(t, h, 1, sdksync.WithTargetedSyncResources([]*v2.Resource{target}))
		if err == nil || !strings.Contains(err.Error(), "not a Miro id") {
			t.Errorf("user %q: err = %v, want a refusal", id, err)
		}
		if n := h.count("/v2/orgs/1") + h.count("/v2/orgs"); n > 1 {
			t.Errorf("user %q: the org was read %d times, want at most once (Validate)", id, n)
		}
		h.mu.Lock()
		for path, n := range h.calls {
			if strings.Contains(path, "members") && n > 0 {
				t.Errorf("user %q: %s was called", id, path)
			}
		}
		h.mu.Unlock()
	}
}

// TestTokenWhitespace: a token read from a secret file keeps its trailing
// newline; it is trimmed. A token with whitespace or a control character
// inside is refused before any call, naming the flag and never the value.
func TestTokenWhitespace(t *testing.T) {
	h := newHostileMiro(t, nil)
	ctx := context.Background()
	b, _, err := connector.New()(ctx, &cfg.Miro{AccessToken: " tok-from-file\n", SCIMAccessToken: "\tscim-from-file\r\n", APIURL: h.URL, SCIMURL: h.URL + "/scim"}, nil)
	if err != nil {
		t.Fatalf("New with surrounding whitespace: %v", err)
	}
	conn, ok := b.(*connector.Connector)
	if !ok {
		t.Fatalf("New returned %T", b)
	}
	if _, err := conn.OrgID(ctx); err != nil {
		t.Fatalf("OrgID: %v", err)
	}
	h.mu.Lock()
	if len(h.auth) != 1 || h.auth[0] != "Bearer tok-from-file" {
		t.Errorf("Authorization headers %q, want one trimmed token", h.auth)
	}
	h.mu.Unlock()

	for _, tc := range []struct {
		name, token, scim, flag string
	}{
		{"inner space", "tok en-SECRET", "", "--miro-access-token"},
		{"inner newline", "tok\nX-Injected: SECRET", "", "--miro-access-token"},
		{"control character", "tok\x00SECRET", "", "--miro-access-token"},
		{"SCIM inner tab", "tok", "scim\tSECRET", "--miro-scim-access-token"},
		{"SCIM inner newline", "tok", "scim\nSECRET", "--miro-scim-access-token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := h.count("/v1/oauth-token")
			_, _, err := connector.New()(ctx, &cfg.Miro{AccessToken: tc.token, SCIMAccessToken: tc.scim, APIURL: h.URL}, nil)
			if status.Code(err) != codes.InvalidArgument {
				t.Fatalf("err = %v, want InvalidArgument", err)
			}
			if !strings.Contains(err.Error(), tc.flag) || !strings.Contains(err.Error(), "whitespace or a control character") {
				t.Errorf("error does not name %s and the fault: %v", tc.flag, err)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error carries the token: %v", err)
			}
			if h.count("/v1/oauth-token") != before {
				t.Errorf("a call was made")
			}
		})
	}
}
