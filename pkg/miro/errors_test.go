package miro

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestErrorBodies serves each error shape once through a real request and
// checks the *Error (the API and scope it names included) and that the token
// stays out of it. The gRPC code each becomes is pkg/connector's business
// (errors_test.go there maps every status and flag seen here).
func TestErrorBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		wantCode    string
		wantMessage string
		wantReqs    int // requests the client makes (5xx reads are retried to exhaustion)
		exhausted   bool
	}{
		{"REST 400", 400, "application/json", `{"status":400,"code":"invalidParameters","message":"limit must be <= 100","type":"error"}`, "invalidParameters", "limit must be <= 100", 1, false},
		{"REST 401", 401, "application/json", `{"status":401,"code":"tokenNotProvided","message":"Token not provided","type":"error"}`, "tokenNotProvided", "Token not provided", 1, false},
		{"REST 403 in the wild", 403, "application/json", `{"status":403,"code":"insufficientPermissions","message":"Access Denied","type":"error"}`, "insufficientPermissions", "Access Denied", 1, false},
		{"REST 404 with context", 404, "application/json", `{"status":404,"code":"notFound","message":"Team not found","type":"error","context":{"fields":[{"field":"team_id","message":"bad"}]}}`, "notFound", "Team not found", 1, false},
		{"REST 409", 409, "application/json", `{"status":409,"code":"conflict","message":"already a member","type":"error"}`, "conflict", "already a member", 1, false},
		{"REST 422 is not retried", 422, "application/json", `{"status":422,"code":"unprocessable","message":"nope","type":"error"}`, "unprocessable", "nope", 1, false},
		{"REST 500 exhausts retries", 500, "application/json", `{"status":500,"code":"internalError","message":"Something went wrong","type":"error"}`, "internalError", "Something went wrong", 4, true},
		{"SCIM 404", 404, "application/scim+json", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"User 12 not found"}`, "", "User 12 not found", 1, false},
		{"SCIM 409 with scimType", 409, "application/scim+json", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","detail":"x@y.com is not whitelisted","scimType":"uniqueness"}`, "uniqueness", "x@y.com is not whitelisted", 1, false},
		{"SCIM 400 invalidValue", 400, "application/json", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"userName is invalid: 'not unique'"}`, "invalidValue", "userName is invalid: 'not unique'", 1, false},
		{"SCIM 403 integration disabled", 403, "application/scim+json", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"403","detail":"SCIM integration is disabled"}`, "", "SCIM integration is disabled", 1, false},
		{"HTML 403 from a proxy", 403, "text/html", `<html><body><h1>403 Forbidden</h1></body></html>`, "", "Forbidden", 1, false},
		{"HTML 502 from a load balancer", 502, "text/html", `<html><body>Bad Gateway</body></html>`, "", "Bad Gateway", 4, true},
		{"empty 503", 503, "", ``, "", "Service Unavailable", 4, true},
		{"JSON that is not an object", 404, "application/json", `["not","an","object"]`, "", "Not Found", 1, false},
		{"JSON null", 401, "application/json", `null`, "", "Unauthorized", 1, false},
		{"empty JSON object", 409, "application/json", `{}`, "", "Conflict", 1, false},
		{"huge message is truncated", 400, "application/json", `{"code":"x","message":"` + strings.Repeat("m", 5000) + `"}`, "x", strings.Repeat("m", 300) + "…", 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) {
				writeRaw(w, tt.status, tt.contentType, tt.body)
			})
			c := newTestClient(t, s)
			_, resp, err := c.GetTeam(context.Background(), "1", "2")
			if err == nil {
				t.Fatal("GetTeam succeeded, want an error")
			}
			var me *Error
			if !errors.As(err, &me) {
				t.Fatalf("error %T %v is not a *miro.Error", err, err)
			}
			if me.StatusCode != tt.status || me.Code != tt.wantCode || me.Message != tt.wantMessage {
				t.Errorf("error = {status %d, code %q, message %q}, want {%d, %q, %q}", me.StatusCode, me.Code, me.Message, tt.status, tt.wantCode, tt.wantMessage)
			}
			if me.Method != http.MethodGet || me.Path != "/v2/orgs/1/teams/2" {
				t.Errorf("error names %s %s", me.Method, me.Path)
			}
			if (me.Kind == KindExhausted) != tt.exhausted || me.Attempts != tt.wantReqs {
				t.Errorf("kind %v after %d attempts, want exhausted=%v after %d", me.Kind, me.Attempts, tt.exhausted, tt.wantReqs)
			}
			if me.API != REST || me.Scope != ScopeTeamsRead {
				t.Errorf("error names API %q and scope %q, want REST and %q", me.API, me.Scope, ScopeTeamsRead)
			}
			if StatusOf(err) != tt.status || StatusOf(fmt.Errorf("wrapped: %w", err)) != tt.status {
				t.Errorf("StatusOf = %d, want %d", StatusOf(err), tt.status)
			}
			if resp == nil || resp.StatusCode != tt.status {
				t.Errorf("response = %+v, want status %d", resp, tt.status)
			}
			if s.count() != tt.wantReqs {
				t.Errorf("server saw %d requests, want %d", s.count(), tt.wantReqs)
			}
			for _, want := range []string{"miro:", "GET", "/v2/orgs/1/teams/2", fmt.Sprintf("HTTP %d", tt.status)} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if tt.exhausted && !strings.Contains(err.Error(), fmt.Sprintf("gave up after %d attempts", tt.wantReqs)) {
				t.Errorf("error %q does not name the attempts", err)
			}
			assertNoToken(t, err)
		})
	}
}

// TestStatusHelpers: StatusOf, IsNotFound and IsConflict read the status of a
// Miro error anywhere in a chain. (The gRPC code of each status is mapped in
// pkg/connector, errors_test.go.)
func TestStatusHelpers(t *testing.T) {
	t.Parallel()
	if StatusOf(fmt.Errorf("listing members of team 123: %w", &Error{StatusCode: 503})) != 503 || StatusOf(errors.New("503")) != 0 {
		t.Error("StatusOf is wrong")
	}
	if !IsNotFound(&Error{StatusCode: 404}) || IsNotFound(&Error{StatusCode: 409}) || IsNotFound(errors.New("404")) || IsNotFound(nil) {
		t.Error("IsNotFound is wrong")
	}
	if !IsConflict(fmt.Errorf("x: %w", &Error{StatusCode: 409})) || IsConflict(&Error{StatusCode: 404}) {
		t.Error("IsConflict is wrong")
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		e    Error
		want string
	}{
		{Error{Method: "GET", Path: "/v2/x"}, "miro: GET /v2/x"},
		{Error{Method: "GET", Path: "/v2/x", StatusCode: 404, Code: "notFound", Message: "gone"}, "miro: GET /v2/x: HTTP 404 notFound: gone"},
		{Error{Method: "GET", Path: "/v2/x", Message: "read: connection reset", Kind: KindExhausted, Attempts: 8}, "miro: GET /v2/x: read: connection reset (gave up after 8 attempts)"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// TestTooManyRequestsCarriesRateLimit checks that a 429 that outlives Max429
// carries the rate-limit data of the answer (pkg/connector turns it into the
// RateLimitDescription the SDK acts on).
func TestTooManyRequestsCarriesRateLimit(t *testing.T) {
	t.Parallel()
	s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "100000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "0") // "now", so the test does not wait
		restError(w, http.StatusTooManyRequests, "tooManyRequests", "Rate limit exceeded")
	})
	c := newTestClient(t, s, func(o *Options) { o.Max429 = 2 })
	_, _, err := c.ListTeams(context.Background(), "1", "")
	var me *Error
	if !errors.As(err, &me) || me.StatusCode != http.StatusTooManyRequests || me.Code != "tooManyRequests" {
		t.Fatalf("error = %v, want a 429 *Error", err)
	}
	if !strings.Contains(err.Error(), "still throttled") || !strings.Contains(err.Error(), "Rate limit exceeded") {
		t.Errorf("error %q does not say it is still throttled", err)
	}
	if s.count() != 3 {
		t.Errorf("server saw %d requests, want Max429+1 = 3", s.count())
	}
	rl := me.RateLimit
	if rl == nil {
		t.Fatalf("error %v carries no rate-limit data", err)
	}
	if me.Kind != KindThrottled || rl.Limit != 100000 || rl.Remaining != 0 || rl.ResetAt.IsZero() {
		t.Errorf("rate limit = %+v", rl)
	}
	assertNoToken(t, err)
}

// TestErrorsNeverCarryTheToken provokes every failure path, including servers
// that echo the Authorization header back, and checks no error text carries
// the token (REST or SCIM).
func TestErrorsNeverCarryTheToken(t *testing.T) {
	t.Parallel()
	const scimToken = "scim-SECRET-88d2e0b1"
	echo := func(r *http.Request) string { return r.Header.Get("Authorization") }
	tests := []struct {
		name string
		h    func(t *testing.T, w http.ResponseWriter, r *http.Request)
	}{
		{"dropped connection", func(t *testing.T, w http.ResponseWriter, _ *http.Request) { dropConnection(t, w) }},
		{"truncated body", func(t *testing.T, w http.ResponseWriter, _ *http.Request) { truncatedBody(t, w) }},
		{"REST error echoing the header", func(_ *testing.T, w http.ResponseWriter, r *http.Request) {
			restError(w, 401, "unauthorized", "invalid token "+echo(r))
		}},
		{"REST error echoing the header at the end of a long message", func(_ *testing.T, w http.ResponseWriter, r *http.Request) {
			restError(w, 403, "forbidden", strings.Repeat("x", 285)+echo(r))
		}},
		{"SCIM error echoing the header", func(_ *testing.T, w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 401, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"}, "status": "401", "detail": "bad " + echo(r)})
		}},
		{"HTML 200 echoing the header", func(_ *testing.T, w http.ResponseWriter, r *http.Request) {
			writeRaw(w, 200, "text/html", "<p>"+echo(r)+"</p>")
		}},
		{"HTML 200 echoing the header past the quoted prefix", func(_ *testing.T, w http.ResponseWriter, r *http.Request) {
			writeRaw(w, 200, "text/html", strings.Repeat("x", 45)+echo(r))
		}},
		{"HTML 500 echoing the header", func(_ *testing.T, w http.ResponseWriter, r *http.Request) {
			writeRaw(w, 500, "text/html", "<p>"+echo(r)+"</p>")
		}},
		{"invalid JSON echoing the header", func(_ *testing.T, w http.ResponseWriter, r *http.Request) {
			writeRaw(w, 200, "application/json", `{"id":"`+echo(r))
		}},
	}
	for _, tt := range tests {
		for _, scim := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/scim=%v", tt.name, scim), func(t *testing.T) {
				t.Parallel()
				s := newMiroServer(t, func(w http.ResponseWriter, r *http.Request) { tt.h(t, w, r) })
				c := newTestClient(t, s, func(o *Options) { o.SCIMToken = scimToken; o.MaxAttempts = 2 })
				var out map[string]any
				_, err := c.do(context.Background(), request{method: http.MethodGet, path: "/Users/1", scim: scim}, &out)
				if err == nil {
					t.Fatal("call succeeded, want an error")
				}
				assertNoToken(t, err, scimToken)
			})
		}
	}
}

func TestTransportErrorsNeverCarryTheToken(t *testing.T) {
	t.Parallel()
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		s := newMiroServer(t, func(http.ResponseWriter, *http.Request) {})
		url := s.URL
		s.Close()
		c := newTestClient(t, s, func(o *Options) { o.APIURL = url; o.MaxAttempts = 2 })
		_, _, err := c.ListMembers(context.Background(), "1", "")
		var me *Error
		if !errors.As(err, &me) || me.StatusCode != 0 || me.Kind != KindExhausted || me.Attempts != 2 {
			t.Fatalf("error = %#v, want an exhausted transport *Error", err)
		}
		if strings.Contains(err.Error(), "limit=") {
			t.Errorf("transport error carries the query: %v", err)
		}
		assertNoToken(t, err)
	})
	t.Run("token with a newline", func(t *testing.T) {
		t.Parallel()
		s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, map[string]any{}) })
		const bad = "tok-BROKEN-9c1d\nX-Injected: 1"
		c := newTestClient(t, s, func(o *Options) { o.AccessToken = bad; o.MaxAttempts = 1 })
		_, _, err := c.ListTeams(context.Background(), "1", "")
		if err == nil {
			t.Fatal("a token with a newline was sent")
		}
		if s.count() != 0 {
			t.Errorf("server saw %d requests, want 0", s.count())
		}
		assertNoToken(t, err, "tok-BROKEN-9c1d")
	})
	t.Run("no SCIM token", func(t *testing.T) {
		t.Parallel()
		s := newMiroServer(t, func(http.ResponseWriter, *http.Request) {})
		c := newTestClient(t, s)
		_, err := c.do(context.Background(), request{method: http.MethodGet, path: "/Users", scim: true}, nil)
		if !errors.Is(err, ErrNoSCIMToken) || s.count() != 0 {
			t.Errorf("error = %v after %d requests, want ErrNoSCIMToken and no request", err, s.count())
		}
	})
}

// TestKindString: every kind has its own name, and a value outside the enum says so.
func TestKindString(t *testing.T) {
	t.Parallel()
	seen := map[string]Kind{}
	for k := KindStatus; k <= KindResetTooFar; k++ {
		s := k.String()
		if prev, dup := seen[s]; dup || strings.HasPrefix(s, "Kind(") {
			t.Errorf("Kind(%d).String() = %q (also Kind(%d))", int(k), s, int(prev))
		}
		seen[s] = k
	}
	if s := (KindResetTooFar + 1).String(); s != "Kind(6)" {
		t.Errorf("unknown kind = %q", s)
	}
}
