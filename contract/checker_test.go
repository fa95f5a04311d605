package contract

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCheckerCatches feeds the checker exchanges that break the contract in known ways, so a checker that
// silently passes everything (a missed route, a skipped body) cannot make TestContract green.
func TestCheckerCatches(t *testing.T) {
	doc, _ := requireSpec(t)
	chk, err := newChecker(doc)
	if err != nil {
		t.Fatal(err)
	}
	jsonH := http.Header{"Content-Type": {"application/json"}, "X-Ratelimit-Limit": {"100000"},
		"X-Ratelimit-Remaining": {"99950"}, "X-Ratelimit-Reset": {"1767225600"}}
	ex := func(method, target string, status int, body string) exchange {
		u, err := url.Parse(target)
		if err != nil {
			t.Fatal(err)
		}
		return exchange{Step: "control", Source: "raw", Method: method, URL: u, ReqHeader: http.Header{},
			Status: status, RespHeader: jsonH.Clone(), RespBody: []byte(body)}
	}
	const org = "/v2/orgs/3074457345000000001"
	cases := []struct {
		name  string
		ex    exchange
		where string
		want  string
	}{
		{"off-spec team role", ex("GET", org+"/teams/1/members", 200,
			`{"limit":100,"size":1,"type":"cursor-list","data":[{"id":"1","teamId":"1","role":"team_guest"}]}`),
			"response", "team_guest"},
		{"missing required field", ex("GET", org, 200, `{"id":"1","name":"Acme","fullLicensesPurchased":5}`),
			"response", "plan"},
		{"bare array where an object is due", ex("GET", org+"/teams", 200, `[]`), "response", "schema"},
		{"undeclared status", ex("GET", org+"/teams", 418, `{"status":418,"code":"teapot","message":"no","type":"error"}`),
			"response", "status is not supported"},
		{"error body with the wrong status", ex("GET", org+"/members/1", 404,
			`{"status":400,"code":"notFound","message":"gone","type":"error"}`), "error body", "status 400, want 404"},
		{"limit over the maximum", ex("GET", org+"/members?limit=101", 200, `[]`), "request", "limit"},
		{"board limit over the string maximum", ex("GET", "/v2/boards?limit=51", 200, `{"data":[]}`), "request", "limit"},
		{"undocumented path", ex("GET", "/v2/orgs/1/nothing", 404, `{}`), "route", "no operation"},
		{"board group role in lower case", ex("GET", org+"/boards/uXjV1=/groups", 200,
			`{"limit":100,"size":1,"type":"cursor-list","data":[{"id":"1","role":"editor"}]}`), "response", "editor"},
		{"team settings value off the enum", ex("GET", org+"/teams/1/settings", 200,
			`{"teamSharingPolicySettings":{"sharingViaPublicLink":"public"}}`), "response", "public"},
		{"missing rate-limit headers", func() exchange {
			e := ex("GET", org+"/teams", 200, `{"limit":100,"size":0,"data":[]}`)
			e.RespHeader.Del("X-Ratelimit-Reset")
			return e
		}(), "rate-limit headers", "X-RateLimit-Reset"},
		{"body that breaks an enum in a request", func() exchange {
			e := ex("POST", org+"/teams/1/members", 201, `{"id":"1","teamId":"1","role":"member"}`)
			e.ReqHeader.Set("Content-Type", "application/json")
			e.ReqBody = []byte(`{"email":"a@example.com","role":"team_guest"}`)
			return e
		}(), "request", "team_guest"},
	}
	for _, c := range cases {
		rep := chk.check(context.Background(), []exchange{c.ex})
		found := false
		for _, v := range rep.violations {
			if v.Where == c.where && strings.Contains(v.Msg, c.want) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: want a %s violation mentioning %q, got %v", c.name, c.where, c.want, rep.violations)
		}
	}
}
