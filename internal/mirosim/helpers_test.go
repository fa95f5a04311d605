package mirosim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const (
	tok     = "sim-access-token"
	scimTok = "sim-scim-token"
)

// sim is a started server plus the org it was built from, for tests.
type sim struct {
	*Server
	t    *testing.T
	base string
	org  *Org // a copy of the starting state
}

func startSim(t *testing.T, org *Org, opts Options) *sim {
	t.Helper()
	s := New(org.Clone(), opts)
	base, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return &sim{Server: s, t: t, base: base, org: s.Org()}
}

// smallOrg is a generated org that covers every enum value and is quick to page.
func smallOrg() *Org { return Generate(GenOptions{Seed: 7, Users: 250, Teams: 30}) }

type resp struct {
	status int
	h      http.Header
	body   []byte
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("status %d, body %.300q: %v", r.status, r.body, err)
	}
}

// errCode returns the Miro REST error code of the answer.
func (r resp) errCode(t *testing.T) string {
	t.Helper()
	var e struct {
		Status int
		Code   string
		Type   string
	}
	r.json(t, &e)
	if e.Status != r.status || e.Type != "error" {
		t.Fatalf("error body %s does not match status %d", r.body, r.status)
	}
	return e.Code
}

func (s *sim) do(method, path, token string, body any) resp {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		ct := "application/json"
		if strings.HasPrefix(path, "/api/v1/scim") {
			ct = "application/scim+json"
		}
		req.Header.Set("Content-Type", ct)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return resp{status: res.StatusCode, h: res.Header, body: b}
}

func (s *sim) get(path string) resp { s.t.Helper(); return s.do("GET", path, tok, nil) }

func (s *sim) orgPath(rest string) string { return "/v2/orgs/" + s.org.ID + rest }

func wantStatus(t *testing.T, r resp, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body %.400s", r.status, want, r.body)
	}
}

type page[T any] struct {
	Limit  int
	Size   int
	Cursor string
	Type   string
	Data   []T
}

type memberJSONT struct {
	ID, Email, Role, License, Type    string
	Active                            bool
	LastActivityAt, LicenseAssignedAt *string
	AdminRoles                        []AdminRole
}

type teamMemberJSONT struct {
	ID, Role, TeamID, CreatedAt, CreatedBy, ModifiedAt, ModifiedBy, Type string
}

// clock is a goroutine-safe settable time for rate-limit tests.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock    { c := &clock{}; c.ns.Store(t.UnixNano()); return c }
func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

func httpPost(u, ctype string, body io.Reader) (int, error) {
	req, err := http.NewRequest(http.MethodPost, u, body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+scimTok)
	req.Header.Set("Content-Type", ctype)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}
