package miro

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"
)

// FuzzParseRateLimit feeds arbitrary header values to the one rate-limit parser
// and to the pacer: nothing panics, a parsed budget is never negative nor over
// 2^31-1, Resume is the later of reset and Retry-After, and no header can hold
// callers for more than an hour.
func FuzzParseRateLimit(f *testing.F) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	f.Add("100000", "99500", strconv.FormatInt(now.Unix()+42, 10), "")
	f.Add("100000", "0", strconv.FormatInt(now.UnixMilli()+42000, 10), "")
	f.Add("100000", "0", "42", "")
	f.Add("100000;w=60", "99500;w=60", "60", "")
	f.Add("", "", "", "30")
	f.Add("", "0", "", "Fri, 01 May 2026 12:00:30 GMT")
	f.Add("-1", "-1", "-1", "-1")
	f.Add("x", "9223372036854775807", "9223372036854775807", "9223372036854775807")
	f.Add("1e5", " 5 ", "1.5", "")
	f.Fuzz(func(t *testing.T, limit, remaining, reset, retryAfter string) {
		h := http.Header{}
		h["X-Ratelimit-Limit"] = []string{limit}
		h["X-Ratelimit-Remaining"] = []string{remaining}
		h["X-Ratelimit-Reset"] = []string{reset}
		h["Retry-After"] = []string{retryAfter}
		rl := ParseRateLimit(h, now)
		if rl.Limit < 0 || rl.Remaining < 0 || rl.Limit > maxBudget || rl.Remaining > maxBudget {
			t.Fatalf("ParseRateLimit(%q, %q) = limit %d, remaining %d", limit, remaining, rl.Limit, rl.Remaining)
		}
		if !rl.Known && rl.Remaining != 0 {
			t.Fatalf("remaining %q not known but parsed as %d", remaining, rl.Remaining)
		}
		for _, at := range []time.Time{rl.ResetAt, rl.RetryAt, rl.Resume()} {
			if at.After(now.Add(time.Hour)) {
				t.Fatalf("reset %q / Retry-After %q parsed as %v, more than an hour ahead", reset, retryAfter, at)
			}
		}
		if r := rl.Resume(); !r.Equal(rl.ResetAt) && !r.Equal(rl.RetryAt) || r.Before(rl.ResetAt) || r.Before(rl.RetryAt) {
			t.Fatalf("Resume() = %v, not the later of %v and %v", r, rl.ResetAt, rl.RetryAt)
		}
		// Parsing is a pure function of the headers and the instant.
		if again := ParseRateLimit(h, now); again != rl {
			t.Fatalf("two parses differ: %+v, %+v", rl, again)
		}
		// The pacer, throttled or not, never holds a caller longer than an
		// hour plus its default wait and margin, and never negatively.
		for _, code := range []int{200, 429} {
			p := NewPacer()
			p.now = func() time.Time { return now }
			p.Observe(0, code, rl)
			w := p.tryAcquire(Level4, false, false)
			if w < 0 || w > time.Hour+p.DefaultWait+p.Margin {
				t.Fatalf("HTTP %d with headers %v: wait %v", code, h, w)
			}
			if st := p.Stats(); st.Waited < 0 {
				t.Fatalf("HTTP %d with headers %v: waited %v", code, h, st.Waited)
			}
		}
	})
}

// FuzzDecodeMemberPage feeds arbitrary bytes to the member decoders (the
// envelope and the bare array of the emails filter): nothing panics, and what
// decodes re-encodes to JSON that decodes to the same members.
func FuzzDecodeMemberPage(f *testing.F) {
	f.Add([]byte(`{"limit":100,"size":2,"cursor":"3074457345821140946","type":"cursor-list","data":[{"id":"1","email":"a@x.com","active":true,"role":"organization_internal_admin","license":"full","lastActivityAt":"2023-01-01T00:00:00.000Z","adminRoles":[{"type":"prebuilt","name":"Content Admin"}]},{"id":"2"}]}`))
	f.Add([]byte(`[{"id":"1","email":"a@x.com","lastActivityAt":1693560610840},{"id":"2","licenseAssignedAt":"2023-09-01T09:30:10.840+0000"}]`))
	f.Add([]byte(`{"cursor":12345,"data":[]}`))
	f.Add([]byte(`{"cursor":null,"data":null}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[]`))
	f.Add([]byte(` [ {"id":"\u00e9\ud800"} ] `))
	f.Add([]byte(`{"data":[{"id":"1","lastActivityAt":""}]}`))
	f.Add([]byte(`{"data":"x"}`))
	f.Add([]byte(`{"cursor":"c2","data":[{"id":"1","active":"yes"}]}`))
	f.Add([]byte(`{"cursor":"c2","data":[{"id":8,"email":"a@x.com"}]}`))
	f.Add([]byte(`{"cursor":{"x":1},"data":[]}`))
	f.Add([]byte(`{"data":[{"id":null,"email":"a@x.com"},{"id":""}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		members, err := decodeMemberList(data)
		var page cursorList[Member]
		pageErr := json.Unmarshal(data, &page)
		var teams cursorList[TeamMember]
		_ = json.Unmarshal(data, &teams)
		if err == nil {
			checkMemberRoundTrip(t, members)
		}
		if pageErr == nil {
			checkMemberRoundTrip(t, page.Data)
			// A page's cursor survives as a JSON string.
			b, _ := json.Marshal(string(page.Cursor))
			var again flexString
			if err := again.UnmarshalJSON(b); err != nil || again != page.Cursor {
				t.Fatalf("cursor %q did not round-trip: %q, %v", page.Cursor, again, err)
			}
		}
	})
}

func checkMemberRoundTrip(t *testing.T, members []Member) {
	t.Helper()
	b, err := json.Marshal(members)
	if err != nil {
		t.Fatalf("re-encoding %d members: %v", len(members), err)
	}
	again, err := decodeMemberList(b)
	if err != nil {
		t.Fatalf("re-decoding %s: %v", b, err)
	}
	ids := func(ms []Member) []string {
		out := make([]string, 0, len(ms))
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	if !slices.Equal(ids(members), ids(again)) {
		t.Fatalf("ids changed in a round trip: %q -> %q", ids(members), ids(again))
	}
	for i := range members {
		a, b := members[i], again[i]
		if a.Email != b.Email || a.Role != b.Role || a.License != b.License || a.Active != b.Active ||
			!a.LastActivityAt.Equal(b.LastActivityAt.Time) || !a.LicenseAssignedAt.Equal(b.LicenseAssignedAt.Time) ||
			len(a.AdminRoles) != len(b.AdminRoles) {
			t.Fatalf("member %d changed in a round trip: %+v -> %+v", i, a, b)
		}
	}
}

// FuzzTime: ParseTime and Time.UnmarshalJSON never panic, and what they accept
// marshals to JSON that parses back to the same instant.
func FuzzTime(f *testing.F) {
	for _, s := range []string{
		"", "2023-01-01T00:00:00.000Z", "2023-09-01T09:30:10.840+0000", "2023-09-01T09:30:10+0000",
		"2023-09-01T11:30:10.5+02:00", "2024-02-29", "9999-12-31T23:59:59-2359", "0000-01-01T00:00:00+0100",
		"2023-09-01T09:30:10,840Z", "not a time", "1693560610840",
	} {
		f.Add(s, []byte(strconv.Quote(s)))
	}
	f.Add("x", []byte(`1693560610840`))
	f.Add("x", []byte(`-62135596800001`))
	f.Add("x", []byte(`253402300800000`))
	f.Add("x", []byte(`null`))
	f.Add("x", []byte(`9223372036854775807`))
	f.Fuzz(func(t *testing.T, s string, raw []byte) {
		if parsed, err := ParseTime(s); err == nil {
			if !parsed.IsZero() && parsed.Location() != time.UTC {
				t.Fatalf("ParseTime(%q) = %v, not UTC", s, parsed)
			}
			checkTimeRoundTrip(t, Time{parsed}, s)
		}
		var tm Time
		if err := tm.UnmarshalJSON(raw); err == nil {
			checkTimeRoundTrip(t, tm, string(raw))
		}
	})
}

func checkTimeRoundTrip(t *testing.T, tm Time, from string) {
	t.Helper()
	b, err := json.Marshal(tm)
	if err != nil {
		t.Fatalf("Marshal(%v) from %q: %v", tm.Time, from, err)
	}
	var again Time
	if err := json.Unmarshal(b, &again); err != nil {
		t.Fatalf("%q parsed as %v, marshalled as %s, which does not parse: %v", from, tm.Time, b, err)
	}
	if !again.Equal(tm.Time) {
		t.Fatalf("%q parsed as %v, marshalled as %s, re-parsed as %v", from, tm.Time, b, again.Time)
	}
	s, err := strconv.Unquote(string(b))
	if err != nil {
		t.Fatalf("Marshal(%v) = %s, not a JSON string", tm.Time, b)
	}
	if p, err := ParseTime(s); err != nil || !p.Equal(tm.Time) {
		t.Fatalf("ParseTime(%q) = %v, %v; want %v", s, p, err, tm.Time)
	}
}

// FuzzFlexString: the cursor decoder never panics; it yields a JSON string's
// value, "" for null, or a number's literal text, the same directly and inside
// an envelope.
func FuzzFlexString(f *testing.F) {
	for _, s := range []string{`"abc"`, `""`, `null`, `3074457345821140946`, `-1.5e3`, `true`, `{}`, `"\u00e9"`, `"unterminated`, ` 12 `, `01`, `"a\"b"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fs flexString
		err := fs.UnmarshalJSON(b)
		if err != nil {
			return
		}
		trimmed := bytes.TrimSpace(b)
		switch {
		case bytes.Equal(trimmed, []byte("null")):
			if fs != "" {
				t.Fatalf("null decoded as %q", fs)
			}
		case trimmed[0] == '"':
			var want string
			if err := json.Unmarshal(trimmed, &want); err != nil || string(fs) != want {
				t.Fatalf("%s decoded as %q, want %q (%v)", b, fs, want, err)
			}
		default:
			if string(fs) != string(trimmed) {
				t.Fatalf("number %s decoded as %q", b, fs)
			}
			if _, err := strconv.ParseFloat(string(fs), 64); err != nil && !isRangeErr(err) {
				t.Fatalf("number %s decoded as %q, not a number", b, fs)
			}
		}
		// In an envelope (valid JSON only), the decoder agrees with itself.
		if json.Valid(b) {
			var page cursorList[Team]
			env := append(append([]byte(`{"cursor":`), b...), `,"data":[]}`...)
			if err := json.Unmarshal(env, &page); err != nil || page.Cursor != fs {
				t.Fatalf("in an envelope %s decoded as %q, %v; directly as %q", b, page.Cursor, err, fs)
			}
		}
	})
}

func isRangeErr(err error) bool { return errors.Is(err, strconv.ErrRange) }

// FuzzDecodeBody: the client's decoder never panics on a 2xx body, and a body
// it refuses gets an error that names the page, and is either retried (cut
// short, or not JSON at all) or final (the wrong shape), never both.
func FuzzDecodeBody(f *testing.F) {
	for _, b := range []string{
		`{"cursor":"c2","data":[{"id":"1","active":true}]}`,
		`{"cursor":"c2","data":[{"id":"1","active":"yes"}]}`,
		`{"data":[{"id":8,"email":"a@x.com"}]}`,
		`{"data":{"id":"1"}}`,
		`{"cursor":{"x":1},"data":[]}`,
		`{"data":[{"id":"1"`,
		``,
		`<html></html>`,
		`{"data":[{"id":"1"}]} trailing`,
		`{"data":[{"lastActivityAt":12}]}`,
	} {
		f.Add([]byte(b), "application/json")
	}
	f.Add([]byte(`<html></html>`), "text/html")
	f.Fuzz(func(t *testing.T, data []byte, contentType string) {
		var out cursorList[Member]
		retry, err := decodeBody(&Response{StatusCode: 200}, &httpResult{contentType: contentType, data: data}, &out, testToken, "the page at cursor \"c1\"")
		if err == nil {
			if retry {
				t.Fatal("a decoded body asks for a retry")
			}
			return
		}
		if !bytes.Contains([]byte(err.Error()), []byte(`the page at cursor "c1"`)) {
			t.Fatalf("error %q does not name the page", err)
		}
	})
}
