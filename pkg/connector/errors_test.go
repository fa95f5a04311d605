package connector

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/pkg/miro"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestErrorCodeTable maps every status and flag the client reports (pkg/miro's
// error tests produce each of them from real answers) to the gRPC code the SDK
// acts on: it retries Unavailable forever, skips NotFound and fails on the
// rest, so a fault that outlived the client's retries is Aborted.
func TestErrorCodeTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		e    miro.Error
		want codes.Code
	}{
		{miro.Error{StatusCode: 0}, codes.Unavailable},
		{miro.Error{StatusCode: 400}, codes.InvalidArgument},
		{miro.Error{StatusCode: 401}, codes.Unauthenticated},
		{miro.Error{StatusCode: 403}, codes.PermissionDenied},
		{miro.Error{StatusCode: 404}, codes.NotFound},
		{miro.Error{StatusCode: 409}, codes.AlreadyExists},
		{miro.Error{StatusCode: 413}, codes.InvalidArgument},
		{miro.Error{StatusCode: 422}, codes.InvalidArgument},
		{miro.Error{StatusCode: 429}, codes.Unavailable},
		{miro.Error{StatusCode: 500}, codes.Unavailable},
		{miro.Error{StatusCode: 502}, codes.Unavailable},
		{miro.Error{StatusCode: 503}, codes.Unavailable},
		{miro.Error{StatusCode: 504}, codes.Unavailable},
		{miro.Error{StatusCode: 0, Kind: miro.KindExhausted}, codes.Aborted},
		{miro.Error{StatusCode: 500, Kind: miro.KindExhausted}, codes.Aborted},
		{miro.Error{StatusCode: 502, Kind: miro.KindExhausted}, codes.Aborted},
		{miro.Error{StatusCode: 503, Kind: miro.KindExhausted}, codes.Aborted},
		{miro.Error{StatusCode: 429, Kind: miro.KindExhausted}, codes.Aborted},
		{miro.Error{StatusCode: 200, Kind: miro.KindMalformed}, codes.Internal},            // never retried
		{miro.Error{StatusCode: 302, Kind: miro.KindRedirect}, codes.FailedPrecondition},   // never retried
		{miro.Error{StatusCode: 429, Kind: miro.KindResetTooFar}, codes.ResourceExhausted}, // the SDK retries Unavailable at once
		{miro.Error{StatusCode: 429, Kind: miro.KindThrottled}, codes.Unavailable},         // retried later by the SDK
		{miro.Error{StatusCode: 409, Method: http.MethodPost}, codes.FailedPrecondition},   // a business rule, not "already exists"
	}
	for _, tt := range tests {
		e := tt.e
		if e.Method == "" {
			e.Method = http.MethodGet
		}
		e.Path = "/x"
		var err error = &e
		got := explain(err, "doing it")
		if status.Code(got) != tt.want {
			t.Errorf("status %d %+v: code %v, want %v", e.StatusCode, e, status.Code(got), tt.want)
		}
		// The client's error arrives wrapped too.
		if c := status.Code(explain(fmt.Errorf("listing members of team 123: %w", err), "doing it")); c != tt.want {
			t.Errorf("wrapped status %d: code %v, want %v", e.StatusCode, c, tt.want)
		}
		if msg := status.Convert(got).Message(); !strings.HasPrefix(msg, "doing it: ") || !strings.Contains(msg, e.Error()) {
			t.Errorf("message %q does not say what we did and what Miro said (%q)", msg, e.Error())
		}
	}
}

// TestForbiddenHints: a 403 names what is likely missing for the endpoint's
// scope; a SCIM 403 or 401 names the SCIM side.
func TestForbiddenHints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		e    miro.Error
		code codes.Code
		hint string
	}{
		{miro.Error{StatusCode: 403, API: miro.REST, Scope: miro.ScopeOrgRead}, codes.PermissionDenied, "scopes " + requiredScopes},
		{miro.Error{StatusCode: 403, API: miro.REST, Scope: miro.ScopeTeamsRead}, codes.PermissionDenied, "scopes " + requiredScopes},
		{miro.Error{StatusCode: 403, API: miro.REST}, codes.PermissionDenied, "Enterprise plan"},
		{miro.Error{StatusCode: 403, API: miro.REST, Scope: miro.ScopeGroupsRead}, codes.PermissionDenied, "organizations:groups:read scope"},
		{miro.Error{StatusCode: 403, API: miro.REST, Scope: miro.ScopeGroupsWrite, Method: http.MethodPost}, codes.PermissionDenied, "organizations:groups:write scope"},
		{miro.Error{StatusCode: 403, API: miro.REST, Scope: miro.ScopeTeamsWrite, Method: http.MethodPost}, codes.PermissionDenied, "organizations:teams:write"},
		{miro.Error{StatusCode: 403, API: miro.REST, Scope: miro.ScopeBoardsRead}, codes.PermissionDenied, "turn --sync-boards off"},
		{miro.Error{StatusCode: 403, API: miro.REST, Scope: miro.ScopeProjectsRead}, codes.PermissionDenied, "boards:read and projects:read"},
		{miro.Error{StatusCode: 403, API: miro.REST, Scope: miro.ScopeBoardsWrite, Method: http.MethodPost}, codes.PermissionDenied, "boards:write scope"},
		{miro.Error{StatusCode: 403, API: miro.REST, Scope: miro.ScopeProjectsWrite, Method: http.MethodPatch}, codes.PermissionDenied, "projects:write scope"},
		{miro.Error{StatusCode: 404, API: miro.REST, Scope: miro.ScopeBoardsWrite, Method: http.MethodPost}, codes.NotFound, "Content Admin role"},
		{miro.Error{StatusCode: 404, API: miro.REST, Scope: miro.ScopeBoardsRead}, codes.NotFound, ""}, // a read's 404: no board-write hint
		{miro.Error{StatusCode: 403, API: miro.REST, Scope: miro.ScopeBoardsRead, Path: "/v2/orgs/1/teams/2/boards/b/data-classification"},
			codes.PermissionDenied, "--sync-board-classification"},
		{miro.Error{StatusCode: 403, API: miro.SCIM, Scope: miro.ScopeSCIM, Method: http.MethodPatch}, codes.PermissionDenied, "SCIM must be enabled"},
		{miro.Error{StatusCode: 401, API: miro.SCIM, Scope: miro.ScopeSCIM}, codes.Unauthenticated, "--miro-scim-access-token"},
		{miro.Error{StatusCode: 401, API: miro.REST}, codes.Unauthenticated, "--miro-access-token"},
		{miro.Error{StatusCode: 400, API: miro.REST, Path: "/v1/oauth-token"}, codes.Unauthenticated, "--miro-access-token"},
	}
	for _, tt := range tests {
		e := tt.e
		if e.Method == "" {
			e.Method = http.MethodGet
		}
		got := explain(&e, "doing it")
		if tt.hint == "" && strings.Contains(got.Error(), "Content Admin") {
			t.Errorf("%+v: %v carries the board-write hint", e, got)
		}
		if status.Code(got) != tt.code || !strings.Contains(got.Error(), tt.hint) {
			t.Errorf("%+v: %v, want %v naming %q", e, got, tt.code, tt.hint)
		}
	}
	if got := explain(miro.ErrNoSCIMToken, "doing it"); status.Code(got) != codes.FailedPrecondition || !strings.Contains(got.Error(), "--miro-scim-access-token") {
		t.Errorf("no SCIM token: %v", got)
	}
	if got := explain(fmt.Errorf("x: %w", miro.ErrInvalidID), "doing it"); status.Code(got) != codes.InvalidArgument {
		t.Errorf("invalid id: %v", got)
	}
	already := status.Error(codes.Internal, "explained")
	if got := explain(already, "doing it"); got != already { //nolint:errorlint // the very same error, not a wrapped one
		t.Errorf("an explained error was explained again: %v", got)
	}
	if got := explain(errors.New("plain"), "doing it"); got.Error() != "doing it: plain" {
		t.Errorf("plain error: %v", got)
	}
}

// TestThrottledErrorCarriesRateLimit: a 429 that outlived the client's waits is
// Unavailable with a RateLimitDescription the SDK can act on.
func TestThrottledErrorCarriesRateLimit(t *testing.T) {
	t.Parallel()
	reset := time.Now().Add(30 * time.Second).Truncate(time.Second)
	e := &miro.Error{Method: http.MethodGet, Path: "/v2/orgs/1/teams", StatusCode: 429, Kind: miro.KindThrottled,
		RateLimit: &miro.RateLimit{Known: true, Limit: 100000, Remaining: 0, ResetAt: reset}}
	st, ok := status.FromError(explain(e, "listing teams"))
	if !ok || st.Code() != codes.Unavailable {
		t.Fatalf("status = %v, want Unavailable", st)
	}
	var rl *v2.RateLimitDescription
	for _, d := range st.Details() {
		if r, ok := d.(*v2.RateLimitDescription); ok {
			rl = r
		}
	}
	if rl == nil {
		t.Fatalf("status details %v carry no RateLimitDescription", st.Details())
	}
	if rl.GetStatus() != v2.RateLimitDescription_STATUS_OVERLIMIT || rl.GetLimit() != 100000 || rl.GetRemaining() != 0 || !rl.GetResetAt().AsTime().Equal(reset) {
		t.Errorf("rate limit = %v", rl)
	}
	// A 429 that announced no reset gets the SDK's default: limit 1, a minute.
	d := rateLimitDescription(&miro.RateLimit{}, true)
	if d.GetStatus() != v2.RateLimitDescription_STATUS_OVERLIMIT || d.GetLimit() != 1 || d.GetResetAt().AsTime().Before(time.Now()) {
		t.Errorf("bare 429 = %v", d)
	}
	if d := rateLimitDescription(&miro.RateLimit{Known: true, Limit: 10, Remaining: 5}, false); d.GetStatus() != v2.RateLimitDescription_STATUS_OK {
		t.Errorf("remaining credits = %v, want OK", d)
	}
}

// TestRequiredScopesText: the scopes a 403 names are the client's scope constants, spelled as Miro spells them.
func TestRequiredScopesText(t *testing.T) {
	t.Parallel()
	if requiredScopes != "organizations:read, organizations:teams:read" {
		t.Errorf("requiredScopes = %q", requiredScopes)
	}
}
