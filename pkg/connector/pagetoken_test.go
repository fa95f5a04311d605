package connector

import (
	"encoding/base64"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestPageTokenRoundTrip: every kind of token the syncers write decodes to itself, and the zero token is "".
func TestPageTokenRoundTrip(t *testing.T) {
	t.Parallel()
	if s := (pageToken{}).String(); s != "" {
		t.Errorf("zero token = %q, want \"\"", s)
	}
	for _, tok := range []pageToken{
		{Cursor: "3458764513820540928"},
		{Cursor: "a:b/c?d=e%20f"}, // an opaque cursor may hold anything
		{Offset: 50},
		{Cursor: "3458764513820540928", Pages: 10},
		{Phase: phaseLinks},
		{Phase: phaseLinks, Cursor: "l2"},
		{Cursor: strings.Repeat("é", 300)},
	} {
		s := tok.String()
		if !strings.HasPrefix(s, pageTokenPrefix) {
			t.Errorf("%+v encodes as %q, without the %s prefix", tok, s, pageTokenPrefix)
		}
		got, err := parsePageToken(s, "things")
		if err != nil || got != tok {
			t.Errorf("%+v: %q decodes as %+v, %v", tok, s, got, err)
		}
	}
	if got, err := parsePageToken("", "things"); err != nil || got != (pageToken{}) {
		t.Errorf(`"" decodes as %+v, %v`, got, err)
	}
}

// TestPageTokenRefused: a token this version did not write is refused as InvalidArgument naming the list,
// never read as a cursor or offset: the grammars of earlier versions included.
func TestPageTokenRefused(t *testing.T) {
	t.Parallel()
	enc := func(json string) string { return pageTokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(json)) }
	for _, s := range []string{
		"3458764513820540928", // a bare cursor
		"50",                  // a bare offset
		"m:c2", "g:", "g:l2",  // the link phases of earlier versions
		"pages:10:3458764513820540928",   // attribute fan-out of earlier versions
		"page:3458764513820540928",       // and its older form
		"m1.eyJhIjoiMjAyNi0wNS0wMVQxMjo", // the event feed's cursor
		"p1.!!!",                         // not base64url
		enc(`not json`),
		enc(`{"c":"x","z":1}`), // an unknown field
		enc(`{"p":"members"}`), // an unknown phase
		enc(`{"o":-50}`),
		enc(`{"c":"x","n":-1}`),
		enc(`{}`),
		enc(`{"c":"x"}{"c":"y"}`),
		enc(`{"o":"50"}`),
	} {
		_, err := parsePageToken(s, "members of team 7")
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "listing members of team 7") {
			t.Errorf("%q: err %v, want InvalidArgument naming the list", s, err)
		}
	}
}

// FuzzPageToken: no input panics the decoder; what it accepts re-encodes to a token that decodes the same.
func FuzzPageToken(f *testing.F) {
	for _, tok := range []pageToken{{Cursor: "c"}, {Offset: 50}, {Cursor: "c", Pages: 3}, {Phase: phaseLinks, Cursor: "l"}} {
		f.Add(tok.String())
	}
	f.Add("")
	f.Add("p1.")
	f.Add("m:c2")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := parsePageToken(s, "x")
		if err != nil {
			return
		}
		again, err := parsePageToken(tok.String(), "x")
		if err != nil || again != tok {
			t.Fatalf("%q decodes as %+v, which re-decodes as %+v, %v", s, tok, again, err)
		}
		if tok.Offset < 0 || tok.Pages < 0 || (tok.Phase != "" && tok.Phase != phaseLinks) {
			t.Fatalf("%q accepted as %+v", s, tok)
		}
	})
}
