package mirosim

import (
	"context"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options are the server's knobs. Zero values mean the documented defaults.
type Options struct {
	Token         string   // REST OAuth bearer token; default "sim-access-token"
	SCIMToken     string   // SCIM bearer token; default "sim-scim-token"
	Scopes        []string // scopes of Token; nil = all of defaultScopes
	NotAdmin      bool     // token user is not a Company Admin: every /v2/orgs/... call → 403
	NotEnterprise bool     // org is not on Enterprise: every /v2/orgs/... call → 403 (different message)
	Credits       int      // credits per window; default 100000; <0 = unlimited (no 429s, headers still sent)
	// Window is the credit window, default 1 minute. Windows are fixed and aligned to Unix time multiples of
	// Window (a 6 s window resets at epoch seconds divisible by 6).
	Window     time.Duration
	ResetStyle ResetStyle
	RetryAfter bool          // add Retry-After (seconds) on 429
	Latency    time.Duration // added to every response
	Faults     Faults
	Now        func() time.Time // default time.Now
}

func cloneOptions(o Options) Options {
	o.Scopes = slices.Clone(o.Scopes)
	o.Faults.Kinds = slices.Clone(o.Faults.Kinds)
	o.Faults.Routes = slices.Clone(o.Faults.Routes)
	o.Faults.Malformed = maps.Clone(o.Faults.Malformed)
	return o
}

func normalize(o Options) Options {
	if o.Token == "" {
		o.Token = "sim-access-token"
	}
	if o.SCIMToken == "" {
		o.SCIMToken = "sim-scim-token"
	}
	if o.Scopes == nil {
		o.Scopes = slices.Clone(defaultScopes)
	}
	if o.Credits == 0 {
		o.Credits = 100000
	}
	if o.Window <= 0 {
		o.Window = time.Minute
	}
	if o.Faults.SlowDelay <= 0 {
		o.Faults.SlowDelay = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Server is an http.Handler over an in-memory Miro Enterprise org.
type Server struct {
	// mu guards org, emails, nextID and sessionResets; handlers take it through reading and writing
	// (respond.go).
	mu            sync.RWMutex
	org           *Org
	orgID         string            // immutable copy for lock-free path checks
	emails        map[string]string // lower-case email -> member id
	nextID        int64
	sessionResets map[string]int // member id -> sessions resets (sessions.go)

	// optMu guards everything below until mux: the options, the fault PRNG (faults.go), the credit and SCIM
	// windows (limits.go) and the counters. One lock, so a charge, its 429 count and the options it read agree.
	optMu     sync.Mutex
	opts      Options
	rng       *rand.Rand
	rngSeed   int64
	buckets   map[string]*bucket // REST token -> window
	scimBkts  map[string]*bucket // SCIM route -> window
	counts    map[string]int
	n429      int
	forced429 int // 429s of Faults.Throttle sent
	spent     int
	waiting   int // requests inside their latency now
	peakWait  int // most requests inside their latency at once

	mux *http.ServeMux

	audit auditLog // audit.go

	lifeMu  sync.Mutex
	hs      *http.Server
	baseURL string
}

// New returns a server over org, which the server owns from now on.
func New(org *Org, opts Options) *Server {
	if org == nil {
		org = &Org{}
	}
	s := &Server{
		org:           org,
		orgID:         org.ID,
		emails:        make(map[string]string, len(org.Members)),
		sessionResets: map[string]int{},
		buckets:       map[string]*bucket{},
		scimBkts:      map[string]*bucket{},
		counts:        map[string]int{},
	}
	// Paging and lookups rely on sorted data; callers may hand in anything.
	slices.SortStableFunc(org.Members, func(a, b Member) int { return strings.Compare(a.ID, b.ID) })
	slices.SortStableFunc(org.Teams, func(a, b Team) int { return strings.Compare(a.ID, b.ID) })
	for i := range org.Teams {
		slices.SortStableFunc(org.Teams[i].Members, func(a, b TeamMember) int { return strings.Compare(a.UserID, b.UserID) })
	}
	s.nextID = 3458764500000000000
	for _, m := range org.Members {
		s.emails[strings.ToLower(m.Email)] = m.ID
		if v, err := strconv.ParseInt(m.ID, 10, 64); err == nil && v >= s.nextID {
			s.nextID = v + 1
		}
	}
	s.opts = normalize(cloneOptions(opts))
	s.rngSeed = s.opts.Faults.Seed
	s.rng = newFaultRNG(s.rngSeed)
	org.sortContent()
	s.routes()
	return s
}

// SetOptions changes knobs at runtime. f gets a private copy, so requests in flight keep a consistent view.
func (s *Server) SetOptions(f func(*Options)) {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	o := cloneOptions(s.opts)
	f(&o)
	s.opts = normalize(o)
	if s.opts.Faults.Seed != s.rngSeed {
		s.rngSeed = s.opts.Faults.Seed
		s.rng = newFaultRNG(s.rngSeed)
	}
}

// Start listens on 127.0.0.1:0 and serves in the background.
func (s *Server) Start() (string, error) {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.hs != nil {
		return s.baseURL, nil
	}
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	s.hs = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.baseURL = "http://" + ln.Addr().String()
	go func() { _ = s.hs.Serve(ln) }()
	return s.baseURL, nil
}

// Close stops a server started with Start; in-flight requests see their context cancelled.
func (s *Server) Close() {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.hs != nil {
		_ = s.hs.Close()
	}
}

// BaseURL is "http://127.0.0.1:PORT" once started, else "".
func (s *Server) BaseURL() string {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	return s.baseURL
}

// SCIMURL is BaseURL()+"/api/v1/scim".
func (s *Server) SCIMURL() string { return s.BaseURL() + "/api/v1/scim" }

// Org returns a deep copy of the current state.
func (s *Server) Org() *Org {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.org.Clone()
}

// Counts returns route name -> requests received (faulted and 4xx included).
func (s *Server) Counts() map[string]int {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	return maps.Clone(s.counts)
}

// Count returns the number of requests received on route.
func (s *Server) Count(route string) int {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	return s.counts[route]
}

// TotalCount returns the number of requests received on all routes.
func (s *Server) TotalCount() int {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	n := 0
	for _, c := range s.counts {
		n += c
	}
	return n
}

// Status429 returns how many 429 responses were sent (REST and SCIM).
func (s *Server) Status429() int {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	return s.n429
}

// MaxConcurrent returns the most requests that were inside their added latency
// at once: a lower bound of the client's calls in flight that no timing on the
// client's side can inflate (only meaningful with Latency > 0).
func (s *Server) MaxConcurrent() int {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	return s.peakWait
}

// CreditsSpent returns the total REST credits charged.
func (s *Server) CreditsSpent() int {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	return s.spent
}

// ResetCounts zeroes the request, 429 and credit counters (not the rate-limit windows).
func (s *Server) ResetCounts() {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	s.counts = map[string]int{}
	s.n429 = 0
	s.peakWait = 0
	s.spent = 0
}

func (s *Server) begin(route string) Options {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	s.counts[route]++
	return s.opts
}

// latency sleeps for the added latency, counting the requests doing so.
func (s *Server) latency(r *http.Request, d time.Duration) bool {
	s.optMu.Lock()
	s.waiting++
	s.peakWait = max(s.peakWait, s.waiting)
	s.optMu.Unlock()
	ok := sleepCtx(r.Context(), d)
	s.optMu.Lock()
	s.waiting--
	s.optMu.Unlock()
	return ok
}

// sleepCtx waits d unless ctx ends first; it reports whether the request is still wanted.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
