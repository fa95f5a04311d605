package miro

import (
	"net/http"
	"sync/atomic"
)

// Usage is what a client has asked of Miro so far: what an operator weighs a
// run by (a one-shot run ends with it in its summary line).
type Usage struct {
	Calls int64 // HTTP requests sent, REST and SCIM, every attempt (retries and 429s included)
	// Credits is the REST credits of the requests answered other than 401, 429
	// or 5xx: Miro does not document which answers it charges, and a request
	// that was refused or failed is assumed not charged (as the simulator does).
	Credits   int64
	Throttled int64 // 429 answers, REST and SCIM, as the client's pacers counted them
}

// usageCounter counts a client's requests and the credits they cost; safe
// for concurrent use. 429s are the pacers' count (PacerStats.Throttled).
type usageCounter struct {
	calls, credits atomic.Int64
}

// sent counts one request that left for Miro.
func (u *usageCounter) sent() { u.calls.Add(1) }

// answered counts Miro's answer to a request costing cost credits.
func (u *usageCounter) answered(cost, status int) {
	switch {
	case status == http.StatusTooManyRequests, status == http.StatusUnauthorized, status >= 500:
	default:
		u.credits.Add(int64(cost))
	}
}

// Usage returns what the client has asked of Miro so far.
func (c *Client) Usage() Usage {
	throttled := c.pacer.Stats().Throttled + c.scimPacer.Stats().Throttled
	return Usage{Calls: c.usage.calls.Load(), Credits: c.usage.credits.Load(), Throttled: int64(throttled)}
}
