package miro

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestShareResultDecoding: successful ids arrive as JSON integers (int64 in
// the spec) past float64's precision, or as strings; a fraction is refused.
func TestShareResultDecoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body    string
		ids     []string
		refused map[string]string
		err     bool
	}{
		{`{"successful":[3458764500000000003,3458764517517852417],"failed":[]}`, []string{"3458764500000000003", "3458764517517852417"}, nil, false},
		{`{"successful":["3458764500000000003"]}`, []string{"3458764500000000003"}, nil, false},
		{`{"successful":[],"failed":[{"email":"A@Example.com","reason":"INVITATION_FAILED"}]}`, nil, map[string]string{"a@example.com": "INVITATION_FAILED"}, false},
		{`{"successful":[1.5]}`, nil, nil, true},
		{`{"successful":[1e3]}`, nil, nil, true},
		{`{"successful":[true]}`, nil, nil, true},
	}
	for _, tt := range tests {
		var r ShareResult
		err := json.Unmarshal([]byte(tt.body), &r)
		if (err != nil) != tt.err {
			t.Errorf("%s: error %v, want error %v", tt.body, err, tt.err)
			continue
		}
		if err != nil {
			continue
		}
		var ids []string
		for _, id := range r.Successful {
			ids = append(ids, string(id))
			if !r.Shared(string(id)) {
				t.Errorf("%s: Shared(%s) is false", tt.body, id)
			}
		}
		if !slices.Equal(ids, tt.ids) {
			t.Errorf("%s: ids %v, want %v", tt.body, ids, tt.ids)
		}
		for email, reason := range tt.refused {
			if got, ok := r.Refusal(email); !ok || got != reason {
				t.Errorf("%s: Refusal(%s) = %q %v", tt.body, email, got, ok)
			}
		}
		if _, ok := r.Refusal("someone.else@example.com"); ok {
			t.Errorf("%s: an email not in failed is refused", tt.body)
		}
	}
}

// TestShareBoardEmailLimit: more than MaxShareEmails emails (or none) are
// refused before any request.
func TestShareBoardEmailLimit(t *testing.T) {
	t.Parallel()
	c, err := New(Options{APIURL: "http://127.0.0.1:1", AccessToken: "token"})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, MaxShareEmails + 1} {
		_, resp, err := c.ShareBoard(t.Context(), "uXjV1=", make([]string, n), BoardRoleViewer)
		if err == nil || resp != nil {
			t.Errorf("%d emails: %v, %v; want a refusal before any request", n, resp, err)
		}
	}
}
