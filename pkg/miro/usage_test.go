package miro

import (
	"context"
	"net/http"
	"testing"
)

// TestUsage: every request sent is a call; only answers Miro charges add
// credits; each 429 is counted.
func TestUsage(t *testing.T) {
	t.Parallel()
	page := membersPage("", member("11"))
	tests := []struct {
		name    string
		answers []int // status of each answer, in order; the last one ends the call
		want    Usage
	}{
		{"one page", []int{200}, Usage{Calls: 1, Credits: Level3}},
		{"throttled, then a page", []int{429, 200}, Usage{Calls: 2, Credits: Level3, Throttled: 1}},
		{"server errors are retried and not charged", []int{503, 500, 200}, Usage{Calls: 3, Credits: Level3}},
		{"refused token", []int{401}, Usage{Calls: 1}},
		{"missing scope", []int{403}, Usage{Calls: 1, Credits: Level3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var s *miroServer
			s = newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) {
				switch status := tc.answers[s.count()-1]; status {
				case http.StatusOK:
					writeJSON(w, status, page)
				case http.StatusTooManyRequests:
					w.Header().Set("X-RateLimit-Remaining", "0")
					w.Header().Set("X-RateLimit-Reset", "0")
					restError(w, status, "tooManyRequests", "Rate limit exceeded")
				default:
					restError(w, status, "someError", "no")
				}
			})
			c := newTestClient(t, s)
			_, _, _ = c.ListMembers(context.Background(), "1", "")
			if got := c.Usage(); got != tc.want {
				t.Errorf("usage %+v, want %+v", got, tc.want)
			}
			if s.count() != len(tc.answers) {
				t.Errorf("server saw %d requests, want %d", s.count(), len(tc.answers))
			}
		})
	}
}
