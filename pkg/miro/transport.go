package miro

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Response is what a call learned besides its body.
type Response struct {
	StatusCode int
	RateLimit  *RateLimit // what the answer said of the credit budget (parsed once, see ParseRateLimit)
}

// do runs a call with pacing and retries and decodes a 2xx body into out (when
// non-nil). Reads retry transient failures; writes retry only 429, which Miro
// sends before doing anything. A body that arrived whole but does not decode
// into the expected shape is not transient: it fails at once.
func (c *Client) do(ctx context.Context, rq request, out any) (*Response, error) {
	base, token, which := c.api, c.token, "access token"
	if rq.scim {
		if c.scimToken == "" {
			return nil, ErrNoSCIMToken
		}
		base, token, which = c.scim, c.scimToken, "SCIM token"
	}
	if err := checkPath(rq.path); err != nil {
		return nil, fmt.Errorf("refusing %s %s: %w", rq.method, base.Path+rq.path, err)
	}
	if !ValidToken(token) {
		// http.Client would refuse the header on every attempt.
		return nil, fmt.Errorf("%s %s: the %s holds whitespace or a control character inside it, so it was not sent: %w",
			rq.method, base.Path+rq.path, which, ErrInvalidToken)
	}
	u := *base
	// rq.path is already escaped: keep it as the raw path, so an id holding
	// '/', '?' or '%' is escaped once, not twice.
	if p, err := url.PathUnescape(rq.path); err == nil {
		u.Path, u.RawPath = base.Path+p, base.EscapedPath()+rq.path
	} else {
		u.Path, u.RawPath = base.Path+rq.path, ""
	}
	if len(rq.query) > 0 {
		u.RawQuery = rq.query.Encode()
	}
	var payload []byte
	if rq.body != nil {
		var err error
		if payload, err = json.Marshal(rq.body); err != nil {
			return nil, fmt.Errorf("encoding request for %s %s: %w", rq.method, rq.path, err)
		}
	}
	idempotent := rq.method == http.MethodGet
	attempts, throttles := 0, 0
	for {
		attempts++
		resp, body, err := c.send(ctx, rq, &u, token, payload, attempts)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s %s: %w", rq.method, rq.path, ctx.Err())
		}
		miroErr := &Error{Method: rq.method, Path: base.Path + rq.path, API: REST, Scope: rq.scope, Attempts: attempts}
		if rq.scim {
			miroErr.API = SCIM
		}
		transient := false
		switch {
		case err != nil:
			miroErr.Message = redactToken(err.Error(), token)
			transient = true
		case resp.StatusCode == http.StatusTooManyRequests:
			throttles++
			attempts-- // a 429 is paced, not a failure of the call
			fillError(miroErr, resp, body, token)
			now := c.pacer.clock()
			resume := resp.RateLimit.Resume()
			if ahead := resume.Sub(now); ahead > MaxRateLimitWait {
				// Waiting this long in silence looks like a hang, and Miro's
				// windows last a minute: say when to come back instead.
				miroErr.Kind = KindResetTooFar
				miroErr.Message += fmt.Sprintf(" (Miro's rate limit resets at %s, %s from now, more than the %s this connector waits for a reset: run it again after then)",
					resume.UTC().Format(time.RFC3339), ahead.Round(time.Second), MaxRateLimitWait)
				return resp, miroErr
			}
			if throttles <= c.max429 {
				continue // the pacer now holds every caller until the reset
			}
			miroErr.Kind = KindThrottled
			miroErr.Message += fmt.Sprintf(" (still throttled after %d waits for the rate-limit reset)", throttles-1)
			return resp, miroErr
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			miroErr.StatusCode = resp.StatusCode
			miroErr.Kind = KindRedirect
			miroErr.Message = fmt.Sprintf("the server answered with a redirect to %s; redirects are not followed, so the token never travels to another address "+
				"(Miro's API does not redirect: check the base URL)", redirectTarget(body.location, token))
			return resp, miroErr
		case body.tooLarge:
			miroErr.StatusCode = resp.StatusCode
			miroErr.Kind = KindMalformed // not a Miro page: retrying will not shrink it
			miroErr.Message = fmt.Sprintf("response body exceeds %d MiB, far more than any Miro page", maxBody>>20)
			return resp, miroErr
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			if out == nil || resp.StatusCode == http.StatusNoContent {
				return resp, nil
			}
			retry, derr := decodeBody(resp, body, out, token, pageOf(rq))
			if derr == nil {
				return resp, nil
			}
			miroErr.StatusCode = resp.StatusCode
			miroErr.Message = derr.Error()
			if !retry {
				miroErr.Kind = KindMalformed
			}
			transient = retry
		default:
			fillError(miroErr, resp, body, token)
			transient = resp.StatusCode >= 500
		}
		if !transient || !idempotent {
			return resp, miroErr
		}
		if attempts >= c.maxAttempts || isSingleAttempt(ctx) {
			miroErr.Kind = KindExhausted
			return resp, miroErr
		}
		d := c.backoff(attempts)
		if d >= LongWait && c.onWait != nil {
			c.onWait(ctx, Wait{For: "a retry", Call: rq.method + " " + miroErr.Path, Until: c.pacer.clock().Add(d),
				Why: fmt.Sprintf("attempt %d of %d failed: %s", attempts, c.maxAttempts, miroErr.Error())})
		}
		if err := c.sleep(ctx, d); err != nil {
			return nil, fmt.Errorf("%s %s: %w", rq.method, rq.path, err)
		}
	}
}

// checkPath refuses a path with a segment no Miro id can produce. Paths are
// built from escaped ids, so each id is exactly one segment.
func checkPath(path string) error {
	for _, seg := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		raw, err := url.PathUnescape(seg)
		if err != nil {
			raw = seg
		}
		switch {
		case seg == "" || seg == "." || seg == "..":
			return fmt.Errorf("%q is %w: an empty id, \".\" or \"..\" would address another resource", raw, ErrInvalidID)
		case strings.IndexFunc(raw, unicode.IsControl) >= 0:
			return fmt.Errorf("%q is %w: it holds a control character", raw, ErrInvalidID)
		}
	}
	return nil
}

// ValidToken reports whether a token can be sent as it is: not empty, and
// without whitespace or control characters (surrounding whitespace is trimmed
// by New; inside a token it means something else was pasted along).
func ValidToken(token string) bool {
	return token != "" && strings.IndexFunc(token, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError
	}) < 0
}

// pageOf names the page a list call asks for, for error messages.
func pageOf(rq request) string {
	switch {
	case rq.query.Get("cursor") != "":
		return fmt.Sprintf("the page at cursor %q", truncate(rq.query.Get("cursor"), 80))
	case rq.query.Get("offset") != "" && rq.query.Get("offset") != "0":
		return "the page at offset " + truncate(rq.query.Get("offset"), 20)
	case rq.query.Get("startIndex") != "" && rq.query.Get("startIndex") != "1":
		return "the page at startIndex " + truncate(rq.query.Get("startIndex"), 20)
	case rq.query.Has("limit") || rq.query.Has("offset") || rq.query.Has("startIndex"):
		return "the first page"
	}
	return ""
}

// redirectTarget shows where a redirect pointed, without user info, query or
// the token.
func redirectTarget(location, token string) string {
	if location == "" {
		return "(no Location header)"
	}
	u, err := url.Parse(location)
	if err != nil {
		return "an unreadable Location"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return truncate(redactToken(u.String(), token), 200)
}

// send makes one HTTP exchange and reads the whole body.
func (c *Client) send(ctx context.Context, rq request, u *url.URL, token string, payload []byte, attempt int) (*Response, *httpResult, error) {
	pacer := c.pacer
	if rq.scim {
		pacer = c.scimPacer
	}
	if err := pacer.Acquire(ctx, rq.cost); err != nil {
		return nil, nil, err
	}
	leave, err := c.enterGate(ctx)
	if err != nil {
		pacer.Release(rq.cost)
		return nil, nil, err
	}
	defer leave()
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, rq.method, u.String(), body)
	if err != nil {
		pacer.Release(rq.cost)
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		if rq.scim {
			req.Header.Set("Content-Type", "application/scim+json")
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	// The exchange (answer and whole body) may take up to the HTTP timeout;
	// one that takes longer than LongWait is announced.
	defer c.watchSlow(ctx, rq.method+" "+req.URL.Path, attempt)()
	c.usage.sent()
	hr, err := c.http.Do(req)
	if err != nil {
		pacer.Release(rq.cost)
		return nil, nil, scrubURLError(err)
	}
	defer hr.Body.Close()
	c.usage.answered(rq.cost, hr.StatusCode)
	// The one parse of this answer's rate-limit headers: the pacer, the retry loop and the caller share it.
	rl := ParseRateLimit(hr.Header, pacer.clock())
	pacer.Observe(rq.cost, hr.StatusCode, rl)
	data, err := io.ReadAll(io.LimitReader(hr.Body, maxBody+1))
	resp := &Response{StatusCode: hr.StatusCode, RateLimit: &rl}
	if err != nil {
		return resp, nil, fmt.Errorf("reading response body (HTTP %d): %w", hr.StatusCode, err)
	}
	if len(data) > maxBody {
		return resp, &httpResult{tooLarge: true}, nil
	}
	return resp, &httpResult{contentType: hr.Header.Get("Content-Type"), location: hr.Header.Get("Location"), data: data}, nil
}

// watchSlow announces, through OnWait, an exchange still running after
// LongWait: what it waits for and until when (the HTTP timeout or the
// context's deadline, whichever comes first). The returned func ends the watch.
func (c *Client) watchSlow(ctx context.Context, call string, attempt int) func() {
	if c.onWait == nil {
		return func() {}
	}
	var until time.Time
	if c.http.Timeout > 0 {
		until = c.pacer.clock().Add(c.http.Timeout)
	}
	if d, ok := ctx.Deadline(); ok && (until.IsZero() || d.Before(until)) {
		until = d
	}
	stop := c.afterFunc(LongWait, func() {
		c.onWait(ctx, Wait{For: "Miro's answer", Call: call, Until: until,
			Why: fmt.Sprintf("no complete answer after %s (attempt %d of %d)", LongWait, attempt, c.maxAttempts)})
	})
	return func() { stop() }
}

func realAfterFunc(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

type httpResult struct {
	contentType string
	location    string
	data        []byte
	tooLarge    bool // over maxBody: not a Miro page, and retrying will not shrink it
}

// scrubURLError drops the URL from transport errors: the query can hold
// filters (emails) that do not belong in every log line.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// backoff is exponential with jitter, so retrying workers do not stampede.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.backoffBase << min(attempt-1, 20)
	if d > c.backoffMax || d <= 0 {
		d = c.backoffMax
	}
	return d/2 + rand.N(d/2+1) //nolint:gosec // jitter needs no cryptographic randomness
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
