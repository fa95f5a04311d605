package miro

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RateLimit is what one answer said about the token's credit budget. It is parsed once per response
// (ParseRateLimit, in Client.send) and that one value is shared: the pacer learns the budget from it, the retry
// loop learns when a 429 may be retried, and Response and Error carry it to the caller.
type RateLimit struct {
	// Known says X-RateLimit-Remaining was sent and believable: only then do Limit, Remaining and ResetAt
	// describe a budget the pacer can spend.
	Known bool
	// Limit is X-RateLimit-Limit, the credits of a window; 0 when not sent or not believable.
	Limit int64
	// Remaining is X-RateLimit-Remaining, the credits left in the window; 0 when not Known.
	Remaining int64
	// ResetAt is X-RateLimit-Reset: the end of the window. Zero when not sent or not believable (see
	// ParseRateLimit).
	ResetAt time.Time
	// RetryAt is Retry-After: when the server asks to be called again. Zero when not sent or not believable.
	RetryAt time.Time
}

// Resume is when a throttled caller may call again: the later of ResetAt and RetryAt, zero when the answer
// announced neither.
func (rl *RateLimit) Resume() time.Time {
	if rl == nil {
		return time.Time{}
	}
	if rl.RetryAt.After(rl.ResetAt) {
		return rl.RetryAt
	}
	return rl.ResetAt
}

// maxBudget bounds a believable credit count: Miro's budgets are 100,000 credits a minute, so a limit or
// remaining count beyond 2^31-1 is garbage, and refusing it keeps the pacer's arithmetic far from overflow.
const maxBudget = math.MaxInt32

// maxResetAhead bounds how far ahead an announced reset or Retry-After is believed: Miro's windows last a
// minute, so a reset hours away is a misread unit (micro- or nanoseconds) or garbage, and honouring it would
// stall every caller.
const maxResetAhead = time.Hour

// ParseRateLimit reads Miro's rate-limit headers of one answer, at the instant now:
//   - X-RateLimit-Limit and -Remaining: decimal counts, in the RateLimit draft's weighted or list form too
//     ("100000;w=60", "500, 20000;w=60": the first value counts); a negative, malformed or over-2^31-1 value is
//     not believed (Limit 0; Known false for Remaining);
//   - X-RateLimit-Reset: epoch seconds (documented), epoch milliseconds, or seconds until the reset; 0 or less
//     means now;
//   - Retry-After: delay-seconds or an HTTP-date.
//
// A reset or Retry-After more than an hour ahead is not believed (zero).
func ParseRateLimit(h http.Header, now time.Time) RateLimit {
	var rl RateLimit
	if v, ok := headerInt64(h, "X-RateLimit-Remaining"); ok && v <= maxBudget {
		rl.Known, rl.Remaining = true, v
	}
	if v, ok := headerInt64(h, "X-RateLimit-Limit"); ok && v <= maxBudget {
		rl.Limit = v
	}
	if v, ok := headerInt64(h, "X-RateLimit-Reset"); ok {
		rl.ResetAt = resetInstant(v, now)
	}
	rl.RetryAt = parseRetryAfter(h.Get("Retry-After"), now)
	return rl
}

// resetInstant interprets a reset value as an absolute epoch (seconds or milliseconds) when it is large,
// otherwise as seconds from now. It returns the zero time (unknown) for a reset more than maxResetAhead away.
func resetInstant(v int64, now time.Time) time.Time {
	const epoch2001 = 978307200 // anything later than 2001 is an absolute time
	var t time.Time
	switch {
	case v <= 0:
		return now
	case v > epoch2001*1000:
		t = time.UnixMilli(v)
	case v > epoch2001:
		t = time.Unix(v, 0)
	default:
		t = now.Add(time.Duration(v) * time.Second)
	}
	if t.After(now.Add(maxResetAhead)) {
		return time.Time{}
	}
	return t
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP-date, at most maxResetAhead away.
func parseRetryAfter(v string, now time.Time) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 || secs > int64(maxResetAhead/time.Second) {
			return time.Time{}
		}
		return now.Add(time.Duration(secs) * time.Second)
	}
	if t, err := http.ParseTime(v); err == nil {
		if t.After(now.Add(maxResetAhead)) {
			return time.Time{} // as for seconds: a wait this long is garbage
		}
		return t
	}
	return time.Time{}
}

// headerInt64 reads a non-negative decimal header value, tolerating surrounding whitespace and the RateLimit
// draft's weighted and list forms (the first value counts).
func headerInt64(h http.Header, name string) (int64, bool) {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return 0, false
	}
	if i := strings.IndexAny(v, ";, "); i >= 0 {
		v = v[:i]
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
