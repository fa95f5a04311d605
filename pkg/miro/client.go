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
	"reflect"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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
	// OnWait is told of every wait longer than LongWait (a rate-limit reset, a
	// retry's backoff, an answer slow to arrive), once per wait, so the caller
	// can log it. It may be called from another goroutine. Nil = not told.
	OnWait func(ctx context.Context, w Wait)
}

// LongWait is how long a wait may last before OnWait hears of it.
const LongWait = 5 * time.Second

// Wait is one wait of the client longer than LongWait.
type Wait struct {
	For   string    // what is awaited, e.g. "Miro's rate-limit reset"
	Call  string    // the call that waits ("GET /v2/orgs/1/members"), "" for a wait shared by all calls
	Until time.Time // when the wait ends at the latest; zero = no bound known
	Why   string    // what caused it, e.g. "HTTP 503 (attempt 2 of 8)"
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
	onWait      func(ctx context.Context, w Wait)
	// afterFunc and sleep are time.AfterFunc and a context-aware sleep;
	// tests replace them to observe waits without spending them.
	afterFunc func(d time.Duration, f func()) (stop func() bool)
	sleep     func(ctx context.Context, d time.Duration) error
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
	// Tokens read from secret files often end in a newline: surrounding
	// whitespace is never part of a token. Inner whitespace or control
	// characters are refused when a call is made (see ValidToken).
	o.AccessToken, o.SCIMToken = strings.TrimSpace(o.AccessToken), strings.TrimSpace(o.SCIMToken)
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
	// Miro's API does not redirect. Following a redirect would carry the
	// Authorization header wherever the server points (Go keeps it for the
	// same host, even from https:// to http://, or to another port), so none
	// is followed: the 3xx itself comes back and the call fails (see do).
	hc := *c.http
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.http = &hc
	c.onWait, c.afterFunc, c.sleep = o.OnWait, realAfterFunc, sleep
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
	if c.onWait != nil {
		c.pacer.setOnWait(c.onWait)
		c.scimPacer.setOnWait(c.onWait)
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
	retryAt    time.Time // of a 429: the announced reset (zero = none)
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
			now := c.pacer.clock()
			if ahead := resp.retryAt.Sub(now); ahead > MaxRateLimitWait {
				// Waiting this long in silence looks like a hang, and Miro's
				// windows last a minute: say when to come back instead.
				miroErr.ResetTooFar = true
				miroErr.Message += fmt.Sprintf(" (Miro's rate limit resets at %s, %s from now, more than the %s this connector waits for a reset: run it again after then)",
					resp.retryAt.UTC().Format(time.RFC3339), ahead.Round(time.Second), MaxRateLimitWait)
				return resp, miroErr
			}
			if throttles <= c.max429 {
				continue // the pacer now holds every caller until the reset
			}
			miroErr.Message += fmt.Sprintf(" (still throttled after %d waits for the rate-limit reset)", throttles-1)
			return resp, miroErr
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			miroErr.StatusCode = resp.StatusCode
			miroErr.Redirect = true
			miroErr.Message = fmt.Sprintf("the server answered with a redirect to %s; redirects are not followed, so the token never travels to another address "+
				"(Miro's API does not redirect: check the base URL)", redirectTarget(body.location, token))
			return resp, miroErr
		case body.tooLarge:
			miroErr.StatusCode = resp.StatusCode
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
			miroErr.Malformed = !retry
			transient = retry
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

// ErrInvalidID is returned, before any request, for an id that is not a plain
// Miro id: empty, "." or "..", or holding a control character. Such an id would
// address another resource (a server resolves "/members/.." to the org itself).
var ErrInvalidID = errors.New("not a Miro id")

// ErrInvalidToken is returned, before any request, for a token holding
// whitespace or a control character.
var ErrInvalidToken = errors.New("invalid token")

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
	if hr.StatusCode == http.StatusTooManyRequests {
		now := pacer.clock()
		_, _, resetAt, _ := ParseRateLimit(hr.Header, now)
		if ra := parseRetryAfter(hr.Header, now); ra.After(resetAt) {
			resetAt = ra
		}
		resp.retryAt = resetAt
	}
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

// decodeBody decodes a 2xx JSON body. A wrong Content-Type alone is tolerated
// (the body decides); a body that is not JSON gets a message that names the
// content type, since an HTML page usually means a proxy or captive portal.
// retry says whether trying again may help: yes for a body cut short and for a
// page that is not JSON at all (a proxy's page comes and goes), no for JSON of
// the wrong shape (a string where Miro documents a boolean, say), which the
// same server will send again. page names the page of a list call ("" else).
func decodeBody(resp *Response, body *httpResult, out any, token, page string) (retry bool, err error) {
	err = json.Unmarshal(body.data, out)
	if err == nil {
		return false, nil
	}
	of := ""
	if page != "" {
		of = " of " + page
	}
	mediaType, _, _ := mime.ParseMediaType(body.contentType)
	if mediaType != "" && !strings.Contains(mediaType, "json") {
		return true, fmt.Errorf("expected a JSON response%s but got Content-Type %q (HTTP %d): is a proxy or captive portal in the way? body starts %q",
			of, body.contentType, resp.StatusCode, truncate(redactToken(string(body.data), token), 60))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset >= int64(len(bytes.TrimRight(body.data, " \t\r\n"))) || len(bytes.TrimSpace(body.data)) == 0 {
		// Cut short: the rest may arrive next time.
		return true, fmt.Errorf("decoding JSON response%s (HTTP %d, %d bytes): %w", of, resp.StatusCode, len(body.data), err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return false, fmt.Errorf("decoding JSON response%s (HTTP %d, %d bytes): malformed: field %q%s is a JSON %s where Miro documents %s",
			of, resp.StatusCode, len(body.data), te.Field, describeItem(body.data, out), te.Value, te.Type)
	}
	return false, fmt.Errorf("decoding JSON response%s (HTTP %d, %d bytes): malformed: %s", of, resp.StatusCode, len(body.data),
		truncate(redactToken(err.Error(), token), 200))
}

// describeItem names the list item that failed to decode, when out is a
// cursor-paged envelope: its position in data and its id and email, if it has
// them ("" when it cannot tell).
func describeItem(data []byte, out any) string {
	t := reflect.TypeOf(out)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return ""
	}
	f, ok := t.Elem().FieldByName("Data")
	if !ok || f.Type.Kind() != reflect.Slice {
		return ""
	}
	var env struct {
		Data []json.RawMessage `json:"data"`
	}
	if json.Unmarshal(data, &env) != nil {
		return ""
	}
	for i, raw := range env.Data {
		if json.Unmarshal(raw, reflect.New(f.Type.Elem()).Interface()) == nil {
			continue
		}
		var named struct {
			ID    json.RawMessage `json:"id"`
			Email any             `json:"email"`
		}
		s := fmt.Sprintf(" of item %d", i+1)
		if json.Unmarshal(raw, &named) == nil {
			if len(named.ID) > 0 {
				s += " (id " + truncate(string(named.ID), 40)
				if e, ok := named.Email.(string); ok && e != "" {
					s += ", email " + truncate(e, 80)
				}
				s += ")"
			} else if e, ok := named.Email.(string); ok && e != "" {
				s += " (email " + truncate(e, 80) + ")"
			}
		}
		return s
	}
	return ""
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
