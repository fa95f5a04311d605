// Package miro is a small typed client of Miro's REST and SCIM APIs: one method
// per endpoint, explicit cursor paging, typed errors and credit-aware pacing.
// It knows nothing of Baton beyond rate-limit descriptions.
package miro

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/ratelimit"
)

// PageSize is Miro's maximum page size for cursor-paged lists.
const PageSize = 100

// maxBody bounds what we read of one response: a page of 100 members is a few
// tens of kilobytes, so anything near this is not a Miro page.
const maxBody = 32 << 20

// Options configure a Client.
type Options struct {
	APIURL      string // default https://api.miro.com
	SCIMURL     string // default https://miro.com/api/v1/scim
	AccessToken string // OAuth token for the REST API
	SCIMToken   string // SCIM token; optional
	HTTPClient  *http.Client
	// MaxAttempts bounds tries of a read that fails transiently (5xx, network
	// error, unreadable body). Default 8.
	MaxAttempts int
	// Max429 bounds the 429 answers one call accepts (each followed by a wait
	// for the announced reset) before it fails. Default 6.
	Max429 int
	// BackoffBase is the first retry delay, doubled per attempt up to BackoffMax.
	// Defaults 500 ms and 10 s.
	BackoffBase, BackoffMax time.Duration
	Pacer                   *Pacer // default NewPacer()
}

// Client calls Miro. It is safe for concurrent use.
type Client struct {
	api, scim   *url.URL
	token       string
	scimToken   string
	http        *http.Client
	pacer       *Pacer // REST credits
	scimPacer   *Pacer // SCIM has its own, separate limits
	maxAttempts int
	max429      int
	backoffBase time.Duration
	backoffMax  time.Duration
	gate        Gate // bounds the calls in flight; nil = unbounded
}

// Gate bounds the calls in flight: Acquire blocks until a call may start, and
// every successful Acquire is followed by one Release.
type Gate interface {
	Acquire(ctx context.Context) error
	Release()
}

// SetGate makes every call, each attempt, pass through g. Call it before the
// client is used.
func (c *Client) SetGate(g Gate) { c.gate = g }

type gateHeldKey struct{}

// WithGateHeld marks the calls made with ctx as already holding a slot of the
// gate (the caller acquired it), so they do not ask again.
func WithGateHeld(ctx context.Context) context.Context {
	return context.WithValue(ctx, gateHeldKey{}, true)
}

// enterGate takes a slot for one attempt; the returned func gives it back.
func (c *Client) enterGate(ctx context.Context) (func(), error) {
	if held, _ := ctx.Value(gateHeldKey{}).(bool); c.gate == nil || held {
		return func() {}, nil
	}
	if err := c.gate.Acquire(ctx); err != nil {
		return nil, err
	}
	return c.gate.Release, nil
}

// ErrNoSCIMToken is returned by SCIM calls when no SCIM token is configured.
var ErrNoSCIMToken = errors.New("no SCIM token configured")

// New validates the options and returns a client.
func New(o Options) (*Client, error) {
	if o.AccessToken == "" {
		return nil, errors.New("a Miro access token is required")
	}
	if o.APIURL == "" {
		o.APIURL = "https://api.miro.com"
	}
	if o.SCIMURL == "" {
		o.SCIMURL = "https://miro.com/api/v1/scim"
	}
	api, err := ParseBaseURL(o.APIURL)
	if err != nil {
		return nil, fmt.Errorf("REST API URL: %w", err)
	}
	scim, err := ParseBaseURL(o.SCIMURL)
	if err != nil {
		return nil, fmt.Errorf("SCIM URL: %w", err)
	}
	c := &Client{
		api: api, scim: scim, token: o.AccessToken, scimToken: o.SCIMToken,
		http: o.HTTPClient, pacer: o.Pacer,
		maxAttempts: o.MaxAttempts, max429: o.Max429, backoffBase: o.BackoffBase, backoffMax: o.BackoffMax,
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 5 * time.Minute}
	}
	if c.pacer == nil {
		c.pacer = NewPacer()
	}
	c.scimPacer = NewPacer()
	if c.maxAttempts <= 0 {
		c.maxAttempts = 8
	}
	if c.max429 <= 0 {
		c.max429 = 6
	}
	if c.backoffBase <= 0 {
		c.backoffBase = 500 * time.Millisecond
	}
	if c.backoffMax <= 0 {
		c.backoffMax = 10 * time.Second
	}
	return c, nil
}

// Pacer returns the client's credit pacer.
func (c *Client) Pacer() *Pacer { return c.pacer }

// HasSCIM reports whether a SCIM token is configured.
func (c *Client) HasSCIM() bool { return c.scimToken != "" }

// ParseBaseURL accepts an https URL, or an http URL whose host is loopback:
// anything else would send the bearer token in clear text.
func ParseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		var ue *url.Error
		if strings.Contains(raw, "@") && errors.As(err, &ue) {
			// url.Error quotes the URL, password included.
			return nil, fmt.Errorf("the base URL is not a URL: %w", ue.Err)
		}
		return nil, fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	if u.User != nil {
		raw = u.Redacted() // never echo a password into logs
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%q must be a plain base URL like https://api.miro.com", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopback(u.Hostname()) {
			return nil, fmt.Errorf("%q uses plain http:// to a host that is not loopback; the token would travel in clear text: use https://", raw)
		}
	default:
		return nil, fmt.Errorf("%q must start with https://", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

// IsLoopback reports whether host is localhost, 127.0.0.0/8 or ::1.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Response is what a call learned besides its body.
type Response struct {
	StatusCode int
	RateLimit  *v2.RateLimitDescription
}

// request describes one call.
type request struct {
	method string
	path   string // relative to the base URL, already escaped
	query  url.Values
	body   any
	cost   int  // credits (Level1..Level4); 0 = unmetered
	scim   bool // SCIM API and token
}

// do runs a call with pacing and retries and decodes a 2xx body into out (when
// non-nil). Reads retry transient failures; writes retry only 429, which Miro
// sends before doing anything.
func (c *Client) do(ctx context.Context, rq request, out any) (*Response, error) {
	base, token := c.api, c.token
	if rq.scim {
		if c.scimToken == "" {
			return nil, ErrNoSCIMToken
		}
		base, token = c.scim, c.scimToken
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
		resp, body, err := c.send(ctx, rq, &u, token, payload)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s %s: %w", rq.method, rq.path, ctx.Err())
		}
		miroErr := &Error{Method: rq.method, Path: base.Path + rq.path, Attempts: attempts}
		transient := false
		switch {
		case err != nil:
			miroErr.Message = redactToken(err.Error(), token)
			transient = true
		case resp.StatusCode == http.StatusTooManyRequests:
			throttles++
			attempts-- // a 429 is paced, not a failure of the call
			fillError(miroErr, resp, body, token)
			if throttles <= c.max429 {
				continue // the pacer now holds every caller until the reset
			}
			miroErr.Message += fmt.Sprintf(" (still throttled after %d waits for the rate-limit reset)", throttles-1)
			return resp, miroErr
		case body.tooLarge:
			miroErr.StatusCode = resp.StatusCode
			miroErr.Message = fmt.Sprintf("response body exceeds %d MiB, far more than any Miro page", maxBody>>20)
			return resp, miroErr
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			if out == nil || resp.StatusCode == http.StatusNoContent {
				return resp, nil
			}
			derr := decodeBody(resp, body, out, token)
			if derr == nil {
				return resp, nil
			}
			miroErr.StatusCode = resp.StatusCode
			miroErr.Message = derr.Error()
			transient = true
		default:
			fillError(miroErr, resp, body, token)
			transient = resp.StatusCode >= 500
		}
		if !transient || !idempotent {
			return resp, miroErr
		}
		if attempts >= c.maxAttempts || isSingleAttempt(ctx) {
			miroErr.Exhausted = true
			return resp, miroErr
		}
		if err := sleep(ctx, c.backoff(attempts)); err != nil {
			return nil, fmt.Errorf("%s %s: %w", rq.method, rq.path, err)
		}
	}
}

// send makes one HTTP exchange and reads the whole body.
func (c *Client) send(ctx context.Context, rq request, u *url.URL, token string, payload []byte) (*Response, *httpResult, error) {
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
	hr, err := c.http.Do(req)
	if err != nil {
		pacer.Release(rq.cost)
		return nil, nil, scrubURLError(err)
	}
	defer hr.Body.Close()
	pacer.Observe(rq.cost, hr.StatusCode, hr.Header)
	data, err := io.ReadAll(io.LimitReader(hr.Body, maxBody+1))
	resp := &Response{StatusCode: hr.StatusCode}
	if rl, rlErr := ratelimit.ExtractRateLimitData(hr.StatusCode, &hr.Header); rlErr == nil {
		resp.RateLimit = rl
	}
	if err != nil {
		return resp, nil, fmt.Errorf("reading response body (HTTP %d): %w", hr.StatusCode, err)
	}
	if len(data) > maxBody {
		return resp, &httpResult{tooLarge: true}, nil
	}
	return resp, &httpResult{contentType: hr.Header.Get("Content-Type"), data: data}, nil
}

type httpResult struct {
	contentType string
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

// decodeBody decodes a 2xx JSON body. A wrong Content-Type alone is tolerated
// (the body decides); a body that is not JSON gets a message that names the
// content type, since an HTML page usually means a proxy or captive portal.
func decodeBody(resp *Response, body *httpResult, out any, token string) error {
	err := json.Unmarshal(body.data, out)
	if err == nil {
		return nil
	}
	mediaType, _, _ := mime.ParseMediaType(body.contentType)
	if mediaType != "" && !strings.Contains(mediaType, "json") {
		return fmt.Errorf("expected a JSON response but got Content-Type %q (HTTP %d): is a proxy or captive portal in the way? body starts %q",
			body.contentType, resp.StatusCode, truncate(redactToken(string(body.data), token), 60))
	}
	return fmt.Errorf("decoding JSON response (HTTP %d, %d bytes): %w", resp.StatusCode, len(body.data), err)
}

// fillError copies Miro's error body (REST or SCIM shape) into e.
func fillError(e *Error, resp *Response, body *httpResult, token string) {
	e.StatusCode = resp.StatusCode
	e.RateLimit = resp.RateLimit
	if body == nil {
		return
	}
	var rest struct {
		Code     string `json:"code"`
		Message  string `json:"message"`
		Detail   string `json:"detail"`
		SCIMType string `json:"scimType"`
	}
	if json.Unmarshal(body.data, &rest) == nil {
		e.Code = redactToken(firstNonEmpty(rest.Code, rest.SCIMType), token)
		e.Message = truncate(redactToken(firstNonEmpty(rest.Message, rest.Detail), token), 300)
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
}

// redactToken removes the bearer token from text a server sent back (some
// proxies and error pages echo the Authorization header). It runs before any
// truncation, so not even a prefix of the token survives.
func redactToken(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, "[redacted]")
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
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
