package miro

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Credit costs of Miro's rate-limit levels (credits per call).
const (
	Level1 = 50
	Level2 = 100
	Level3 = 500
	Level4 = 2000
)

// Pacer spends Miro's credit budget without being throttled. Miro meters each
// token in credits per window and reports the budget on every response
// (X-RateLimit-Limit, -Remaining, -Reset). The pacer lets calls run while the
// known remaining credits, minus those reserved by calls still in flight, cover
// their cost; when they do not, every caller waits for the announced reset. A
// 429 blocks all callers until its reset, so a throttle costs one wait, shared.
// It is safe for concurrent use.
type Pacer struct {
	mu        sync.Mutex
	limit     int       // credits per window; 0 = not yet known
	remaining int       // credits left in the window; -1 = not yet known
	resetAt   time.Time // end of the current window; zero = not known
	reserved  int       // credits of calls in flight
	blocked   time.Time // after a 429 nobody calls before this instant

	// Urgent calls (see WithUrgency) form one chain of calls, one after another.
	urgentEvery   time.Duration // moving average of the gap between urgent calls that did not wait
	urgentLast    time.Time     // the latest urgent call let through
	urgentCost    int           // its cost
	urgentWaiting int           // urgent callers waiting for credits

	// Margin is added to every wait so clocks that disagree by a little do not
	// turn a reset into a 429.
	Margin time.Duration
	// DefaultWait is used after a 429 that announces no reset.
	DefaultWait time.Duration

	now   func() time.Time
	stats PacerStats

	onWait    func(ctx context.Context, w Wait) // told of long waits (see Options.OnWait)
	announced time.Time                         // the end of the latest wait told to onWait
	blockWhy  string                            // why callers are held until blocked
}

// MaxRateLimitWait bounds how long a 429 holds callers. Miro's credit windows
// last a minute; a reset announced further ahead is not waited for: the call
// that got it fails at once with the announced time (see Client.do), and other
// callers wait at most this long before they learn the same.
const MaxRateLimitWait = 5 * time.Minute

func (p *Pacer) clock() time.Time { return p.now() }

func (p *Pacer) setOnWait(f func(ctx context.Context, w Wait)) {
	p.mu.Lock()
	p.onWait = f
	p.mu.Unlock()
}

// announce returns the wait to tell onWait about, once per wait however many
// callers share it: a wait of at least LongWait ending after the last one told.
func (p *Pacer) announce(wait time.Duration) (Wait, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.onWait == nil || wait < LongWait {
		return Wait{}, false
	}
	until := p.now().Add(wait)
	if !until.After(p.announced.Add(time.Second)) {
		return Wait{}, false
	}
	p.announced = until
	why := p.blockWhy
	if why == "" {
		why = "the credit budget of this window is spent"
	}
	return Wait{For: "Miro's rate-limit reset", Until: until, Why: why}, true
}

// min429Wait is the least a 429 makes every caller wait.
const min429Wait = time.Second

// PacerStats counts what the pacer did.
type PacerStats struct {
	Throttled int           // 429 responses seen
	Waits     int           // distinct waits for a reset (proactive or after a 429)
	Waited    time.Duration // sum of distinct waits
}

// NewPacer returns a pacer that knows nothing of the budget yet.
func NewPacer() *Pacer {
	return &Pacer{remaining: -1, Margin: 100 * time.Millisecond, DefaultWait: 60 * time.Second, now: time.Now}
}

// Stats returns a copy of the counters.
func (p *Pacer) Stats() PacerStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

type urgencyKey struct{}

type singleAttemptKey struct{}

// WithSingleAttempt makes the calls made with ctx give up after one attempt
// that fails transiently: for work done ahead of need, which the caller that
// needs it redoes with the full retry budget.
func WithSingleAttempt(ctx context.Context) context.Context {
	return context.WithValue(ctx, singleAttemptKey{}, true)
}

func isSingleAttempt(ctx context.Context) bool {
	v, _ := ctx.Value(singleAttemptKey{}).(bool)
	return v
}

// WithUrgency marks the calls made with ctx as urgent: a chain of calls, one
// after another, that the rest of the work waits for (the org-member list, whose
// cursor is its last member). While such a chain runs, other calls leave it the
// credits it will spend before the window resets, so a tight budget delays the
// calls that can wait rather than the chain.
func WithUrgency(ctx context.Context) context.Context {
	return context.WithValue(ctx, urgencyKey{}, true)
}

func isUrgent(ctx context.Context) bool {
	v, _ := ctx.Value(urgencyKey{}).(bool)
	return v
}

// Acquire blocks until a call costing cost credits may run, and reserves them.
// The caller must pass the response to Observe (or call Release) afterwards.
func (p *Pacer) Acquire(ctx context.Context, cost int) error {
	urgent := isUrgent(ctx)
	for waited := false; ; waited = true {
		wait := p.tryAcquire(cost, urgent, waited)
		if wait <= 0 {
			return nil
		}
		if w, ok := p.announce(wait); ok {
			p.onWait(ctx, w)
		}
		if urgent {
			p.mu.Lock()
			p.urgentWaiting++
			p.mu.Unlock()
		}
		t := time.NewTimer(wait)
		var err error
		select {
		case <-ctx.Done():
			t.Stop()
			err = ctx.Err()
		case <-t.C:
		}
		if urgent {
			p.mu.Lock()
			p.urgentWaiting--
			p.mu.Unlock()
		}
		if err != nil {
			return err
		}
	}
}

// holdWait is how long a call that yields to an urgent chain waits before it
// asks again.
const holdWait = 20 * time.Millisecond

// tryAcquire reserves cost and returns 0, or returns how long to wait first.
// waited says the caller has waited already in this Acquire.
func (p *Pacer) tryAcquire(cost int, urgent, waited bool) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if now.Before(p.blocked) {
		return p.blocked.Sub(now)
	}
	if !p.resetAt.IsZero() && !now.Before(p.resetAt) {
		// The window has rolled over: the whole budget is back.
		p.resetAt = time.Time{}
		if p.limit > 0 {
			p.remaining = p.limit
		} else {
			p.remaining = -1
		}
	}
	if p.remaining < 0 || p.resetAt.IsZero() {
		// Unknown budget or no known reset: go, and let the response teach us.
		p.reserved += cost
		p.noteGrant(now, cost, urgent, waited)
		return 0
	}
	if free := p.remaining - p.reserved - cost; free >= 0 {
		if !urgent && free < p.urgentNeed(now) {
			return holdWait
		}
		p.reserved += cost
		p.noteGrant(now, cost, urgent, waited)
		return 0
	}
	if p.reserved > 0 {
		// Calls in flight may report a fresher budget (or a reset) soon.
		return 10 * time.Millisecond
	}
	until := p.resetAt.Add(p.Margin)
	if until.After(p.blocked) {
		p.blockWhy = fmt.Sprintf("the credit budget of this window is spent (%d of %d credits left, %d needed)", max(p.remaining, 0), p.limit, cost)
	}
	p.noteWait(until)
	return until.Sub(now)
}

// noteGrant learns the pace of the urgent chain from calls that did not wait.
func (p *Pacer) noteGrant(now time.Time, cost int, urgent, waited bool) {
	if !urgent {
		return
	}
	if gap := now.Sub(p.urgentLast); !waited && !p.urgentLast.IsZero() && gap < urgentIdle {
		if p.urgentEvery == 0 {
			p.urgentEvery = gap
		} else {
			p.urgentEvery += (gap - p.urgentEvery) / 8
		}
	}
	p.urgentLast, p.urgentCost = now, cost
}

// urgentIdle ends an urgent chain that has made no call for this long.
const urgentIdle = time.Second

// urgentNeed is what the urgent chain will spend before the reset at its pace:
// zero when no chain runs, one call's cost until its pace is known.
func (p *Pacer) urgentNeed(now time.Time) int {
	if p.urgentWaiting == 0 && (p.urgentLast.IsZero() || now.Sub(p.urgentLast) >= urgentIdle) {
		return 0
	}
	if p.urgentEvery <= 0 {
		return p.urgentCost
	}
	until := p.resetAt.Sub(now)
	if until <= 0 {
		return p.urgentCost
	}
	calls := int64(until/p.urgentEvery) + 1
	return int(min(calls*int64(p.urgentCost), int64(max(p.limit, p.urgentCost))))
}

// noteWait records a wait until t once, however many callers share it.
func (p *Pacer) noteWait(until time.Time) {
	if until.After(p.blocked) {
		if d := until.Sub(p.now()); d > 0 { // a reset already past holds nobody
			p.stats.Waits++
			p.stats.Waited += d
		}
		p.blocked = until
	}
}

// Release returns the reservation of a call that produced no response.
func (p *Pacer) Release(cost int) {
	p.mu.Lock()
	p.reserved -= cost
	p.mu.Unlock()
}

// Observe releases the reservation and learns the budget from the response's rate-limit data (parsed once,
// by ParseRateLimit).
func (p *Pacer) Observe(cost, statusCode int, rl RateLimit) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reserved -= cost
	if rl.Known {
		limit, remaining, resetAt := int(rl.Limit), int(rl.Remaining), rl.ResetAt
		if limit > 0 {
			p.limit = limit
		}
		switch {
		case resetAt.IsZero():
			p.remaining = remaining
		case p.resetAt.IsZero() || resetAt.After(p.resetAt.Add(500*time.Millisecond)):
			// A new window (or the first we hear of).
			p.resetAt, p.remaining = resetAt, remaining
		case !resetAt.Before(p.resetAt.Add(-500 * time.Millisecond)):
			// The same window: responses can arrive out of order, and the budget only shrinks.
			p.remaining = min(p.remaining, remaining)
		}
	}
	if statusCode == http.StatusTooManyRequests {
		p.stats.Throttled++
		p.remaining = 0
		until := rl.Resume()
		if until.IsZero() {
			until = p.now().Add(p.DefaultWait)
		}
		// A reset already past by our clock, with no wait in force, means the
		// clocks disagree: wait a little anyway rather than hammer a server that
		// just said no. (A 429 of a call that was in flight when the wait began
		// leaves the shared wait as it is.)
		now := p.now()
		if !until.After(now) && !p.blocked.After(now) {
			until = now.Add(min429Wait)
		}
		if until.After(now.Add(MaxRateLimitWait)) {
			until = now.Add(MaxRateLimitWait)
		}
		if until.Add(p.Margin).After(p.blocked) {
			p.blockWhy = "Miro answered HTTP 429 (too many requests)"
		}
		p.noteWait(until.Add(p.Margin))
	}
}
