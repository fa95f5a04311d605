package miro

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is a failed Miro call. It carries what Miro said (HTTP status, Miro's
// code and message), which API and scope the call needed, and the rate-limit
// data of the answer; never the request's headers, so it is safe to log.
// Callers tell failures apart with errors.As and these fields: the client
// knows nothing of how its caller reports them.
type Error struct {
	Method string
	Path   string // URL path without the query string
	API    API    // REST or SCIM
	// Scope is the OAuth scope the endpoint needs (ScopeSCIM for SCIM calls),
	// or "" when it needs none.
	Scope string
	// StatusCode is the HTTP status, or 0 when no response arrived (network
	// error, timeout, unreadable body).
	StatusCode int
	Code       string // Miro's "code" (REST) or "scimType" (SCIM), when given
	Message    string // Miro's "message" (REST) or "detail" (SCIM), or the transport error
	// Attempts is how many times the call was tried before giving up.
	Attempts int
	// Kind says which kind of failure this is; a switch on it covers every kind.
	Kind Kind
	// RateLimit is the answer's rate-limit data (nil when no answer arrived).
	RateLimit *RateLimit
}

// Kind is the kind of a failed call. The zero value, KindStatus, is a plain error answer.
type Kind int

const (
	// KindStatus means Miro answered StatusCode (4xx, 5xx), or no answer arrived (StatusCode 0) for a call that is
	// not retried (a write). The status decides what it means.
	KindStatus Kind = iota
	// KindExhausted means a transient failure (5xx, network, a body cut short) persisted through every retry.
	KindExhausted
	// KindMalformed means a 2xx body arrived whole but does not have the documented shape, or a body (of any
	// status) exceeded the size limit, far more than any Miro page; not retried.
	KindMalformed
	// KindRedirect means the server answered 3xx; redirects are not followed.
	KindRedirect
	// KindThrottled means Miro still answered 429 after the client waited for each announced reset.
	KindThrottled
	// KindResetTooFar means a 429 announced a reset further ahead than MaxRateLimitWait; not waited for.
	KindResetTooFar
)

func (k Kind) String() string {
	switch k {
	case KindStatus:
		return "status"
	case KindExhausted:
		return "exhausted"
	case KindMalformed:
		return "malformed"
	case KindRedirect:
		return "redirect"
	case KindThrottled:
		return "throttled"
	case KindResetTooFar:
		return "reset too far"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

func (e *Error) Error() string {
	s := fmt.Sprintf("miro: %s %s", e.Method, e.Path)
	if e.StatusCode != 0 {
		s += fmt.Sprintf(": HTTP %d", e.StatusCode)
	}
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Kind == KindExhausted {
		s += fmt.Sprintf(" (gave up after %d attempts)", e.Attempts)
	}
	return s
}

// ErrNoSCIMToken is returned by SCIM calls when no SCIM token is configured.
var ErrNoSCIMToken = errors.New("no SCIM token configured")

// ErrInvalidID is returned, before any request, for an id that is not a plain
// Miro id: empty, "." or "..", or holding a control character. Such an id would
// address another resource (a server resolves "/members/.." to the org itself).
var ErrInvalidID = errors.New("not a Miro id")

// ErrInvalidToken is returned, before any request, for a token holding
// whitespace or a control character.
var ErrInvalidToken = errors.New("invalid token")

// OptionError is an option New refuses; API says which base URL it concerns
// ("" for the token).
type OptionError struct {
	API API
	Err error
}

func (e *OptionError) Error() string {
	switch e.API {
	case REST:
		return "REST API URL: " + e.Err.Error()
	case SCIM:
		return "SCIM URL: " + e.Err.Error()
	}
	return e.Err.Error()
}

func (e *OptionError) Unwrap() error { return e.Err }

// StatusOf returns the HTTP status of a Miro error in err's chain, or 0.
func StatusOf(err error) int {
	var me *Error
	if errors.As(err, &me) {
		return me.StatusCode
	}
	return 0
}

// IsNotFound reports whether Miro answered 404.
func IsNotFound(err error) bool { return StatusOf(err) == http.StatusNotFound }

// IsConflict reports whether Miro answered 409.
func IsConflict(err error) bool { return StatusOf(err) == http.StatusConflict }
