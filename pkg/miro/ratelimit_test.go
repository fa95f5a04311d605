package miro

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWaitsForAnnouncedReset: after a 429 the client sends nothing until the
// instant the server announced, then succeeds.
func TestWaitsForAnnouncedReset(t *testing.T) {
	t.Parallel()
	const defaultWait = 150 * time.Millisecond
	tests := []struct {
		name string
		// headers sets the 429's headers and returns the earliest instant the
		// retry may arrive.
		headers func(h http.Header, now time.Time) time.Time
	}{
		{"epoch seconds", func(h http.Header, now time.Time) time.Time {
			reset := now.Unix() + 1
			h.Set("X-RateLimit-Limit", "100000")
			h.Set("X-RateLimit-Remaining", "0")
			h.Set("X-RateLimit-Reset", strconv.FormatInt(reset, 10))
			return time.Unix(reset, 0)
		}},
		{"epoch milliseconds", func(h http.Header, now time.Time) time.Time {
			reset := now.Add(time.Second).UnixMilli()
			h.Set("X-RateLimit-Limit", "100000")
			h.Set("X-RateLimit-Remaining", "0")
			h.Set("X-RateLimit-Reset", strconv.FormatInt(reset, 10))
			return time.UnixMilli(reset)
		}},
		{"seconds until reset", func(h http.Header, now time.Time) time.Time {
			h.Set("X-RateLimit-Limit", "100000")
			h.Set("X-RateLimit-Remaining", "0")
			h.Set("X-RateLimit-Reset", "1")
			return now.Add(time.Second)
		}},
		{"weighted headers", func(h http.Header, now time.Time) time.Time {
			h.Set("X-RateLimit-Limit", "100000;w=60")
			h.Set("X-RateLimit-Remaining", "0;w=60")
			h.Set("X-RateLimit-Reset", "1")
			return now.Add(time.Second)
		}},
		{"Retry-After only", func(h http.Header, now time.Time) time.Time {
			h.Set("Retry-After", "1")
			return now.Add(time.Second)
		}},
		{"Retry-After later than the reset", func(h http.Header, now time.Time) time.Time {
			h.Set("X-RateLimit-Remaining", "0")
			h.Set("X-RateLimit-Reset", "0")
			h.Set("Retry-After", "1")
			return now.Add(time.Second)
		}},
		{"no headers at all", func(_ http.Header, now time.Time) time.Time {
			return now.Add(defaultWait)
		}},
		{"garbage headers", func(h http.Header, now time.Time) time.Time {
			h.Set("X-RateLimit-Remaining", "none")
			h.Set("X-RateLimit-Reset", "soon")
			h.Set("Retry-After", "later")
			return now.Add(defaultWait)
		}},
		{"reset absurdly far ahead", func(h http.Header, now time.Time) time.Time {
			h.Set("X-RateLimit-Remaining", "0")
			h.Set("X-RateLimit-Reset", strconv.FormatInt(now.Add(50*365*24*time.Hour).Unix(), 10))
			return now.Add(defaultWait)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var earliest time.Time
			var s *miroServer
			s = newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) {
				if s.count() == 1 {
					mu.Lock()
					earliest = tt.headers(w.Header(), time.Now())
					mu.Unlock()
					restError(w, http.StatusTooManyRequests, "tooManyRequests", "Rate limit exceeded")
					return
				}
				w.Header().Set("X-RateLimit-Limit", "100000")
				w.Header().Set("X-RateLimit-Remaining", "99950")
				w.Header().Set("X-RateLimit-Reset", "60")
				writeJSON(w, http.StatusOK, map[string]any{"data": []any{map[string]any{"id": "10", "name": "Design"}}})
			})
			c := newTestClient(t, s, func(o *Options) {
				o.Pacer.Margin = 20 * time.Millisecond
				o.Pacer.DefaultWait = defaultWait
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			page, _, err := c.ListTeams(ctx, "1", "")
			if err != nil {
				t.Fatalf("ListTeams: %v", err)
			}
			if len(page.Data) != 1 || page.Data[0].ID != "10" {
				t.Errorf("page = %+v", page)
			}
			if s.count() != 2 {
				t.Fatalf("server saw %d requests, want 2", s.count())
			}
			mu.Lock()
			defer mu.Unlock()
			retry := s.arrival(1)
			if retry.Before(earliest) {
				t.Errorf("retry arrived %v before the announced reset", earliest.Sub(retry))
			}
			if late := retry.Sub(earliest); late > time.Second {
				t.Errorf("retry arrived %v after the announced reset, want promptly", late)
			}
			st := c.Pacer().Stats()
			if st.Throttled != 1 || st.Waits != 1 {
				t.Errorf("pacer stats = %+v, want one throttle and one wait", st)
			}
		})
	}
}

// TestMax429Bounds: a server that never stops throttling ends the call after
// Max429 waits with a clear message.
func TestMax429Bounds(t *testing.T) {
	t.Parallel()
	for _, max429 := range []int{1, 3} {
		t.Run(strconv.Itoa(max429), func(t *testing.T) {
			t.Parallel()
			s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("X-RateLimit-Remaining", "0")
				w.Header().Set("X-RateLimit-Reset", "0")
				restError(w, http.StatusTooManyRequests, "tooManyRequests", "Rate limit exceeded")
			})
			c := newTestClient(t, s, func(o *Options) { o.Max429 = max429 })
			_, _, err := c.ListMembers(context.Background(), "1", "")
			var me *Error
			if !errors.As(err, &me) || me.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("error = %v, want a 429 *Error", err)
			}
			if want := fmt.Sprintf("still throttled after %d waits", max429); !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
			if me.Kind == KindExhausted {
				t.Error("a throttled call is marked Exhausted (Aborted); it should stay retryable")
			}
			if s.count() != max429+1 {
				t.Errorf("server saw %d requests, want %d", s.count(), max429+1)
			}
			if st := c.Pacer().Stats(); st.Throttled != max429+1 {
				t.Errorf("pacer counted %d throttles, want %d", st.Throttled, max429+1)
			}
			assertNoToken(t, err)
		})
	}
}

// TestConcurrent429SharesOneWait: four workers are throttled at once; the
// pacer holds all of them for one shared wait and every call then succeeds.
func TestConcurrent429SharesOneWait(t *testing.T) {
	t.Parallel()
	const workers = 4
	reset := time.Now().Add(time.Second).Unix() + 1 // 1-2 s ahead, in epoch seconds
	arrived := make(chan struct{})
	var once sync.Once
	var s *miroServer
	s = newMiroServer(t, func(w http.ResponseWriter, r *http.Request) {
		n := s.count()
		if n == workers {
			once.Do(func() { close(arrived) })
		}
		if n <= workers {
			// Hold the first requests until all of them are in flight, so all
			// four are throttled by the same window.
			select {
			case <-arrived:
			case <-time.After(5 * time.Second):
				t.Error("the workers' first requests did not overlap")
			}
			w.Header().Set("X-RateLimit-Limit", "100000")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset, 10))
			restError(w, http.StatusTooManyRequests, "tooManyRequests", "Rate limit exceeded")
			return
		}
		if time.Now().Before(time.Unix(reset, 0)) {
			t.Errorf("request %d arrived before the reset", n)
		}
		w.Header().Set("X-RateLimit-Limit", "100000")
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(100000-(n-workers)*Level3))
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset+60, 10))
		writeJSON(w, http.StatusOK, membersPage(nil, member(r.URL.Query().Get("cursor"))))
	})
	c := newTestClient(t, s, func(o *Options) { o.Pacer.Margin = 20 * time.Millisecond })
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, workers)
	pages := make([]*Page[Member], workers)
	for i := range workers {
		wg.Go(func() {
			pages[i], _, errs[i] = c.ListMembers(ctx, "1", "w"+strconv.Itoa(i))
		})
	}
	wg.Wait()
	for i := range workers {
		if errs[i] != nil {
			t.Errorf("worker %d: %v", i, errs[i])
			continue
		}
		if len(pages[i].Data) != 1 || pages[i].Data[0].ID != "w"+strconv.Itoa(i) {
			t.Errorf("worker %d got %+v", i, pages[i])
		}
	}
	st := c.Pacer().Stats()
	if st.Waits != 1 {
		t.Errorf("pacer recorded %d waits, want exactly 1 (stats %+v)", st.Waits, st)
	}
	if st.Throttled != workers {
		t.Errorf("pacer saw %d throttles, want %d", st.Throttled, workers)
	}
	if s.count() != 2*workers {
		t.Errorf("server saw %d requests, want %d", s.count(), 2*workers)
	}
}

// TestPacesBeforeBeingThrottled: with the budget the server announces, the
// client waits for the reset on its own instead of spending a 429.
func TestPacesBeforeBeingThrottled(t *testing.T) {
	t.Parallel()
	const budget = 2 * Level3 // two org-member calls per window
	var mu sync.Mutex
	windowEnd := time.Unix(time.Now().Unix()+2, 0) // 1-2 s ahead
	remaining := budget
	throttled := 0
	s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if now := time.Now(); !now.Before(windowEnd) {
			windowEnd = time.Unix(now.Unix()+60, 0)
			remaining = budget
		}
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(budget))
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(windowEnd.Unix(), 10))
		if remaining < Level3 {
			throttled++
			w.Header().Set("X-RateLimit-Remaining", "0")
			restError(w, http.StatusTooManyRequests, "tooManyRequests", "Rate limit exceeded")
			return
		}
		remaining -= Level3
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		writeJSON(w, http.StatusOK, membersPage(nil, member("1")))
	})
	c := newTestClient(t, s, func(o *Options) { o.Pacer.Margin = 20 * time.Millisecond })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 3 {
		if _, _, err := c.ListMembers(ctx, "1", ""); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if throttled != 0 {
		t.Errorf("server throttled %d calls, want 0", throttled)
	}
	if s.count() != 3 {
		t.Errorf("server saw %d requests, want 3", s.count())
	}
	st := c.Pacer().Stats()
	if st.Waits != 1 || st.Throttled != 0 {
		t.Errorf("pacer stats = %+v, want one proactive wait and no throttle", st)
	}
}
