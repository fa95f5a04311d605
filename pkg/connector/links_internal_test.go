package connector

import (
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
)

// TestWithLinkPhase: the page tokens a resumed sync hands back reach the
// phase that issued them: member cursors (prefixed, or bare from before
// phases existed) the member lister, link cursors the link lister; the last
// member page leads to the link phase only when links are wanted.
func TestWithLinkPhase(t *testing.T) {
	for _, tc := range []struct {
		token, membersNext     string
		wanted                 bool
		wantMembers, wantLinks string // the cursor each lister got; "-" = not called
		wantNext               string
	}{
		{"", "c2", true, "", "-", "m:c2"},
		{"m:c2", "", true, "c2", "-", "g:"},
		{"m:c2", "", false, "c2", "-", ""},
		{"c2", "", true, "c2", "-", "g:"}, // a bare cursor from an older version
		{"50", "100", true, "50", "-", "m:100"},
		{"g:", "", true, "-", "", "g:l2"},
		{"g:l2", "", true, "-", "l2", "g:l2"},
	} {
		gotMembers, gotLinks := "-", "-"
		_, res, err := withLinkPhase(tc.token, func() (bool, error) { return tc.wanted, nil },
			func(cursor string) ([]*v2.Grant, *rs.SyncOpResults, error) {
				gotMembers = cursor
				return nil, &rs.SyncOpResults{NextPageToken: tc.membersNext}, nil
			},
			func(cursor string) ([]*v2.Grant, *rs.SyncOpResults, error) {
				gotLinks = cursor
				return nil, &rs.SyncOpResults{NextPageToken: "g:l2"}, nil
			})
		if err != nil || gotMembers != tc.wantMembers || gotLinks != tc.wantLinks || res.NextPageToken != tc.wantNext {
			t.Errorf("token %q: members got %q, links got %q, next %q (%v); want %q, %q, %q",
				tc.token, gotMembers, gotLinks, res.NextPageToken, err, tc.wantMembers, tc.wantLinks, tc.wantNext)
		}
	}
}
