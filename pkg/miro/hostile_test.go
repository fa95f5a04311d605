package miro

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// tokenRecorder is a server that records the Authorization headers it sees.
type tokenRecorder struct {
	*httptest.Server
	n    atomic.Int64
	mu   sync.Mutex
	auth []string
}

func newTokenRecorder(t *testing.T, tls bool, h http.HandlerFunc) *tokenRecorder {
	t.Helper()
	r := &tokenRecorder{}
	handler := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.n.Add(1)
		r.mu.Lock()
		r.auth = append(r.auth, req.Header.Get("Authorization"))
		r.mu.Unlock()
		h(w, req)
	})
	if tls {
		r.Server = httptest.NewTLSServer(handler)
	} else {
		r.Server = httptest.NewServer(handler)
	}
	t.Cleanup(r.Close)
	return r
}

// TestRedirectsAreNotFollowed: an https base URL that redirects to plain http
// on the same host, or to another port, or even to itself, ends the call at
// once with an error that says so, and the target never sees the token.
func TestRedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		code   int
		target func(plain, other *tokenRecorder) string
		method string
	}{
		{"https to http on the same host", http.StatusFound, func(p, _ *tokenRecorder) string { return p.URL + "/v2/orgs/1/teams" }, http.MethodGet},
		{"to another port", http.StatusMovedPermanently, func(_, o *tokenRecorder) string { return o.URL + "/v2/orgs/1/teams" }, http.MethodGet},
		{"307 keeps the method", http.StatusTemporaryRedirect, func(_, o *tokenRecorder) string { return o.URL + "/elsewhere" }, http.MethodPost},
		{"308 to http", http.StatusPermanentRedirect, func(p, _ *tokenRecorder) string { return p.URL + "/?token=" + testToken }, http.MethodGet},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			never := func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, map[string]any{"data": []any{}}) }
			plain := newTokenRecorder(t, false, never)
			other := newTokenRecorder(t, true, never)
			target := tc.target(plain, other)
			origin := newTokenRecorder(t, true, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target, tc.code)
			})
			o := fastOptions(origin.URL)
			o.MaxAttempts = 8
			o.HTTPClient = origin.Client() // trusts the test certificate, default redirect policy
			c, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			var out map[string]any
			_, err = c.do(context.Background(), request{method: tc.method, path: "/v2/orgs/1/teams", query: pageQuery(""), body: map[string]string{"a": "b"}, cost: Level1}, &out)
			if err == nil {
				t.Fatal("the redirect was followed")
			}
			var me *Error
			if !errors.As(err, &me) || me.Kind != KindRedirect || me.StatusCode != tc.code {
				t.Fatalf("error = %#v, want a redirect *Error with HTTP %d", err, tc.code)
			}
			for _, want := range []string{"redirect", "not followed", strconv.Itoa(tc.code)} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if n := origin.n.Load(); n != 1 {
				t.Errorf("origin saw %d requests, want 1 (a redirect is not retried)", n)
			}
			if n := plain.n.Load() + other.n.Load(); n != 0 {
				t.Errorf("redirect targets saw %d requests (Authorization %q %q), want none", n, plain.auth, other.auth)
			}
			assertNoToken(t, err)
		})
	}
}

// TestMalformedBodiesFailAtOnce: JSON of the wrong shape is not retried; the
// error names the page (cursor) and the field, and is Internal, never
// Unavailable or Aborted.
func TestMalformedBodiesFailAtOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, cursor, body string
		want               []string
	}{
		{"active is a string", "c7", `{"cursor":"c8","data":[{"id":"1","active":true},{"id":"2","email":"b@x.com","active":"yes"}]}`,
			[]string{`the page at cursor "c7"`, `field "data.active"`, "item 2", `id "2"`, "b@x.com", "JSON string", "bool"}},
		{"numeric id", "", `{"cursor":"","data":[{"id":8,"email":"a@x.com"}]}`,
			[]string{"the first page", `field "data.id"`, "item 1", "id 8", "a@x.com", "JSON number", "string"}},
		{"data is an object", "c1", `{"data":{"id":"1"}}`, []string{`the page at cursor "c1"`, `field "data"`, "JSON object"}},
		{"cursor is an object", "c1", `{"cursor":{"x":1},"data":[]}`, []string{`the page at cursor "c1"`, "cursor is neither a string nor a number"}},
		{"garbage inside", "c1", `{"data":[{"id":"1"}} trailing`, []string{`the page at cursor "c1"`, "malformed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) { writeRaw(w, 200, "application/json", tc.body) })
			c := newTestClient(t, s, func(o *Options) { o.MaxAttempts = 8 })
			_, _, err := c.ListMembers(context.Background(), "1", tc.cursor)
			if err == nil {
				t.Fatal("a malformed page decoded")
			}
			if s.count() != 1 {
				t.Errorf("server saw %d requests, want 1 (no retry)", s.count())
			}
			var me *Error
			if !errors.As(err, &me) || me.Kind != KindMalformed {
				t.Errorf("error = %#v, want a Malformed, not exhausted *Error", err)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

// TestEndlessBodyEndsTheCall: a body that never ends, behind a 200 or a 503,
// is read up to maxBody, then the call fails at once (no retry would shrink
// it) as Malformed, naming the limit: never a status the SDK would retry.
func TestEndlessBodyEndsTheCall(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusOK, http.StatusServiceUnavailable} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			s := newMiroServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(status)
				_, _ = w.Write([]byte(`{"data":[`))
				chunk := []byte(strings.Repeat(`{"id":"1"},`, 1000))
				for r.Context().Err() == nil {
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
			})
			c := newTestClient(t, s, func(o *Options) { o.MaxAttempts = 8 })
			_, _, err := c.ListMembers(context.Background(), "1", "")
			var me *Error
			if !errors.As(err, &me) || me.Kind != KindMalformed {
				t.Fatalf("error = %v, want a Malformed *Error", err)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("exceeds %d MiB", maxBody>>20)) {
				t.Errorf("error %q does not name the limit", err)
			}
			if s.count() != 1 {
				t.Errorf("server saw %d requests, want 1 (no retry)", s.count())
			}
			assertNoToken(t, err)
		})
	}
}

// TestInvalidIDsNeverReachAPath: ids that would change which resource a path
// addresses are refused before any request.
func TestInvalidIDsNeverReachAPath(t *testing.T) {
	t.Parallel()
	s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, map[string]any{"id": "3074457345821141000", "name": "Acme"})
	})
	c := newTestClient(t, s, func(o *Options) { o.SCIMToken = "scim-tok" })
	ctx := context.Background()
	calls := map[string]func(id string) error{
		"GetMember":     func(id string) error { _, _, err := c.GetMember(ctx, "1", id); return err },
		"GetTeam":       func(id string) error { _, _, err := c.GetTeam(ctx, "1", id); return err },
		"GetTeamMember": func(id string) error { _, _, err := c.GetTeamMember(ctx, "1", "2", id); return err },
		"TeamMembers":   func(id string) error { _, _, err := c.ListTeamMembers(ctx, "1", id, ""); return err },
		"GetGroup":      func(id string) error { _, _, err := c.GetGroup(ctx, "1", id); return err },
		"GetOrg":        func(id string) error { _, _, err := c.GetOrganization(ctx, id); return err },
		"GetSCIMUser":   func(id string) error { _, _, err := c.GetSCIMUser(ctx, id); return err },
	}
	for name, call := range calls {
		for _, id := range []string{"..", ".", "", "12\n34", "\x00"} {
			err := call(id)
			if !errors.Is(err, ErrInvalidID) {
				t.Errorf("%s(%q) = %v, want ErrInvalidID", name, id, err)
			}
			if err != nil && !strings.Contains(err.Error(), "not a Miro id") {
				t.Errorf("%s(%q): error %q does not say why", name, id, err)
			}
		}
	}
	if s.count() != 0 {
		t.Errorf("server saw %d requests, want none", s.count())
	}
	// Dots inside an id are escaped as part of one segment and pass.
	if _, _, err := c.GetTeam(ctx, "1", "a..b"); err != nil {
		t.Errorf("GetTeam(a..b): %v", err)
	}
}

// TestTokenWhitespace: surrounding whitespace (a secret file's newline) is
// trimmed; ValidToken refuses what is left inside.
func TestTokenWhitespace(t *testing.T) {
	t.Parallel()
	s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, membersPage("")) })
	c := newTestClient(t, s, func(o *Options) { o.AccessToken = " \t" + testToken + "\r\n" })
	if _, _, err := c.ListTeams(context.Background(), "1", ""); err != nil {
		t.Fatalf("a token with surrounding whitespace: %v", err)
	}
	if got := s.request(0).Header.Get("Authorization"); got != "Bearer "+testToken {
		t.Errorf("Authorization = %q", got)
	}
	for tok, want := range map[string]bool{
		"abc": true, "eyJ0eXAi.OiJKV1Q-_=": true, "": false, "a b": false, "a\nb": false, "a\tb": false,
		"a\x00b": false, "a\x7fb": false, "a\u00a0b": false, "a\u2028b": false, "a\xffb": false,
	} {
		if got := ValidToken(tok); got != want {
			t.Errorf("ValidToken(%q) = %v, want %v", tok, got, want)
		}
	}
}

type waitLog struct {
	mu    sync.Mutex
	waits []Wait
}

func (l *waitLog) add(_ context.Context, w Wait) {
	l.mu.Lock()
	l.waits = append(l.waits, w)
	l.mu.Unlock()
}

func (l *waitLog) all() []Wait {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Wait(nil), l.waits...)
}

// TestLongWaitsAreAnnounced: every wait of LongWait or more is told to
// OnWait once, with what is awaited and until when: an answer slow to come
// (each attempt), a retry's backoff, and a rate-limit reset.
func TestLongWaitsAreAnnounced(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: t0}
	t.Run("slow answers and retries", func(t *testing.T) {
		t.Parallel()
		var s *miroServer
		s = newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) {
			if s.count() <= 2 {
				restError(w, 503, "x", "down")
				return
			}
			writeJSON(w, 200, membersPage("", member("1")))
		})
		log := &waitLog{}
		c := newTestClient(t, s, func(o *Options) {
			o.OnWait = log.add
			o.BackoffBase, o.BackoffMax = 20*time.Second, 20*time.Second
			o.Pacer.now = clock.now
		})
		var slept []time.Duration
		c.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
		// Every exchange outlives LongWait: the watch fires at once.
		c.afterFunc = func(_ time.Duration, f func()) func() bool { f(); return func() bool { return true } }
		if _, _, err := c.ListMembers(context.Background(), "1", ""); err != nil {
			t.Fatal(err)
		}
		var answers, retries int
		for _, w := range log.all() {
			switch w.For {
			case "Miro's answer":
				answers++
				if want := clock.now().Add(10 * time.Second); !w.Until.Equal(want) || w.Call != "GET /v2/orgs/1/members" {
					t.Errorf("answer wait %+v, want until %v for GET /v2/orgs/1/members", w, want)
				}
			case "a retry":
				retries++
				if w.Until.Before(clock.now().Add(10*time.Second)) || !strings.Contains(w.Why, "HTTP 503") {
					t.Errorf("retry wait %+v", w)
				}
			default:
				t.Errorf("unexpected wait %+v", w)
			}
		}
		if answers != 3 || retries != 2 || len(slept) != 2 {
			t.Errorf("%d answer waits, %d retry waits, %d sleeps; want 3, 2, 2: %+v", answers, retries, len(slept), log.all())
		}
	})
	t.Run("rate-limit reset within the bound", func(t *testing.T) {
		t.Parallel()
		reset := clock.now().Add(2 * time.Minute)
		s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("X-RateLimit-Limit", "100000")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
			restError(w, 429, "tooManyRequests", "Rate limit exceeded")
		})
		log := &waitLog{}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		c := newTestClient(t, s, func(o *Options) {
			o.OnWait = func(ctx context.Context, w Wait) { log.add(ctx, w); cancel() }
			o.Pacer.now = clock.now
		})
		_, _, err := c.ListMembers(ctx, "1", "")
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want the cancellation made while waiting", err)
		}
		waits := log.all()
		if len(waits) != 1 || waits[0].For != "Miro's rate-limit reset" || !waits[0].Until.Equal(reset.Add(time.Millisecond)) || !strings.Contains(waits[0].Why, "429") {
			t.Errorf("waits = %+v, want one until %v naming the 429", waits, reset.Add(time.Millisecond))
		}
	})
	t.Run("rate-limit reset beyond the bound fails at once", func(t *testing.T) {
		t.Parallel()
		for _, ahead := range []time.Duration{MaxRateLimitWait + time.Second, 59 * time.Minute} {
			reset := clock.now().Add(ahead)
			s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("X-RateLimit-Remaining", "0")
				w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
				restError(w, 429, "tooManyRequests", "Rate limit exceeded")
			})
			c := newTestClient(t, s, func(o *Options) { o.Pacer.now = clock.now; o.Max429 = 6 })
			_, _, err := c.ListMembers(context.Background(), "1", "")
			var me *Error
			if !errors.As(err, &me) || me.Kind != KindResetTooFar {
				t.Fatalf("%v ahead: err = %v, want ResetTooFar", ahead, err)
			}
			if s.count() != 1 {
				t.Errorf("%v ahead: %d requests, want 1", ahead, s.count())
			}
			if me.Kind == KindExhausted || me.StatusCode != http.StatusTooManyRequests {
				t.Errorf("%v ahead: error %#v, want a 429 that is not exhausted (pkg/connector maps ResetTooFar to ResourceExhausted)", ahead, me)
			}
			for _, want := range []string{reset.UTC().Format(time.RFC3339), "run it again after then", MaxRateLimitWait.String()} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			// Other callers are held at most MaxRateLimitWait.
			if w := c.Pacer().tryAcquire(Level1, false, false); w > MaxRateLimitWait+time.Second {
				t.Errorf("%v ahead: other callers wait %v", ahead, w)
			}
		}
	})
}
