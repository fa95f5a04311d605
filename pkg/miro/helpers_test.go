package miro

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testToken is the bearer token every test client sends. Tests assert it never
// shows up in an error message.
const testToken = "tok-SECRET-4f9a1c7e" //nolint:gosec // a fake token for tests

// miroServer is an httptest server speaking Miro's wire format through a small
// handler, counting the requests it receives.
type miroServer struct {
	*httptest.Server
	requests atomic.Int64

	mu   sync.Mutex
	seen []*http.Request // clones of the requests received, in order
	at   []time.Time     // arrival time of each request
}

func newMiroServer(t *testing.T, h http.HandlerFunc) *miroServer {
	t.Helper()
	s := &miroServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.requests.Add(1)
		s.mu.Lock()
		s.seen = append(s.seen, r.Clone(r.Context()))
		s.at = append(s.at, time.Now())
		s.mu.Unlock()
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken && !strings.HasPrefix(r.URL.Path, "/scim") {
			t.Errorf("request %d: Authorization = %q, want the bearer token", n, got)
		}
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// count is the number of requests the server received.
func (s *miroServer) count() int { return int(s.requests.Load()) }

func (s *miroServer) request(i int) *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[i]
}

func (s *miroServer) arrival(i int) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.at[i]
}

// fastOptions are client options with tiny backoffs and pacer margins, so
// retry tests take milliseconds.
func fastOptions(baseURL string) Options {
	p := NewPacer()
	p.Margin = time.Millisecond
	p.DefaultWait = 20 * time.Millisecond
	return Options{
		APIURL:      baseURL,
		SCIMURL:     baseURL + "/scim",
		AccessToken: testToken,
		MaxAttempts: 4,
		Max429:      3,
		BackoffBase: time.Millisecond,
		BackoffMax:  4 * time.Millisecond,
		Pacer:       p,
		HTTPClient:  &http.Client{Timeout: 10 * time.Second},
	}
}

func newTestClient(t *testing.T, s *miroServer, edit ...func(*Options)) *Client {
	t.Helper()
	o := fastOptions(s.URL)
	for _, e := range edit {
		e(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeRaw(w http.ResponseWriter, status int, contentType, body string) {
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// restError writes Miro's REST error body.
func restError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"status": status, "code": code, "message": message, "type": "error"})
}

// dropConnection hijacks the connection and closes it without an answer.
func dropConnection(t *testing.T, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Error("response writer cannot hijack")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	_ = conn.Close()
}

// truncatedBody announces a longer body than it sends, then closes.
func truncatedBody(t *testing.T, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Error("response writer cannot hijack")
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"data\":[{\"id\":\"1")
	_ = buf.Flush()
	_ = conn.Close()
}

// assertNoToken fails when the bearer token appears in err's text or gRPC status.
func assertNoToken(t *testing.T, err error, tokens ...string) {
	t.Helper()
	if err == nil {
		return
	}
	tokens = append(tokens, testToken)
	for _, tok := range tokens {
		if strings.Contains(err.Error(), tok) {
			t.Errorf("error message contains the token %q: %v", tok, err)
		}
		// Even a fragment is too much.
		if len(tok) > 8 && strings.Contains(err.Error(), tok[:8]) {
			t.Errorf("error message contains a fragment of the token %q: %v", tok, err)
		}
	}
}

func membersPage(cursor any, members ...map[string]any) map[string]any {
	data := make([]any, 0, len(members))
	for _, m := range members {
		data = append(data, m)
	}
	return map[string]any{"limit": PageSize, "size": len(members), "cursor": cursor, "type": "cursor-list", "data": data}
}

func member(id string) map[string]any {
	return map[string]any{
		"id": id, "email": id + "@example.com", "active": true,
		"role": RoleInternalUser, "license": "full", "type": "organization-member",
		"lastActivityAt": "2023-01-01T00:00:00.000Z", "licenseAssignedAt": "2022-06-01T10:00:00Z",
	}
}
