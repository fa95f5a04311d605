package connector

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/conductorone/baton-miro/pkg/miro"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// This file is the one place where the client's errors become what the SDK
// acts on: a gRPC code (the SDK retries Unavailable forever during a sync,
// skips NotFound and fails on the rest; the exit code is the code) and a
// message that tells the user what to fix.

// Scopes the sync needs; named in permission errors.
const requiredScopes = miro.ScopeOrgRead + ", " + miro.ScopeTeamsRead

// errorRules are tried in order on a *miro.Error; the first that matches
// decides the code and the message. format gets what we were doing and the
// client's error, in that order. A 403's hint depends on the scope the
// endpoint needs (forbiddenHints).
var errorRules = []struct {
	match  func(e *miro.Error) bool
	code   codes.Code
	format string
}{
	{func(e *miro.Error) bool { return e.StatusCode == http.StatusUnauthorized && e.API == miro.SCIM }, codes.Unauthenticated,
		"%s: %s. Miro rejected the SCIM token: check --miro-scim-access-token (BATON_MIRO_SCIM_ACCESS_TOKEN); " +
			"generate a new one in Company settings → Enterprise integrations → SCIM"},
	{func(e *miro.Error) bool {
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusBadRequest && strings.HasSuffix(e.Path, "/v1/oauth-token")
	}, codes.Unauthenticated,
		"%s: %s. Miro rejected the access token: check --miro-access-token (BATON_MIRO_ACCESS_TOKEN); it may be mistyped, expired or revoked"},
	// A 409 on a change is a business rule Miro enforces (last admin,
	// deactivated user, …), which no retry or "already exists" reading can fix.
	{func(e *miro.Error) bool { return e.StatusCode == http.StatusConflict && e.Method != http.MethodGet }, codes.FailedPrecondition,
		"%s: Miro refused the change: %s"},
	// A board write Miro answers 404: no such board, or a private one the token's user cannot reach.
	{func(e *miro.Error) bool {
		return e.StatusCode == http.StatusNotFound && e.Method != http.MethodGet && e.Scope == miro.ScopeBoardsWrite
	}, codes.NotFound,
		"%s: %s. The board does not exist, or it is private and the token's user can't reach it: Miro lets a Company Admin " +
			"change private boards only with the Content Admin role (or as a member of the board)"},
	{func(e *miro.Error) bool {
		return e.StatusCode == http.StatusForbidden && strings.Contains(e.Path, "/data-classification")
	}, codes.PermissionDenied,
		"%s: %s. Miro refused to read board classification (--sync-board-classification): it needs data classification " +
			"on an Enterprise organization, a Company Admin token with the organizations:read and boards:read scopes; or turn the flag off"},
	{func(e *miro.Error) bool { return e.StatusCode == http.StatusForbidden && e.API == miro.SCIM }, codes.PermissionDenied,
		"%s: %s. Miro refused the SCIM call: SCIM must be enabled for the organization (Company settings → Enterprise integrations)"},
}

// forbiddenHints say, per scope an endpoint needs, what a REST 403 most
// likely means.
var forbiddenHints = map[string]string{
	miro.ScopeGroupsRead: "Miro refused access to user groups: the app needs the organizations:groups:read scope " +
		"and the token's user must be a Company Admin of an Enterprise organization",
	miro.ScopeGroupsWrite: "Miro refused the change: the app needs the organizations:groups:write scope " +
		"and the token's user must be a Company Admin of an Enterprise organization",
	miro.ScopeTeamsWrite: "Miro refused the change: the app needs the organizations:teams:write " +
		"scope and the token's user must be a Company Admin of an Enterprise organization",
	miro.ScopeBoardsWrite: "Miro refused the change: the app needs the boards:write scope (and organizations:groups:read to share " +
		"with user groups), and private boards need the Content Admin role",
	miro.ScopeProjectsWrite: "Miro refused the change: the app needs the projects:write scope (and organizations:groups:read to " +
		"share with user groups), the token's user must be a Company Admin of an Enterprise organization, and private projects " +
		"need the Content Admin role",
	miro.ScopeBoardsRead:   boardsForbidden,
	miro.ScopeProjectsRead: boardsForbidden,
	miro.ScopeSessionsDel: "Miro refused to reset the user's sessions: the app needs the sessions:delete scope " +
		"(docs/setup.md section 2, step 3), and the token's user must be a Company Admin of an Enterprise organization",
	// The event feed's: the likeliest cause by far, and syncs never need it.
	miro.ScopeAuditLogs: "The app needs the auditlogs:read scope for the event feed: add it as in docs/setup.md " +
		"section 2, step 3 (Permissions), then reinstall the app and use the new token; the token's user must " +
		"be a Company Admin of an Enterprise organization. Syncs do not need this scope.",
}

const (
	boardsForbidden = "Miro refused access: --sync-boards needs the boards:read and projects:read scopes, " +
		"and private boards and projects need the Content Admin role; or turn --sync-boards off"
	defaultForbidden = "Miro refused access: the token's user must be a Company Admin of an organization " +
		"on the Enterprise plan, and the app needs the scopes " + requiredScopes
)

// explain turns a client error into a gRPC status whose code the SDK acts on
// and whose message tells the user what to fix. doing says what we were doing.
func explain(err error, doing string) error {
	var me *miro.Error
	if !errors.As(err, &me) {
		return explainOther(err, doing)
	}
	for _, r := range errorRules {
		if r.match(me) {
			return status.Errorf(r.code, r.format, doing, me.Error())
		}
	}
	if me.StatusCode == http.StatusForbidden {
		hint, ok := forbiddenHints[me.Scope]
		if !ok {
			hint = defaultForbidden
		}
		return status.Errorf(codes.PermissionDenied, "%s: %s. %s", doing, me.Error(), hint)
	}
	st := status.New(codeOf(me), fmt.Sprintf("%s: %s", doing, me.Error()))
	if me.RateLimit != nil {
		throttled := me.Kind == miro.KindThrottled || me.Kind == miro.KindResetTooFar
		if withDetails, derr := st.WithDetails(rateLimitDescription(me.RateLimit, throttled)); derr == nil {
			st = withDetails
		}
	}
	return st.Err()
}

// explainOther explains the errors the client returns before any request.
func explainOther(err error, doing string) error {
	switch {
	case errors.Is(err, miro.ErrNoSCIMToken):
		return status.Errorf(codes.FailedPrecondition, "%s: this needs the SCIM token: set --miro-scim-access-token or BATON_MIRO_SCIM_ACCESS_TOKEN "+
			"(Miro → Company settings → Enterprise integrations → SCIM)", doing)
	case errors.Is(err, miro.ErrInvalidID) || errors.Is(err, miro.ErrInvalidToken):
		return status.Errorf(codes.InvalidArgument, "%s: %v", doing, err)
	}
	if _, ok := status.FromError(err); ok && status.Code(err) != codes.Unknown {
		return err // already explained
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// codeOf is the code of a failure no rule above names. A transient fault that
// outlived the client's retries becomes Aborted, so a dead Miro ends the sync
// with a clear error instead of an endless loop.
func codeOf(e *miro.Error) codes.Code {
	switch e.Kind {
	case miro.KindExhausted:
		return codes.Aborted
	case miro.KindMalformed:
		return codes.Internal // Miro broke its documented contract; retrying will not help
	case miro.KindRedirect:
		return codes.FailedPrecondition // the base URL points somewhere that is not Miro's API
	case miro.KindResetTooFar:
		return codes.ResourceExhausted // not Unavailable: the SDK would retry that at once, forever
	case miro.KindThrottled:
		return codes.Unavailable // the SDK retries it later, by when the window has reset
	case miro.KindStatus: // decided by the status below
	}
	switch {
	case e.StatusCode == 0:
		return codes.Unavailable
	case e.StatusCode == http.StatusUnauthorized:
		return codes.Unauthenticated
	case e.StatusCode == http.StatusForbidden:
		return codes.PermissionDenied
	case e.StatusCode == http.StatusNotFound:
		return codes.NotFound
	case e.StatusCode == http.StatusConflict:
		return codes.AlreadyExists
	case e.StatusCode == http.StatusTooManyRequests, e.StatusCode >= 500:
		return codes.Unavailable
	default: // 400 and every other 4xx
		return codes.InvalidArgument
	}
}

// rateLimitDescription is the SDK's form of an answer's rate-limit data: OK
// while credits remain, OVERLIMIT when throttled (a 429; with a one-minute
// reset when Miro announced none).
func rateLimitDescription(rl *miro.RateLimit, throttled bool) *v2.RateLimitDescription {
	d := v2.RateLimitDescription_builder{Limit: rl.Limit, Remaining: rl.Remaining, ResetAt: timestamppb.New(rl.Resume())}
	if rl.Remaining > 0 {
		d.Status = v2.RateLimitDescription_STATUS_OK
	}
	if throttled {
		d.Status, d.Remaining = v2.RateLimitDescription_STATUS_OVERLIMIT, 0
		if rl.Resume().IsZero() {
			d.Limit, d.ResetAt = 1, timestamppb.New(time.Now().Add(time.Minute))
		}
	}
	return d.Build()
}

// rateLimitAnnotations carries a response's rate-limit data to the SDK.
func rateLimitAnnotations(resp *miro.Response) annotations.Annotations {
	var annos annotations.Annotations
	if resp != nil && resp.RateLimit != nil {
		annos.WithRateLimiting(rateLimitDescription(resp.RateLimit, false))
	}
	return annos
}
