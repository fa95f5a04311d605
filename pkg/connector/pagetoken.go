package connector

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// pageToken is the page token the syncers hand the SDK: one versioned, typed codec in the event feed's style,
// "p1." and the base64url of its JSON. Whatever a list pages by (Miro's cursor, an offset, a run of member
// pages) and whichever phase of a resource's grants it is in, the token says so in a named field, so no token
// is ever read as another kind. The zero token is "", the first page of the first phase.
type pageToken struct {
	// Phase is the phase of a resource's grants: "" for its members, phaseLinks for its user-group links.
	Phase string `json:"p,omitempty"`
	// Cursor is Miro's cursor of the page.
	Cursor string `json:"c,omitempty"`
	// Offset is the page's offset, for lists Miro pages by offset (a team's boards, a board's members).
	Offset int `json:"o,omitempty"`
	// Pages is a run of that many member pages from Cursor read as one call (attribute grants, fanned out).
	Pages int `json:"n,omitempty"`
}

// phaseLinks is the link phase of a resource's grants (links.go).
const phaseLinks = "links"

// pageTokenPrefix names the codec's version; a token without it is not one this version wrote.
const pageTokenPrefix = "p1."

// String encodes the token; the zero token is "".
func (t pageToken) String() string {
	if t == (pageToken{}) {
		return ""
	}
	b, _ := json.Marshal(t) // plain struct: cannot fail
	return pageTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// parsePageToken decodes a token of this codec; "" is the zero token. Anything else (another version's token,
// a bare cursor, an unknown field, a negative offset or run, an unknown phase) is refused as InvalidArgument
// naming what was being listed: a token the connector did not write must not be guessed at.
func parsePageToken(s, what string) (pageToken, error) {
	var t pageToken
	if s == "" {
		return t, nil
	}
	bad := func(why string) (pageToken, error) {
		return pageToken{}, status.Errorf(codes.InvalidArgument, "listing %s: page token %q is not one this version of the connector wrote (%s)",
			what, truncateRunes(s, 40), why)
	}
	payload, ok := strings.CutPrefix(s, pageTokenPrefix)
	if !ok {
		return bad("no " + pageTokenPrefix + " prefix")
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return bad("not base64url")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil || dec.More() {
		return bad("not its JSON")
	}
	switch {
	case t.Phase != "" && t.Phase != phaseLinks:
		return bad("unknown phase")
	case t.Offset < 0 || t.Pages < 0:
		return bad("negative offset or run")
	case t == (pageToken{}):
		return bad("empty")
	}
	return t, nil
}
