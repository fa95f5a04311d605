package connector

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
)

// TestWithLinkPhase: the page tokens a resumed sync hands back reach the
// phase that issued them: member cursors the member lister, link cursors the
// link lister; the last member page leads to the link phase only when links
// are wanted; a token of an older grammar ("m:c2", a bare cursor) is refused.
func TestWithLinkPhase(t *testing.T) {
	members := func(c string) string { return pageToken{Cursor: c}.String() }
	links := func(c string) string { return pageToken{Phase: phaseLinks, Cursor: c}.String() }
	for _, tc := range []struct {
		token, membersNext     string
		wanted                 bool
		wantMembers, wantLinks string // the cursor each lister got; "-" = not called
		wantNext               string
		wantErr                bool
	}{
		{"", "c2", true, "", "-", members("c2"), false},
		{members("c2"), "", true, "c2", "-", links(""), false},
		{members("c2"), "", false, "c2", "-", "", false},
		{members("50"), "100", true, "50", "-", members("100"), false},
		{links(""), "", true, "-", "", links("l2"), false},
		{links("l2"), "", true, "-", "l2", links("l2"), false},
		{"m:c2", "", true, "-", "-", "", true}, // the prefixed grammar of earlier versions
		{"g:l2", "", true, "-", "-", "", true},
		{"c2", "", true, "-", "-", "", true}, // a bare cursor
	} {
		gotMembers, gotLinks := "-", "-"
		_, res, err := withLinkPhase(tc.token, func() (bool, error) { return tc.wanted, nil },
			func(cursor string) ([]*v2.Grant, *rs.SyncOpResults, error) {
				gotMembers = cursor
				return nil, &rs.SyncOpResults{NextPageToken: tc.membersNext}, nil
			},
			func(cursor string) ([]*v2.Grant, *rs.SyncOpResults, error) {
				gotLinks = cursor
				return nil, &rs.SyncOpResults{NextPageToken: links("l2")}, nil
			})
		if tc.wantErr {
			if err == nil || status.Code(err) != codes.InvalidArgument || gotMembers != "-" || gotLinks != "-" {
				t.Errorf("token %q: err %v, members got %q, links got %q; want InvalidArgument and no call", tc.token, err, gotMembers, gotLinks)
			}
			continue
		}
		if err != nil {
			t.Errorf("token %q: %v", tc.token, err)
			continue
		}
		if gotMembers != tc.wantMembers || gotLinks != tc.wantLinks || res.NextPageToken != tc.wantNext {
			t.Errorf("token %q: members got %q, links got %q, next %q; want %q, %q, %q",
				tc.token, gotMembers, gotLinks, res.NextPageToken, tc.wantMembers, tc.wantLinks, tc.wantNext)
		}
	}
}

// TestWithLinkPhaseOffsets: members paged by offset (a board's) get the offset
// of their token, and the link phase follows their last page.
func TestWithLinkPhaseOffsets(t *testing.T) {
	var got []int
	tok := ""
	for range 4 {
		_, res, err := withLinkPhaseTok(tok, func() (bool, error) { return true, nil },
			func(pt pageToken) ([]*v2.Grant, *rs.SyncOpResults, error) {
				got = append(got, pt.Offset)
				return nil, &rs.SyncOpResults{NextPageToken: offsetToken(map[int]int{0: 50, 50: 100, 100: -1}[pt.Offset])}, nil
			},
			func(string) ([]*v2.Grant, *rs.SyncOpResults, error) {
				got = append(got, -1)
				return nil, &rs.SyncOpResults{}, nil
			})
		if err != nil {
			t.Fatal(err)
		}
		if tok = res.NextPageToken; tok == "" {
			break
		}
	}
	if want := []int{0, 50, 100, -1}; !slices.Equal(got, want) {
		t.Errorf("offsets %v, want %v (then the link phase)", got, want)
	}
}
