package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// scimPrefix is where the simulator serves SCIM; Miro's OpenAPI document has no SCIM server, so these
// exchanges are counted and skipped.
const scimPrefix = "/api/v1/scim/"

// violation is one way an exchange broke the contract.
type violation struct {
	Step, Method, Path string
	Status             int
	Where              string // route, request, response, error body, rate-limit headers
	Msg                string
}

func (v violation) String() string {
	return fmt.Sprintf("%s %s → %d [%s, during %s]: %s", v.Method, v.Path, v.Status, v.Where, v.Step, v.Msg)
}

// opStats is what one spec operation saw.
type opStats struct {
	calls, requestsOK, responsesOK int
	statuses                       map[int]int
	sources                        map[string]bool
}

// report sums up a validation run.
type report struct {
	ops                map[string]*opStats // "GET /v2/orgs/{org_id}" → stats
	steps              map[string]int      // exchanges per step of the workload
	requests           int                 // requests validated (including those expected to be rejected)
	rejectedAsExpected int                 // deliberately invalid requests the validator rejected
	responses          int                 // responses validated
	errorBodies        int                 // REST error bodies checked against Miro's documented error shape
	scim               int                 // SCIM exchanges (not in the spec): skipped
	violations         []violation
}

// checker validates exchanges against the spec.
type checker struct {
	router routers.Router
	server *url.URL // the spec's server; the simulator serves the REST API at its root the same way
}

func newChecker(doc *openapi3.T) (*checker, error) {
	if len(doc.Servers) == 0 {
		return nil, fmt.Errorf("the spec names no server")
	}
	server, err := url.Parse(strings.TrimRight(doc.Servers[0].URL, "/"))
	if err != nil {
		return nil, fmt.Errorf("the spec's server URL: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &checker{router: router, server: server}, nil
}

// acceptAuth: the contract test checks shapes, not credentials (the simulator checks the token itself).
func acceptAuth(context.Context, *openapi3filter.AuthenticationInput) error { return nil }

func (c *checker) check(ctx context.Context, exs []exchange) *report {
	r := &report{ops: map[string]*opStats{}, steps: map[string]int{}}
	for i := range exs {
		c.checkOne(ctx, &exs[i], r)
	}
	return r
}

func (c *checker) checkOne(ctx context.Context, ex *exchange, r *report) {
	bad := func(where, msg string) {
		r.violations = append(r.violations, violation{Step: ex.Step, Method: ex.Method, Path: ex.URL.Path,
			Status: ex.Status, Where: where, Msg: msg})
	}
	r.steps[ex.Step+" ("+ex.Source+")"]++
	if strings.HasPrefix(ex.URL.Path, scimPrefix) {
		r.scim++
		return
	}
	// The same request as Miro would have received it: the spec's server, the recorded path and query.
	u := *c.server
	u.Path = strings.TrimRight(c.server.Path, "/") + ex.URL.Path
	u.RawPath = ""
	if ex.URL.RawPath != "" {
		u.RawPath = strings.TrimRight(c.server.EscapedPath(), "/") + ex.URL.RawPath
	}
	u.RawQuery = ex.URL.RawQuery
	req, err := http.NewRequestWithContext(ctx, ex.Method, u.String(), bytes.NewReader(ex.ReqBody))
	if err != nil {
		bad("route", err.Error())
		return
	}
	req.Header = ex.ReqHeader.Clone()
	if len(ex.ReqBody) == 0 {
		req.Body = http.NoBody
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		bad("route", "no operation of the spec matches: "+err.Error())
		return
	}
	key := route.Method + " " + route.Path
	st := r.ops[key]
	if st == nil {
		st = &opStats{statuses: map[int]int{}, sources: map[string]bool{}}
		r.ops[key] = st
	}
	st.calls++
	st.statuses[ex.Status]++
	st.sources[ex.Source] = true

	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: acceptAuth, MultiError: true, SkipSettingDefaults: true,
			RejectWhenRequestBodyNotSpecified: true}}
	r.requests++
	err = openapi3filter.ValidateRequest(ctx, in)
	if err == nil {
		err = checkNumericStrings(route, ex.URL.Query())
	}
	switch {
	case ex.BadRequest && err == nil:
		bad("request", "a request made to break the spec was accepted by the validator")
	case ex.BadRequest:
		r.rejectedAsExpected++
		st.requestsOK++
	case err != nil:
		bad("request", oneLine(err))
	default:
		st.requestsOK++
	}

	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: ex.Status,
		Header: ex.RespHeader.Clone(), Body: io.NopCloser(bytes.NewReader(ex.RespBody)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true,
			// A 204 has no body (RFC 9110 §15.3.5), yet the spec declares a JSON object for the board member
			// delete's: its status and content type are checked, not the body it cannot have.
			ExcludeResponseBody: ex.Status == http.StatusNoContent}}
	r.responses++
	respOK := true
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		bad("response", oneLine(err))
		respOK = false
	}
	if ex.Status >= 400 && isJSON(ex.RespHeader) {
		r.errorBodies++
		if msg := checkErrorBody(ex.Status, ex.RespBody); msg != "" {
			bad("error body", msg)
			respOK = false
		}
	}
	// Miro sends the credit headers on every v2 answer (shared/miro-api.md §2.1); the spec declares none.
	if strings.HasPrefix(ex.URL.Path, "/v2/") {
		for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
			if _, err := strconv.ParseInt(ex.RespHeader.Get(h), 10, 64); err != nil {
				bad("rate-limit headers", fmt.Sprintf("%s is %q, want an integer", h, ex.RespHeader.Get(h)))
				respOK = false
			}
		}
	}
	if respOK {
		st.responsesOK++
	}
}

// checkNumericStrings enforces the bounds of query parameters the spec types as strings yet gives a minimum or
// maximum (the boards API's limit and offset: "type": "string", "minimum": 1, "maximum": 50). JSON Schema
// applies numeric bounds to numbers only, so the validator lets any string through; the spec evidently means
// an integer in range, and so does Miro (shared/miro-api.md §4), so that is checked here.
func checkNumericStrings(route *routers.Route, q url.Values) error {
	params := append(openapi3.Parameters{}, route.PathItem.Parameters...)
	params = append(params, route.Operation.Parameters...)
	for _, ref := range params {
		p := ref.Value
		if p == nil || p.In != openapi3.ParameterInQuery || p.Schema == nil || p.Schema.Value == nil {
			continue
		}
		sc := p.Schema.Value
		if sc.Type == nil || !sc.Type.Is(openapi3.TypeString) || (sc.Min == nil && sc.Max == nil) || !q.Has(p.Name) {
			continue
		}
		v := q.Get(p.Name)
		n, err := strconv.ParseInt(v, 10, 64)
		switch {
		case err != nil:
			return fmt.Errorf("query parameter %q: %q is not an integer", p.Name, v)
		case sc.Min != nil && float64(n) < *sc.Min:
			return fmt.Errorf("query parameter %q: %d is below the minimum %v", p.Name, n, *sc.Min)
		case sc.Max != nil && float64(n) > *sc.Max:
			return fmt.Errorf("query parameter %q: %d is above the maximum %v", p.Name, n, *sc.Max)
		}
	}
	return nil
}

func isJSON(h http.Header) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt == "application/json"
}

// checkErrorBody holds a REST error body to Miro's documented shape: {"status": <the HTTP status>, "code":
// "…", "message": "…", "type": "error"} (shared/miro-api.md §3.1). The spec's error schemas type the fields
// but require none of them, so this is checked beside the spec.
func checkErrorBody(status int, body []byte) string {
	var e struct {
		Status  *int    `json:"status"`
		Code    *string `json:"code"`
		Message *string `json:"message"`
		Type    *string `json:"type"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return "not a JSON error object: " + err.Error()
	}
	var problems []string
	if e.Status == nil || *e.Status != status {
		problems = append(problems, fmt.Sprintf("status %v, want %d", deref(e.Status), status))
	}
	if e.Code == nil || *e.Code == "" {
		problems = append(problems, "no code")
	}
	if e.Message == nil || *e.Message == "" {
		problems = append(problems, "no message")
	}
	if e.Type == nil || *e.Type != "error" {
		problems = append(problems, fmt.Sprintf("type %q, want \"error\"", deref(e.Type)))
	}
	return strings.Join(problems, "; ")
}

func deref[T any](p *T) any {
	if p == nil {
		return "absent"
	}
	return *p
}

// oneLine squeezes a validator's (often multi-line, schema-dumping) message into one line of bounded size.
func oneLine(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	// Drop the schema kin-openapi dumps between "Schema:" and "Value:"; the message names the field.
	for {
		i := strings.Index(s, " Schema: ")
		j := strings.Index(s, " Value: ")
		if i < 0 || j < i {
			break
		}
		s = s[:i] + s[j:]
	}
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return s
}

// table renders the per-operation summary.
func (r *report) table() string {
	keys := make([]string, 0, len(r.ops))
	for k := range r.ops {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		pi, pj := strings.SplitN(keys[i], " ", 2)[1], strings.SplitN(keys[j], " ", 2)[1]
		if pi != pj {
			return pi < pj
		}
		return keys[i] < keys[j]
	})
	var b strings.Builder
	fmt.Fprintf(&b, "%-72s %5s %6s %7s  %-22s %s\n", "operation", "calls", "req ok", "resp ok", "statuses", "sent by")
	for _, k := range keys {
		st := r.ops[k]
		codes := make([]int, 0, len(st.statuses))
		for c := range st.statuses {
			codes = append(codes, c)
		}
		slices.Sort(codes)
		var cs []string
		for _, c := range codes {
			cs = append(cs, strconv.Itoa(c))
		}
		var srcs []string
		for s := range st.sources {
			srcs = append(srcs, s)
		}
		slices.Sort(srcs)
		fmt.Fprintf(&b, "%-72s %5d %6d %7d  %-22s %s\n", k, st.calls, st.requestsOK, st.responsesOK,
			strings.Join(cs, " "), strings.Join(srcs, "+"))
	}
	steps := make([]string, 0, len(r.steps))
	for s, n := range r.steps {
		steps = append(steps, fmt.Sprintf("%s %d", s, n))
	}
	slices.Sort(steps)
	fmt.Fprintf(&b, "exchanges by step: %s\n", strings.Join(steps, ", "))
	fmt.Fprintf(&b, "operations covered: %d; requests validated: %d (%d deliberately invalid, rejected as expected); "+
		"responses validated: %d (%d error bodies); SCIM exchanges skipped (not in the spec): %d; violations: %d",
		len(r.ops), r.requests, r.rejectedAsExpected, r.responses, r.errorBodies, r.scim, len(r.violations))
	return b.String()
}
