package miro

import (
	"errors"
	"fmt"
	"net/http"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Error is a failed Miro call. It carries what Miro said (HTTP status, Miro's
// code and message) and never the request's headers, so it is safe to log.
type Error struct {
	Method string
	Path   string // URL path without the query string
	// StatusCode is the HTTP status, or 0 when no response arrived (network
	// error, timeout, unreadable body).
	StatusCode int
	Code       string // Miro's "code" (REST) or "scimType" (SCIM), when given
	Message    string // Miro's "message" (REST) or "detail" (SCIM), or the transport error
	// Attempts is how many times the call was tried before giving up.
	Attempts int
	// Exhausted is set when a transient failure persisted through every retry.
	Exhausted bool
	// Malformed is set when a 2xx body arrived whole but does not have the
	// documented shape; such a call is not retried.
	Malformed bool
	// Redirect is set when the server answered 3xx: redirects are not followed.
	Redirect bool
	// ResetTooFar is set for a 429 whose announced reset lies further ahead
	// than MaxRateLimitWait.
	ResetTooFar bool
	RateLimit   *v2.RateLimitDescription
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
	if e.Exhausted {
		s += fmt.Sprintf(" (gave up after %d attempts)", e.Attempts)
	}
	return s
}

// GRPCStatus maps the failure to the gRPC code the Baton SDK acts on: it retries
// Unavailable forever, skips NotFound and fails on everything else. A transient
// fault that outlived our own retries becomes Aborted, so a dead Miro ends the
// sync with a clear error instead of an endless loop.
func (e *Error) GRPCStatus() *status.Status {
	st := status.New(e.grpcCode(), e.Error())
	if e.RateLimit != nil {
		if withDetails, err := st.WithDetails(e.RateLimit); err == nil {
			return withDetails
		}
	}
	return st
}

func (e *Error) grpcCode() codes.Code {
	switch {
	case e.Exhausted:
		return codes.Aborted
	case e.Malformed:
		return codes.Internal // Miro broke its documented contract; retrying will not help
	case e.Redirect:
		return codes.FailedPrecondition // the base URL points somewhere that is not Miro's API
	case e.ResetTooFar:
		return codes.ResourceExhausted // not Unavailable: the SDK would retry that at once, forever
	}
	switch {
	case e.StatusCode == 0:
		return codes.Unavailable
	case e.StatusCode == http.StatusBadRequest:
		return codes.InvalidArgument
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
	default:
		return codes.InvalidArgument
	}
}

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
