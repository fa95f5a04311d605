package miro

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// fakeClock is the pacer's clock in these tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newFakePacer() (*Pacer, *fakeClock) {
	clk := &fakeClock{t: t0}
	p := NewPacer()
	p.now = clk.now
	p.Margin = 100 * time.Millisecond
	p.DefaultWait = 60 * time.Second
	return p, clk
}

// rl builds X-RateLimit-* headers; "" leaves a header out. reset is an instant
// written as epoch seconds.
// observe hands the pacer a response's headers as Client.send does: parsed once, at the pacer's instant.
func observe(p *Pacer, cost, statusCode int, h http.Header) {
	p.Observe(cost, statusCode, ParseRateLimit(h, p.now()))
}

func rl(limit, remaining string, reset time.Time) http.Header {
	h := http.Header{}
	if limit != "" {
		h.Set("X-RateLimit-Limit", limit)
	}
	if remaining != "" {
		h.Set("X-RateLimit-Remaining", remaining)
	}
	if !reset.IsZero() {
		h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	}
	return h
}

type pacerState struct {
	limit, remaining, reserved int
	resetAt, blocked           time.Time
}

func stateOf(p *Pacer) pacerState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return pacerState{p.limit, p.remaining, p.reserved, p.resetAt, p.blocked}
}

// equal compares states by instant, not by time zone.
func (s pacerState) equal(o pacerState) bool {
	return s.limit == o.limit && s.remaining == o.remaining && s.reserved == o.reserved &&
		s.resetAt.Equal(o.resetAt) && s.blocked.Equal(o.blocked)
}

func wantWait(t *testing.T, p *Pacer, cost int, want time.Duration) {
	t.Helper()
	if got := p.tryAcquire(cost, false, false); got != want {
		t.Fatalf("tryAcquire(%d) wait = %v, want %v (state %+v)", cost, got, want, stateOf(p))
	}
}

func TestPacerArithmetic(t *testing.T) {
	t.Parallel()
	reset := t0.Add(60 * time.Second)
	tests := []struct {
		name string
		run  func(t *testing.T, p *Pacer, clk *fakeClock)
	}{
		{"unknown budget lets every call through", func(t *testing.T, p *Pacer, _ *fakeClock) {
			for range 100 {
				wantWait(t, p, Level4, 0)
			}
			if st := stateOf(p); st.reserved != 100*Level4 || st.remaining != -1 {
				t.Errorf("state = %+v", st)
			}
			if st := p.Stats(); st != (PacerStats{}) {
				t.Errorf("stats = %+v, want none", st)
			}
		}},
		{"the first response teaches the budget", func(t *testing.T, p *Pacer, _ *fakeClock) {
			wantWait(t, p, Level3, 0)
			observe(p, Level3, 200, rl("100000", "99500", reset))
			if st := stateOf(p); !st.equal(pacerState{limit: 100000, remaining: 99500, resetAt: reset}) {
				t.Errorf("state = %+v", st)
			}
		}},
		{"reserved credits count against remaining", func(t *testing.T, p *Pacer, _ *fakeClock) {
			observe(p, 0, 200, rl("1000", "1000", reset))
			wantWait(t, p, 500, 0)
			wantWait(t, p, 500, 0)
			// 1000 remaining, 1000 reserved: a call waits for those in flight.
			wantWait(t, p, 50, 10*time.Millisecond)
			if st := stateOf(p); st.reserved != 1000 {
				t.Errorf("reserved = %d, want 1000", st.reserved)
			}
			p.Release(500) // one call produced no response
			wantWait(t, p, 500, 0)
			observe(p, 500, 200, rl("1000", "500", reset))
			if st := stateOf(p); st.reserved != 500 || st.remaining != 500 {
				t.Errorf("state = %+v, want 500 reserved and 500 remaining", st)
			}
			if st := p.Stats(); st.Waits != 0 {
				t.Errorf("stats = %+v, want no wait while calls are in flight", st)
			}
		}},
		{"exhausted budget with nothing in flight waits for reset plus margin", func(t *testing.T, p *Pacer, clk *fakeClock) {
			clk.advance(10 * time.Second)
			observe(p, 0, 200, rl("100000", "400", reset))
			wantWait(t, p, Level1, 0) // 400 covers 50
			p.Release(Level1)
			wantWait(t, p, Level3, 50*time.Second+100*time.Millisecond)
			// Everybody shares that wait, and it is counted once.
			wantWait(t, p, Level1, 50*time.Second+100*time.Millisecond)
			clk.advance(20 * time.Second)
			wantWait(t, p, Level3, 30*time.Second+100*time.Millisecond)
			if st := p.Stats(); st.Waits != 1 || st.Waited != 50*time.Second+100*time.Millisecond || st.Throttled != 0 {
				t.Errorf("stats = %+v, want one wait of 50.1s", st)
			}
		}},
		{"exact fit is allowed", func(t *testing.T, p *Pacer, _ *fakeClock) {
			observe(p, 0, 200, rl("1000", "500", reset))
			wantWait(t, p, 500, 0)
		}},
		{"window rollover restores the limit", func(t *testing.T, p *Pacer, clk *fakeClock) {
			observe(p, 0, 200, rl("100000", "0", reset))
			wantWait(t, p, Level3, 60*time.Second+100*time.Millisecond)
			clk.advance(60*time.Second + 100*time.Millisecond)
			wantWait(t, p, Level3, 0)
			if st := stateOf(p); st.remaining != 100000 || !st.resetAt.IsZero() || st.reserved != Level3 {
				t.Errorf("state after rollover = %+v", st)
			}
		}},
		{"rollover without a known limit forgets the budget", func(t *testing.T, p *Pacer, clk *fakeClock) {
			observe(p, 0, 200, rl("", "0", reset))
			clk.advance(61 * time.Second)
			wantWait(t, p, Level4, 0)
			if st := stateOf(p); st.remaining != -1 || st.limit != 0 {
				t.Errorf("state = %+v, want an unknown budget", st)
			}
		}},
		{"out-of-order responses in one window only lower remaining", func(t *testing.T, p *Pacer, _ *fakeClock) {
			observe(p, 0, 200, rl("100000", "800", reset))
			observe(p, 0, 200, rl("100000", "900", reset))
			if st := stateOf(p); st.remaining != 800 {
				t.Errorf("remaining = %d, want 800", st.remaining)
			}
			// Reset instants a little apart are the same window.
			h := rl("100000", "950", time.Time{})
			h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.UnixMilli()+400, 10))
			observe(p, 0, 200, h)
			h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.UnixMilli()-400, 10))
			observe(p, 0, 200, h)
			observe(p, 0, 200, rl("100000", "700", reset))
			if st := stateOf(p); st.remaining != 700 || !st.resetAt.Equal(reset) {
				t.Errorf("state = %+v, want 700 remaining in the same window", st)
			}
		}},
		{"a later reset is a new window", func(t *testing.T, p *Pacer, _ *fakeClock) {
			observe(p, 0, 200, rl("100000", "800", reset))
			next := reset.Add(60 * time.Second)
			observe(p, 0, 200, rl("100000", "99500", next))
			if st := stateOf(p); st.remaining != 99500 || !st.resetAt.Equal(next) {
				t.Errorf("state = %+v, want the new window", st)
			}
		}},
		{"a stale response from the previous window is ignored", func(t *testing.T, p *Pacer, _ *fakeClock) {
			observe(p, 0, 200, rl("100000", "800", reset))
			observe(p, 0, 200, rl("100000", "50", reset.Add(-60*time.Second)))
			if st := stateOf(p); st.remaining != 800 || !st.resetAt.Equal(reset) {
				t.Errorf("state = %+v, want the current window untouched", st)
			}
		}},
		{"remaining without a reset is taken as is and never blocks", func(t *testing.T, p *Pacer, _ *fakeClock) {
			observe(p, 0, 200, rl("1000", "0", time.Time{}))
			wantWait(t, p, Level3, 0)
			observe(p, Level3, 200, rl("1000", "900", time.Time{}))
			if st := stateOf(p); st.remaining != 900 {
				t.Errorf("remaining = %d, want 900", st.remaining)
			}
		}},
		{"responses without headers change nothing but the reservation", func(t *testing.T, p *Pacer, _ *fakeClock) {
			observe(p, 0, 200, rl("100000", "800", reset))
			wantWait(t, p, Level1, 0)
			observe(p, Level1, 200, http.Header{})
			if st := stateOf(p); !st.equal(pacerState{limit: 100000, remaining: 800, resetAt: reset}) {
				t.Errorf("state = %+v", st)
			}
		}},
		{"a 429 sets one shared block", func(t *testing.T, p *Pacer, clk *fakeClock) {
			for range 4 {
				wantWait(t, p, Level3, 0)
			}
			for range 4 {
				observe(p, Level3, 429, rl("100000", "0", reset))
			}
			st := p.Stats()
			if st.Throttled != 4 || st.Waits != 1 || st.Waited != 60*time.Second+100*time.Millisecond {
				t.Errorf("stats = %+v, want 4 throttles sharing one 60.1s wait", st)
			}
			if s := stateOf(p); s.reserved != 0 || !s.blocked.Equal(reset.Add(100*time.Millisecond)) || s.remaining != 0 {
				t.Errorf("state = %+v", s)
			}
			wantWait(t, p, Level1, 60*time.Second+100*time.Millisecond)
			clk.advance(30 * time.Second)
			wantWait(t, p, Level1, 30*time.Second+100*time.Millisecond)
			clk.advance(30*time.Second + 100*time.Millisecond)
			wantWait(t, p, Level1, 0)
			if st := p.Stats(); st.Waits != 1 {
				t.Errorf("waits = %d, want 1", st.Waits)
			}
		}},
		{"a 429 with a later reset extends the block", func(t *testing.T, p *Pacer, _ *fakeClock) {
			observe(p, 0, 429, rl("100000", "0", reset))
			observe(p, 0, 429, rl("100000", "0", reset.Add(30*time.Second)))
			wantWait(t, p, Level1, 90*time.Second+100*time.Millisecond)
			if st := p.Stats(); st.Waits != 2 || st.Throttled != 2 {
				t.Errorf("stats = %+v, want two waits", st)
			}
		}},
		{"a 429 with Retry-After only", func(t *testing.T, p *Pacer, _ *fakeClock) {
			observe(p, 0, 429, http.Header{"Retry-After": {"7"}})
			wantWait(t, p, Level1, 7*time.Second+100*time.Millisecond)
		}},
		{"a 429 with an HTTP-date Retry-After", func(t *testing.T, p *Pacer, _ *fakeClock) {
			observe(p, 0, 429, http.Header{"Retry-After": {t0.Add(12 * time.Second).Format(http.TimeFormat)}})
			wantWait(t, p, Level1, 12*time.Second+100*time.Millisecond)
		}},
		{"the later of reset and Retry-After wins", func(t *testing.T, p *Pacer, _ *fakeClock) {
			h := rl("100000", "0", t0.Add(5*time.Second))
			h.Set("Retry-After", "9")
			observe(p, 0, 429, h)
			wantWait(t, p, Level1, 9*time.Second+100*time.Millisecond)
			p2, _ := newFakePacer()
			h = rl("100000", "0", t0.Add(20*time.Second))
			h.Set("Retry-After", "9")
			observe(p2, 0, 429, h)
			wantWait(t, p2, Level1, 20*time.Second+100*time.Millisecond)
		}},
		{"a 429 with absurd Retry-After falls back to the default wait", func(t *testing.T, p *Pacer, _ *fakeClock) {
			observe(p, 0, 429, http.Header{"Retry-After": {"86400"}})
			wantWait(t, p, Level1, 60*time.Second+100*time.Millisecond)
		}},
		{"a 429 with a Retry-After date a year ahead falls back to the default wait", func(t *testing.T, p *Pacer, _ *fakeClock) {
			observe(p, 0, 429, http.Header{"Retry-After": {t0.AddDate(1, 0, 0).Format(http.TimeFormat)}})
			wantWait(t, p, Level1, 60*time.Second+100*time.Millisecond)
		}},
		{"a bare 429 waits DefaultWait", func(t *testing.T, p *Pacer, _ *fakeClock) {
			p.DefaultWait = 3 * time.Second
			observe(p, Level1, 429, http.Header{})
			wantWait(t, p, Level1, 3*time.Second+100*time.Millisecond)
			if st := p.Stats(); st.Waits != 1 || st.Throttled != 1 {
				t.Errorf("stats = %+v", st)
			}
		}},
		{"a 429 whose reset is already past never counts negative waiting", func(t *testing.T, p *Pacer, _ *fakeClock) {
			observe(p, 0, 429, rl("100000", "0", t0.Add(-5*time.Second)))
			if st := p.Stats(); st.Waited < 0 {
				t.Errorf("stats = %+v: negative time waited", st)
			}
			if w := p.tryAcquire(Level1, false, false); w < 0 {
				t.Errorf("wait = %v", w)
			}
		}},
		{"after a 429 the next window starts from the limit", func(t *testing.T, p *Pacer, clk *fakeClock) {
			observe(p, 0, 429, rl("100000", "0", reset))
			clk.advance(61 * time.Second)
			wantWait(t, p, Level3, 0)
			if st := stateOf(p); st.remaining != 100000 {
				t.Errorf("remaining = %d, want the limit", st.remaining)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, clk := newFakePacer()
			tt.run(t, p, clk)
		})
	}
}

// TestPacerAcquireHonoursContext: a caller held by the pacer leaves when its
// context ends, without reserving anything.
// urgentCall lets one urgent call through at the clock's instant and observes
// its response.
func urgentCall(t *testing.T, p *Pacer, cost int, h http.Header) {
	t.Helper()
	if w := p.tryAcquire(cost, true, false); w != 0 {
		t.Fatalf("urgent call waits %v (state %+v)", w, stateOf(p))
	}
	observe(p, cost, 200, h)
}

func TestPacerUrgency(t *testing.T) {
	t.Parallel()
	reset := t0.Add(6 * time.Second)
	tests := []struct {
		name string
		run  func(t *testing.T, p *Pacer, clk *fakeClock)
	}{
		{"others keep clear of what the urgent chain spends before the reset", func(t *testing.T, p *Pacer, clk *fakeClock) {
			// A chain of 500-credit calls every 100 ms: 5,000 credits a second.
			for i, rem := range []string{"99500", "99000", "98500"} {
				if i > 0 {
					clk.advance(100 * time.Millisecond)
				}
				urgentCall(t, p, Level3, rl("100000", rem, reset))
			}
			// 5.8 s to the reset: the chain needs 59 more calls, 29,500 credits;
			// 98,500 remain, so others may spend 69,000 of them.
			for range 690 {
				if w := p.tryAcquire(Level2, false, false); w != 0 {
					t.Fatalf("call within the spare credits waits %v (state %+v)", w, stateOf(p))
				}
			}
			if w := p.tryAcquire(Level2, false, false); w != holdWait {
				t.Fatalf("call into the chain's credits waits %v, want %v", w, holdWait)
			}
			if w := p.tryAcquire(Level3, true, false); w != 0 {
				t.Fatalf("the chain itself waits %v", w)
			}
			if st := p.Stats(); st.Waits != 0 {
				t.Errorf("stats = %+v: yielding to the chain is not a wait for the reset", st)
			}
		}},
		{"as the reset nears the chain needs less", func(t *testing.T, p *Pacer, clk *fakeClock) {
			urgentCall(t, p, Level3, rl("100000", "2500", reset))
			clk.advance(100 * time.Millisecond)
			urgentCall(t, p, Level3, rl("100000", "2000", reset))
			if w := p.tryAcquire(Level2, false, false); w != holdWait {
				t.Fatalf("wait = %v, want %v while the chain needs every credit", w, holdWait)
			}
			clk.advance(5650 * time.Millisecond)
			urgentCall(t, p, Level3, rl("100000", "1500", reset))
			clk.advance(100 * time.Millisecond) // 150 ms left: two more chain calls, 1,000 credits
			if w := p.tryAcquire(Level2, false, false); w != 0 {
				t.Fatalf("wait = %v with credits to spare before the reset", w)
			}
		}},
		{"a chain that stopped calling holds nobody", func(t *testing.T, p *Pacer, clk *fakeClock) {
			urgentCall(t, p, Level3, rl("100000", "2000", reset))
			clk.advance(100 * time.Millisecond)
			urgentCall(t, p, Level3, rl("100000", "1500", reset))
			clk.advance(urgentIdle)
			if w := p.tryAcquire(Level2, false, false); w != 0 {
				t.Fatalf("wait = %v after the chain ended", w)
			}
		}},
		{"a chain waiting for the reset keeps its claim", func(t *testing.T, p *Pacer, clk *fakeClock) {
			urgentCall(t, p, Level3, rl("100000", "2000", reset))
			clk.advance(100 * time.Millisecond)
			urgentCall(t, p, Level3, rl("100000", "1500", reset))
			p.mu.Lock()
			p.urgentWaiting++
			p.mu.Unlock()
			clk.advance(2 * urgentIdle)
			if w := p.tryAcquire(Level2, false, false); w != holdWait {
				t.Fatalf("wait = %v, want %v while the chain waits", w, holdWait)
			}
		}},
		{"a gap that included a wait does not set the pace", func(t *testing.T, p *Pacer, clk *fakeClock) {
			urgentCall(t, p, Level3, rl("100000", "99500", reset))
			clk.advance(100 * time.Millisecond)
			urgentCall(t, p, Level3, rl("100000", "99000", reset))
			clk.advance(3 * time.Second)
			if w := p.tryAcquire(Level3, true, true); w != 0 {
				t.Fatalf("wait = %v", w)
			}
			p.mu.Lock()
			every := p.urgentEvery
			p.mu.Unlock()
			if every != 100*time.Millisecond {
				t.Errorf("pace = %v, want 100ms (the 3 s gap waited)", every)
			}
		}},
		{"before its pace is known the chain keeps one call's credits", func(t *testing.T, p *Pacer, _ *fakeClock) {
			urgentCall(t, p, Level3, rl("100000", "650", reset))
			if w := p.tryAcquire(Level2, false, false); w != 0 {
				t.Fatalf("wait = %v: 650 - 100 leaves the chain its 500", w)
			}
			if w := p.tryAcquire(Level2, false, false); w != holdWait {
				t.Fatalf("wait = %v, want %v", w, holdWait)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, clk := newFakePacer()
			tt.run(t, p, clk)
		})
	}
}

func TestPacerAcquireHonoursContext(t *testing.T) {
	t.Parallel()
	p, _ := newFakePacer()
	observe(p, 0, 429, rl("100000", "0", t0.Add(time.Hour)))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := p.Acquire(ctx, Level1)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Acquire = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Acquire returned after %v", d)
	}
	if st := stateOf(p); st.reserved != 0 {
		t.Errorf("reserved = %d after a cancelled Acquire", st.reserved)
	}
}

// TestPacerAcquireWaitsThenGoes drives Acquire with the real clock.
func TestPacerAcquireWaitsThenGoes(t *testing.T) {
	t.Parallel()
	p := NewPacer()
	p.Margin = 0
	p.DefaultWait = 80 * time.Millisecond
	observe(p, 0, 429, http.Header{})
	start := time.Now()
	if err := p.Acquire(context.Background(), Level1); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 70*time.Millisecond || d > 2*time.Second {
		t.Errorf("Acquire waited %v, want about 80ms", d)
	}
}

// TestPacerConcurrentUse hammers the pacer from many goroutines; run with -race.
func TestPacerConcurrentUse(t *testing.T) {
	t.Parallel()
	p := NewPacer()
	p.Margin = 0
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for j := range 200 {
				if err := p.Acquire(context.Background(), Level1); err != nil {
					t.Error(err)
					return
				}
				h := rl("100000", strconv.Itoa(100000-j*Level1), time.Time{})
				h.Set("X-RateLimit-Reset", "60")
				if (i+j)%7 == 0 {
					p.Release(Level1)
				} else {
					observe(p, Level1, 200, h)
				}
				_ = p.Stats()
			}
		})
	}
	wg.Wait()
	if st := stateOf(p); st.reserved != 0 {
		t.Errorf("reserved = %d after every call finished, want 0", st.reserved)
	}
}
