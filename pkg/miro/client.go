// Package miro is a small typed client of Miro's REST and SCIM APIs: one method
// per endpoint (endpoint.go holds the helpers every endpoint is built from),
// explicit cursor paging, typed errors carrying rate-limit data, and
// credit-aware pacing. It knows nothing of Baton or gRPC.
package miro

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// PageSize is Miro's maximum page size for cursor-paged lists.
const PageSize = 100

// maxBody bounds what we read of one response: a page of 100 members is a few
// tens of kilobytes, so anything near this is not a Miro page.
const maxBody = 32 << 20

// Miro's production base URLs, the defaults of Options.
const (
	DefaultAPIURL  = "https://api.miro.com"
	DefaultSCIMURL = "https://miro.com/api/v1/scim"
)

// Options configure a Client.
type Options struct {
	APIURL      string // default DefaultAPIURL
	SCIMURL     string // default DefaultSCIMURL
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
	usage       usageCounter
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
		o.APIURL = DefaultAPIURL
	}
	if o.SCIMURL == "" {
		o.SCIMURL = DefaultSCIMURL
	}
	api, err := ParseBaseURL(o.APIURL)
	if err != nil {
		return nil, &OptionError{API: REST, Err: err}
	}
	scim, err := ParseBaseURL(o.SCIMURL)
	if err != nil {
		return nil, &OptionError{API: SCIM, Err: err}
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
