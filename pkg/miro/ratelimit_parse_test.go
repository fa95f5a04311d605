package miro

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// TestParseRateLimit covers the one parser of an answer's rate-limit headers: every field it fills, the forms
// Miro and the RateLimit draft use, garbage, huge values and Retry-After.
func TestParseRateLimit(t *testing.T) {
	t.Parallel()
	now := t0
	epoch := now.Add(42 * time.Second)
	type hdr struct{ limit, remaining, reset, retryAfter string }
	tests := []struct {
		name string
		h    hdr
		want RateLimit
	}{
		{"epoch seconds", hdr{"100000", "99500", strconv.FormatInt(epoch.Unix(), 10), ""},
			RateLimit{Known: true, Limit: 100000, Remaining: 99500, ResetAt: epoch}},
		{"epoch milliseconds", hdr{"100000", "99500", strconv.FormatInt(epoch.UnixMilli()+250, 10), ""},
			RateLimit{Known: true, Limit: 100000, Remaining: 99500, ResetAt: epoch.Add(250 * time.Millisecond)}},
		{"seconds until reset", hdr{"100000", "0", "42", ""}, RateLimit{Known: true, Limit: 100000, ResetAt: epoch}},
		{"one second until reset", hdr{"100000", "0", "1", ""}, RateLimit{Known: true, Limit: 100000, ResetAt: now.Add(time.Second)}},
		{"zero seconds until reset", hdr{"100000", "0", "0", ""}, RateLimit{Known: true, Limit: 100000, ResetAt: now}},
		{"one hour until reset", hdr{"100000", "0", "3600", ""}, RateLimit{Known: true, Limit: 100000, ResetAt: now.Add(time.Hour)}},
		{"weighted form", hdr{"100000;w=60", "99500;w=60", "42", ""}, RateLimit{Known: true, Limit: 100000, Remaining: 99500, ResetAt: epoch}},
		{"list form", hdr{"500, 500;w=1, 20000;w=60", "499, 499;w=1", "", ""}, RateLimit{Known: true, Limit: 500, Remaining: 499}},
		{"whitespace", hdr{" 100000 ", "\t7 ", " 42 ", " 30 "},
			RateLimit{Known: true, Limit: 100000, Remaining: 7, ResetAt: epoch, RetryAt: now.Add(30 * time.Second)}},
		{"plus sign", hdr{"100000", "+5", "", ""}, RateLimit{Known: true, Limit: 100000, Remaining: 5}},
		{"no limit", hdr{"", "12", "42", ""}, RateLimit{Known: true, Remaining: 12, ResetAt: epoch}},
		{"garbage limit", hdr{"lots", "12", "", ""}, RateLimit{Known: true, Remaining: 12}},
		{"negative limit", hdr{"-1", "12", "", ""}, RateLimit{Known: true, Remaining: 12}},
		{"garbage reset", hdr{"100000", "12", "soon", ""}, RateLimit{Known: true, Limit: 100000, Remaining: 12}},
		{"negative reset", hdr{"100000", "12", "-42", ""}, RateLimit{Known: true, Limit: 100000, Remaining: 12}},
		{"fractional reset", hdr{"100000", "12", "1.5", ""}, RateLimit{Known: true, Limit: 100000, Remaining: 12}},
		{"HTTP-date reset", hdr{"100000", "12", now.Format(http.TimeFormat), ""}, RateLimit{Known: true, Limit: 100000, Remaining: 12}},
		{"reset decades ahead", hdr{"100000", "12", strconv.FormatInt(now.AddDate(30, 0, 0).Unix(), 10), ""}, RateLimit{Known: true, Limit: 100000, Remaining: 12}},
		{"reset in microseconds", hdr{"100000", "12", strconv.FormatInt(epoch.UnixMicro(), 10), ""}, RateLimit{Known: true, Limit: 100000, Remaining: 12}},
		{"reset in nanoseconds", hdr{"100000", "12", strconv.FormatInt(epoch.UnixNano(), 10), ""}, RateLimit{Known: true, Limit: 100000, Remaining: 12}},
		{"reset hours ahead", hdr{"100000", "12", "90000", ""}, RateLimit{Known: true, Limit: 100000, Remaining: 12}},
		{"reset of max int64", hdr{"100000", "12", "9223372036854775807", ""}, RateLimit{Known: true, Limit: 100000, Remaining: 12}},
		{"reset overflowing int64", hdr{"100000", "12", "99999999999999999999", ""}, RateLimit{Known: true, Limit: 100000, Remaining: 12}},
		{"reset without remaining is still the reset", hdr{"", "", "42", ""}, RateLimit{ResetAt: epoch}},
		{"missing remaining", hdr{"100000", "", "42", ""}, RateLimit{Limit: 100000, ResetAt: epoch}},
		{"nothing", hdr{}, RateLimit{}},
		{"negative remaining", hdr{"100000", "-5", "", ""}, RateLimit{Limit: 100000}},
		{"garbage remaining", hdr{"100000", "many", "", ""}, RateLimit{Limit: 100000}},
		{"remaining at 2^31-1", hdr{"2147483647", "2147483647", "", ""}, RateLimit{Known: true, Limit: 2147483647, Remaining: 2147483647}},
		{"remaining beyond 2^31-1", hdr{"100000", "2147483648", "", ""}, RateLimit{Limit: 100000}},
		{"limit beyond 2^31-1", hdr{"99999999999", "12", "", ""}, RateLimit{Known: true, Remaining: 12}},
		{"remaining of max int64", hdr{"9223372036854775807", "9223372036854775807", "", ""}, RateLimit{}},
		{"remaining overflowing int64", hdr{"100000", "99999999999999999999", "", ""}, RateLimit{Limit: 100000}},
		// Retry-After: delay-seconds or an HTTP-date, at most an hour ahead.
		{"Retry-After alone is not a budget", hdr{"", "", "", "30"}, RateLimit{RetryAt: now.Add(30 * time.Second)}},
		{"Retry-After zero", hdr{"", "", "", "0"}, RateLimit{RetryAt: now}},
		{"Retry-After one hour", hdr{"", "", "", "3600"}, RateLimit{RetryAt: now.Add(time.Hour)}},
		{"Retry-After over an hour", hdr{"", "", "", "3601"}, RateLimit{}},
		{"Retry-After negative", hdr{"", "", "", "-1"}, RateLimit{}},
		{"Retry-After fractional", hdr{"", "", "", "1.5"}, RateLimit{}},
		{"Retry-After garbage", hdr{"", "", "", "soon"}, RateLimit{}},
		{"Retry-After of max int64", hdr{"", "", "", "9223372036854775807"}, RateLimit{}},
		{"Retry-After overflowing int64", hdr{"", "", "", "99999999999999999999"}, RateLimit{}},
		{"Retry-After date", hdr{"", "", "", now.Add(90 * time.Second).Format(http.TimeFormat)}, RateLimit{RetryAt: now.Add(90 * time.Second)}},
		{"Retry-After date an hour ahead", hdr{"", "", "", now.Add(time.Hour).Format(http.TimeFormat)}, RateLimit{RetryAt: now.Add(time.Hour)}},
		{"Retry-After date two hours ahead", hdr{"", "", "", now.Add(2 * time.Hour).Format(http.TimeFormat)}, RateLimit{}},
		{"Retry-After date found by the fuzzer", hdr{"", "", "", "Fri, 02 MAY 2027 0:00:00 GMT"}, RateLimit{}},
		{"Retry-After date in the past", hdr{"", "", "", now.Add(-time.Minute).Format(http.TimeFormat)}, RateLimit{RetryAt: now.Add(-time.Minute)}},
		{"reset and Retry-After both kept", hdr{"100000", "0", "42", "9"},
			RateLimit{Known: true, Limit: 100000, ResetAt: epoch, RetryAt: now.Add(9 * time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for k, v := range map[string]string{"X-RateLimit-Limit": tt.h.limit, "X-RateLimit-Remaining": tt.h.remaining,
				"X-RateLimit-Reset": tt.h.reset, "Retry-After": tt.h.retryAfter} {
				if v != "" {
					h.Set(k, v)
				}
			}
			got := ParseRateLimit(h, now)
			if got.Known != tt.want.Known || got.Limit != tt.want.Limit || got.Remaining != tt.want.Remaining ||
				!got.ResetAt.Equal(tt.want.ResetAt) || !got.RetryAt.Equal(tt.want.RetryAt) {
				t.Errorf("ParseRateLimit = %+v\nwant             %+v", got, tt.want)
			}
		})
	}
	// Header names are case-insensitive on the wire.
	h := http.Header{}
	h.Set("x-ratelimit-remaining", "3")
	h.Set("retry-after", "5")
	if got := ParseRateLimit(h, now); !got.Known || got.Remaining != 3 || !got.RetryAt.Equal(now.Add(5*time.Second)) {
		t.Errorf("lower-case headers: %+v", got)
	}
}

// TestRateLimitResume: a throttled caller resumes at the later of the reset and Retry-After, at whichever one
// was announced, and at the zero time when neither was (also for a nil RateLimit).
func TestRateLimitResume(t *testing.T) {
	t.Parallel()
	a, b := t0.Add(5*time.Second), t0.Add(9*time.Second)
	tests := []struct {
		name string
		rl   *RateLimit
		want time.Time
	}{
		{"nil", nil, time.Time{}},
		{"neither", &RateLimit{}, time.Time{}},
		{"reset only", &RateLimit{ResetAt: a}, a},
		{"Retry-After only", &RateLimit{RetryAt: b}, b},
		{"Retry-After later", &RateLimit{ResetAt: a, RetryAt: b}, b},
		{"reset later", &RateLimit{ResetAt: b, RetryAt: a}, b},
	}
	for _, tt := range tests {
		if got := tt.rl.Resume(); !got.Equal(tt.want) {
			t.Errorf("%s: Resume() = %v, want %v", tt.name, got, tt.want)
		}
	}
}
