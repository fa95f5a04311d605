package mirosim

import (
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Faults injects failures. Random faults use their own seeded PRNG so runs repeat.
type Faults struct {
	Rate      float64     // probability [0,1] that a request gets one of Kinds instead of its normal answer
	Kinds     []FaultKind // chosen uniformly; empty = all transient kinds except FaultSlow
	Routes    []string    // only these route names; empty = all
	Seed      int64       // PRNG seed for fault decisions
	SlowDelay time.Duration
	// Malformed is deterministic: route name -> what every successful answer on that route becomes.
	Malformed map[string]Malformation
	// Throttle answers the first Throttle metered REST requests 429 (uncharged), announcing a reset one
	// second away, whatever the credits left: a deterministic throttle.
	Throttle int
}

// FaultKind is one kind of injected failure.
type FaultKind string

// FaultKind values.
const (
	Fault500      FaultKind = "500"
	Fault502      FaultKind = "502"
	Fault503      FaultKind = "503"
	FaultDrop     FaultKind = "drop"     // hijack and close the connection without answering
	FaultTruncate FaultKind = "truncate" // full Content-Length, half the body, then close
	FaultSlow     FaultKind = "slow"     // sleep SlowDelay (respecting the request ctx) before answering
)

// Malformation is a deterministic way to break the answers of one route.
type Malformation string

// Malformation values.
const (
	MalformedJSON            Malformation = "invalid_json"       // 200 with a body that is not JSON
	MalformedHTML            Malformation = "html_200"           // 200, text/html error page
	MalformedContentType     Malformation = "wrong_content_type" // correct JSON body but Content-Type text/plain
	MalformedCursorLoop      Malformation = "cursor_loop"        // later pages return the request's own cursor again
	MalformedEmptyDataCursor Malformation = "empty_data_cursor"  // data [] with a non-empty cursor, forever
	MalformedOverLimit       Malformation = "over_limit"         // page has limit+1 items
	MalformedDuplicates      Malformation = "duplicates"         // pages after the first repeat the previous page's last item
	MalformedHugeStrings     Malformation = "huge_strings"       // the first item's email/name is 1 MiB
)

// transientFaults is used when Faults.Kinds is empty. FaultSlow is left out: it only makes sense against a
// client with a timeout, and at its 30 s default it would stall any run that did not ask for it.
var transientFaults = []FaultKind{Fault500, Fault502, Fault503, FaultDrop, FaultTruncate}

func newFaultRNG(seed int64) *rand.Rand { return rand.New(rand.NewPCG(uint64(seed), 0x6661756c7473)) }

// pickFault decides, from the seeded PRNG, whether this request is faulted and how.
func (s *Server) pickFault(o Options, route string) FaultKind {
	f := o.Faults
	if f.Rate <= 0 || (len(f.Routes) > 0 && !slices.Contains(f.Routes, route)) {
		return ""
	}
	kinds := f.Kinds
	if len(kinds) == 0 {
		kinds = transientFaults
	}
	s.optMu.Lock()
	defer s.optMu.Unlock()
	if s.rng.Float64() >= f.Rate {
		return ""
	}
	return kinds[s.rng.IntN(len(kinds))]
}

const gatewayHTML = `<!DOCTYPE html><html><head><title>%d</title></head><body><h1>%d %s</h1></body></html>`

func (s *Server) fault(c *call, k FaultKind, e endpoint) {
	switch k {
	case Fault500:
		if e.kind == kindSCIM {
			c.scimError(http.StatusInternalServerError, "", "Internal server error")
		} else {
			c.restError(http.StatusInternalServerError, "internalError", "Internal server error")
		}
	case Fault502, Fault503:
		// Gateway errors come from a proxy in front of Miro: HTML, no JSON, no rate-limit headers.
		code, _ := strconv.Atoi(string(k))
		c.w.Header().Set("Content-Type", "text/html; charset=utf-8")
		c.w.WriteHeader(code)
		_, _ = c.w.Write([]byte(strings.NewReplacer("%d", strconv.Itoa(code), "%s", http.StatusText(code)).
			Replace(gatewayHTML)))
	case FaultDrop:
		hangUp(c.w)
	case FaultTruncate:
		rec := &recorder{h: http.Header{}, code: http.StatusOK}
		inner := *c
		inner.w = rec
		s.dispatch(&inner, e)
		body := rec.buf
		maps.Copy(c.w.Header(), rec.h)
		c.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		c.w.WriteHeader(rec.code)
		_, _ = c.w.Write(body[:len(body)/2])
		if f, ok := c.w.(http.Flusher); ok {
			f.Flush()
		}
		hangUp(c.w)
	case FaultSlow:
		if sleepCtx(c.r.Context(), c.opts.Faults.SlowDelay) {
			s.dispatch(c, e)
		}
	default:
		c.restError(http.StatusInternalServerError, "internalError", "unknown fault kind "+string(k))
	}
}

// hangUp closes the client connection without a (complete) answer.
func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // net/http closes the connection and logs nothing
}

// recorder buffers a whole answer so FaultTruncate can send half of it.
type recorder struct {
	h    http.Header
	code int
	buf  []byte
	done bool
}

func (r *recorder) Header() http.Header { return r.h }

func (r *recorder) WriteHeader(code int) {
	if !r.done {
		r.code, r.done = code, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.done = true
	r.buf = append(r.buf, b...)
	return len(b), nil
}
