package miro

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fault answers one request badly.
type fault func(t *testing.T, w http.ResponseWriter)

var faults = map[string]fault{
	"500": func(_ *testing.T, w http.ResponseWriter) {
		restError(w, 500, "internalError", "Something went wrong")
	},
	"502 HTML": func(_ *testing.T, w http.ResponseWriter) {
		writeRaw(w, 502, "text/html", "<html><body>502 Bad Gateway</body></html>")
	},
	"503": func(_ *testing.T, w http.ResponseWriter) {
		w.Header().Set("Retry-After", "1") // a 503's Retry-After is not a rate limit
		restError(w, 503, "serviceUnavailable", "try later")
	},
	"dropped connection": func(t *testing.T, w http.ResponseWriter) { dropConnection(t, w) },
	"truncated body":     func(t *testing.T, w http.ResponseWriter) { truncatedBody(t, w) },
	"invalid JSON": func(_ *testing.T, w http.ResponseWriter) {
		writeRaw(w, 200, "application/json", `{"limit":100,"data":[{"id":"1"`)
	},
	// JSON of the wrong shape ({"data":{"id":"1"}}) is not transient: it fails
	// at once (TestMalformedBodiesFailAtOnce).
	"HTML 200 page": func(_ *testing.T, w http.ResponseWriter) {
		writeRaw(w, 200, "text/html; charset=utf-8", "<!doctype html><html><title>Sign in to the Wi-Fi</title></html>")
	},
	"empty 200": func(_ *testing.T, w http.ResponseWriter) {
		writeRaw(w, 200, "application/json", "")
	},
}

// TestReadsRetryTransientFaults: each fault answers the first n requests,
// then the server answers properly; the read returns the right page after
// exactly n+1 requests.
func TestReadsRetryTransientFaults(t *testing.T) {
	t.Parallel()
	for name, f := range faults {
		for _, n := range []int{1, 3} {
			t.Run(name+"/"+string(rune('0'+n)), func(t *testing.T) {
				t.Parallel()
				var s *miroServer
				s = newMiroServer(t, func(w http.ResponseWriter, r *http.Request) {
					if s.count() <= n {
						f(t, w)
						return
					}
					if r.URL.Query().Get("cursor") != "c1" {
						t.Errorf("retry lost the cursor: %q", r.URL.RawQuery)
					}
					writeJSON(w, http.StatusOK, membersPage("c2", member("11"), member("12")))
				})
				c := newTestClient(t, s, func(o *Options) { o.MaxAttempts = 4 })
				page, resp, err := c.ListMembers(context.Background(), "1", "c1")
				if err != nil {
					t.Fatalf("ListMembers: %v", err)
				}
				if len(page.Data) != 2 || page.Data[0].ID != "11" || page.Data[1].ID != "12" || page.Cursor != "c2" {
					t.Errorf("page = %+v", page)
				}
				if resp.StatusCode != http.StatusOK {
					t.Errorf("status = %d", resp.StatusCode)
				}
				if s.count() != n+1 {
					t.Errorf("server saw %d requests, want %d", s.count(), n+1)
				}
				if st := c.Pacer().Stats(); st.Throttled != 0 {
					t.Errorf("pacer counted %d throttles for non-429 faults", st.Throttled)
				}
			})
		}
	}
}

// TestReadsGiveUp: a fault that persists ends after MaxAttempts requests with
// an exhausted error naming them.
func TestReadsGiveUp(t *testing.T) {
	t.Parallel()
	for name, f := range faults {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) { f(t, w) })
			c := newTestClient(t, s, func(o *Options) { o.MaxAttempts = 3 })
			page, _, err := c.ListMembers(context.Background(), "1", "")
			if err == nil {
				t.Fatalf("ListMembers = %+v, want an error", page)
			}
			var me *Error
			if !errors.As(err, &me) {
				t.Fatalf("error %T %v is not a *miro.Error", err, err)
			}
			if me.Kind != KindExhausted || me.Attempts != 3 {
				t.Errorf("kind %v after %d attempts, want exhausted after 3", me.Kind, me.Attempts)
			}
			if !strings.Contains(err.Error(), "gave up after 3 attempts") {
				t.Errorf("error %q does not name the attempts", err)
			}
			if s.count() != 3 {
				t.Errorf("server saw %d requests, want 3", s.count())
			}
			assertNoToken(t, err)
		})
	}
}

func TestRetryMessagesExplainTheFault(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fault string
		want  []string
	}{
		{"HTML 200 page", []string{"expected a JSON response", "text/html", "proxy", "Sign in to the Wi-Fi"}},
		{"invalid JSON", []string{"decoding JSON response", "HTTP 200"}},
		{"truncated body", []string{"unexpected EOF"}},
		{"502 HTML", []string{"HTTP 502", "Bad Gateway"}},
	}
	for _, tt := range tests {
		s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) { faults[tt.fault](t, w) })
		c := newTestClient(t, s, func(o *Options) { o.MaxAttempts = 1 })
		_, _, err := c.ListTeams(context.Background(), "1", "")
		for _, want := range tt.want {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %v does not mention %q", tt.fault, err, want)
			}
		}
	}
}

// TestNonTransientReadsAreNotRetried: a 4xx is final.
func TestNonTransientReadsAreNotRetried(t *testing.T) {
	t.Parallel()
	for _, code := range []int{400, 401, 403, 404, 405, 409, 413, 415, 422} {
		s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) { restError(w, code, "x", "no") })
		c := newTestClient(t, s)
		_, _, err := c.GetMember(context.Background(), "1", "2")
		if StatusOf(err) != code || s.count() != 1 {
			t.Errorf("HTTP %d: error %v after %d requests, want one request", code, err, s.count())
		}
	}
}

// TestWritesAreNotRetried: a write that fails after Miro may have acted on it
// is reported, not repeated; a 429 (sent before acting) is repeated.
func TestWritesAreNotRetried(t *testing.T) {
	t.Parallel()
	for _, method := range []string{http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete} {
		for _, name := range []string{"500", "502 HTML", "503", "dropped connection", "truncated body", "invalid JSON", "HTML 200 page"} {
			t.Run(method+"/"+name, func(t *testing.T) {
				t.Parallel()
				s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) { faults[name](t, w) })
				c := newTestClient(t, s)
				var out map[string]any
				_, err := c.do(context.Background(), request{method: method, path: "/v2/orgs/1/teams/2/members", body: map[string]string{"email": "a@x.com"}, cost: Level2}, &out)
				if err == nil {
					t.Fatal("write succeeded, want an error")
				}
				if s.count() != 1 {
					t.Errorf("server saw %d requests, want 1", s.count())
				}
				var me *Error
				if !errors.As(err, &me) || me.Kind == KindExhausted || me.Attempts != 1 {
					t.Errorf("error = %#v, want a single-attempt *Error", err)
				}
				assertNoToken(t, err)
			})
		}
	}
	t.Run("5xx write is Unavailable, not Aborted", func(t *testing.T) {
		t.Parallel()
		s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) { restError(w, 503, "x", "down") })
		c := newTestClient(t, s)
		_, err := c.do(context.Background(), request{method: http.MethodDelete, path: "/v2/orgs/1/teams/2/members/3"}, nil)
		var me *Error
		if !errors.As(err, &me) || me.StatusCode != http.StatusServiceUnavailable || me.Kind == KindExhausted || s.count() != 1 {
			t.Errorf("error %v after %d requests, want one 503 that is not exhausted (Unavailable, not Aborted)", err, s.count())
		}
	})
	t.Run("429 write is retried", func(t *testing.T) {
		t.Parallel()
		var mu sync.Mutex
		var bodies []string
		var s *miroServer
		s = newMiroServer(t, func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			bodies = append(bodies, string(b))
			mu.Unlock()
			if r.Header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
			}
			if s.count() == 1 {
				w.Header().Set("X-RateLimit-Remaining", "0")
				w.Header().Set("X-RateLimit-Reset", "0")
				restError(w, 429, "tooManyRequests", "slow down")
				return
			}
			writeJSON(w, 201, map[string]string{"id": "3", "role": "member"})
		})
		c := newTestClient(t, s)
		var out TeamMember
		_, err := c.do(context.Background(), request{method: http.MethodPost, path: "/v2/orgs/1/teams/2/members", body: map[string]string{"email": "a@x.com", "role": "member"}, cost: Level2}, &out)
		if err != nil || out.ID != "3" || s.count() != 2 {
			t.Fatalf("POST = %+v, %v after %d requests; want success after 2", out, err, s.count())
		}
		want := `{"email":"a@x.com","role":"member"}`
		mu.Lock()
		defer mu.Unlock()
		if !slices.Equal(bodies, []string{want, want}) {
			t.Errorf("bodies = %q, want the same payload twice", bodies)
		}
	})
	t.Run("SCIM write content type", func(t *testing.T) {
		t.Parallel()
		s := newMiroServer(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Content-Type") != "application/scim+json" || r.Header.Get("Authorization") != "Bearer scim-tok" || r.URL.Path != "/scim/Users/9" {
				t.Errorf("SCIM request: %s %s %v", r.Method, r.URL.Path, r.Header)
			}
			w.WriteHeader(http.StatusNoContent)
		})
		c := newTestClient(t, s, func(o *Options) { o.SCIMToken = "scim-tok" })
		var out map[string]any
		resp, err := c.do(context.Background(), request{method: http.MethodPatch, path: "/Users/9", body: map[string]any{"Operations": []any{}}, scim: true}, &out)
		if err != nil || resp.StatusCode != http.StatusNoContent || out != nil {
			t.Errorf("PATCH = %+v, %v, out %v", resp, err, out)
		}
	})
	t.Run("unencodable body", func(t *testing.T) {
		t.Parallel()
		s := newMiroServer(t, func(http.ResponseWriter, *http.Request) {})
		c := newTestClient(t, s)
		_, err := c.do(context.Background(), request{method: http.MethodPost, path: "/x", body: map[string]any{"f": func() {}}}, nil)
		var ue *json.UnsupportedTypeError
		if !errors.As(err, &ue) || s.count() != 0 {
			t.Errorf("error = %v after %d requests", err, s.count())
		}
	})
}

// TestCancelDuringBackoff: a long backoff ends as soon as the context does.
func TestCancelDuringBackoff(t *testing.T) {
	t.Parallel()
	s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) { restError(w, 503, "x", "down") })
	c := newTestClient(t, s, func(o *Options) { o.BackoffBase, o.BackoffMax = 30*time.Second, time.Minute })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, _, err := c.ListTeams(ctx, "1", "")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned after %v, want promptly", d)
	}
	if s.count() != 1 {
		t.Errorf("server saw %d requests, want 1", s.count())
	}
	assertNoToken(t, err)
}

// TestCancelDuringPacing: a caller held by the pacer after a 429 leaves when
// its context ends.
func TestCancelDuringPacing(t *testing.T) {
	t.Parallel()
	s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "100000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "60") // a minute from now
		restError(w, 429, "tooManyRequests", "slow down")
	})
	c := newTestClient(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := c.ListTeams(ctx, "1", "")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned after %v, want promptly", d)
	}
	if s.count() != 1 {
		t.Errorf("server saw %d requests, want 1", s.count())
	}
	// A second caller on the same client is held too, and leaves promptly.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, _, err := c.ListTeams(ctx2, "1", ""); !errors.Is(err, context.DeadlineExceeded) || s.count() != 1 {
		t.Errorf("second caller: %v after %d requests", err, s.count())
	}
	if st := c.Pacer().Stats(); st.Waits != 1 || st.Throttled != 1 {
		t.Errorf("pacer stats = %+v, want one throttle and one wait", st)
	}
}

// TestCancelledContextMakesNoRequest: a dead context is not a transport fault.
func TestCancelledContextMakesNoRequest(t *testing.T) {
	t.Parallel()
	s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, map[string]any{}) })
	c := newTestClient(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := c.ListTeams(ctx, "1", "")
	if !errors.Is(err, context.Canceled) || s.count() != 0 {
		t.Errorf("error %v after %d requests, want context.Canceled and none", err, s.count())
	}
	var me *Error
	if errors.As(err, &me) {
		t.Errorf("a cancelled call became a Miro error: %v", me)
	}
}

func TestBackoffBounds(t *testing.T) {
	t.Parallel()
	c := &Client{backoffBase: 100 * time.Millisecond, backoffMax: time.Second}
	for attempt := 1; attempt <= 70; attempt++ {
		want := min(100*time.Millisecond<<min(attempt-1, 20), time.Second)
		for range 20 {
			d := c.backoff(attempt)
			if d < want/2 || d > want {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", attempt, d, want/2, want)
			}
		}
	}
	// A base larger than the maximum is capped.
	c = &Client{backoffBase: time.Hour, backoffMax: time.Millisecond}
	if d := c.backoff(1); d > time.Millisecond {
		t.Errorf("backoff = %v, want <= 1ms", d)
	}
}

// TestExportedWritesAreNotRetried drives the client's write methods against a
// failing server: each makes exactly one request, with the documented body.
func TestExportedWritesAreNotRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, body string
		call                     func(ctx context.Context, c *Client) error
	}{
		{"invite team member", http.MethodPost, "/v2/orgs/1/teams/2/members", `{"email":"a@x.com","role":"member"}`, func(ctx context.Context, c *Client) error {
			_, _, err := c.InviteTeamMember(ctx, "1", "2", "a@x.com", "member")
			return err
		}},
		{"update team member", http.MethodPatch, "/v2/orgs/1/teams/2/members/3", `{"role":"admin"}`, func(ctx context.Context, c *Client) error {
			_, _, err := c.UpdateTeamMember(ctx, "1", "2", "3", "admin")
			return err
		}},
		{"remove team member", http.MethodDelete, "/v2/orgs/1/teams/2/members/3", ``, func(ctx context.Context, c *Client) error {
			_, err := c.RemoveTeamMember(ctx, "1", "2", "3")
			return err
		}},
		{"delete SCIM user", http.MethodDelete, "/scim/Users/3", ``, func(ctx context.Context, c *Client) error {
			_, err := c.DeleteSCIMUser(ctx, "3")
			return err
		}},
	}
	for _, tt := range tests {
		for _, name := range []string{"500", "503", "dropped connection"} {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				var mu sync.Mutex
				var got []string
				s := newMiroServer(t, func(w http.ResponseWriter, r *http.Request) {
					b, _ := io.ReadAll(r.Body)
					mu.Lock()
					got = append(got, r.Method+" "+r.URL.Path+" "+string(b))
					mu.Unlock()
					faults[name](t, w)
				})
				c := newTestClient(t, s, func(o *Options) { o.SCIMToken = "scim-tok" })
				err := tt.call(context.Background(), c)
				if err == nil {
					t.Fatal("write succeeded against a failing server")
				}
				var me *Error
				if !errors.As(err, &me) || me.Kind != KindStatus || (me.StatusCode != 0 && me.StatusCode < 500) {
					t.Errorf("error %#v, want a single failed write, not exhausted retries (Unavailable)", err)
				}
				mu.Lock()
				defer mu.Unlock()
				if want := []string{tt.method + " " + tt.path + " " + tt.body}; !slices.Equal(got, want) {
					t.Errorf("server saw %q, want exactly %q", got, want)
				}
				assertNoToken(t, err, "scim-tok")
			})
		}
	}
}
