package miro

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Org-role values of an organization member (OrganizationMember.role).
const (
	RoleInternalAdmin = "organization_internal_admin"
	RoleInternalUser  = "organization_internal_user"
	RoleExternalUser  = "organization_external_user"
	RoleTeamGuestUser = "organization_team_guest_user"
	RoleUnknown       = "unknown"
)

// OrgRoles are the org-role values Miro documents, in display order.
var OrgRoles = []string{RoleInternalAdmin, RoleInternalUser, RoleExternalUser, RoleTeamGuestUser, RoleUnknown}

// Licenses are the license values Miro documents (OrganizationMember.license).
var Licenses = []string{"full", "advanced", "standard", "basic", "occasional", "free", "free_restricted", "full_trial", "unknown"}

// PrebuiltAdminRoles are Miro's built-in admin roles (OrganizationMember.adminRoles[].name).
var PrebuiltAdminRoles = []string{"Content Admin", "User Admin", "Security Admin"}

// Team-role values of a team member. TeamRoleGuest is deprecated by Miro but may still be returned.
const (
	TeamRoleMember  = "member"
	TeamRoleAdmin   = "admin"
	TeamRoleNonTeam = "non_team"
	TeamRoleGuest   = "team_guest"
)

// TokenContext is GET /v1/oauth-token: who the token belongs to.
type TokenContext struct {
	Type         string   `json:"type"`
	Organization *Named   `json:"organization,omitempty"`
	Team         *Named   `json:"team,omitempty"`
	User         *Named   `json:"user,omitempty"`
	CreatedBy    *Named   `json:"createdBy,omitempty"`
	Scopes       []string `json:"scopes,omitempty"`
}

// Named is the {id, name, type} object Miro uses for references.
type Named struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
}

// Organization is GET /v2/orgs/{org_id}.
type Organization struct {
	ID                    string `json:"id"`
	Name                  string `json:"name"`
	Plan                  string `json:"plan"`
	FullLicensesPurchased int    `json:"fullLicensesPurchased"`
	Type                  string `json:"type,omitempty"`
}

// AdminRole is one entry of OrganizationMember.adminRoles.
type AdminRole struct {
	Type string `json:"type"` // "prebuilt" or "custom"
	Name string `json:"name"`
}

// Member is an organization member (GET /v2/orgs/{org_id}/members).
type Member struct {
	ID                string      `json:"id"`
	Email             string      `json:"email"`
	Active            bool        `json:"active"`
	Role              string      `json:"role"`
	License           string      `json:"license"`
	LastActivityAt    Time        `json:"lastActivityAt,omitzero"`
	LicenseAssignedAt Time        `json:"licenseAssignedAt,omitzero"`
	AdminRoles        []AdminRole `json:"adminRoles,omitempty"`
}

// Team is a team of the organization.
type Team struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// TeamMember is a membership of a user in a team.
type TeamMember struct {
	ID     string `json:"id"` // the user's id, the same as the org member id
	Role   string `json:"role"`
	TeamID string `json:"teamId,omitempty"`
}

// Page is one page of a cursor-paged list. Cursor is empty on the last page.
type Page[T any] struct {
	Data   []T
	Cursor string
}

// cursorList is Miro's cursor-paged envelope ({"limit","size","cursor","type":"cursor-list","data"}).
type cursorList[T any] struct {
	Data   []T        `json:"data"`
	Cursor flexString `json:"cursor"`
}

// flexString accepts a JSON string, a number or null, because cursors are
// documented as strings but look like numeric ids for org members.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("cursor is neither a string nor a number: %w", err)
		}
		*f = flexString(n.String())
	}
	return nil
}

// Time is a timestamp that tolerates the formats Miro uses: RFC 3339 with or
// without fractions, offsets written without a colon (+0000), and "" for none.
type Time struct{ time.Time }

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05Z0700", "2006-01-02"}

// UnmarshalJSON accepts Miro's timestamp forms. A value it cannot read becomes
// the zero time (as if absent) instead of an error: one odd timestamp must not
// make a whole page of members unreadable and fail the sync.
func (t *Time) UnmarshalJSON(b []byte) error {
	t.Time = time.Time{}
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		// Some APIs send epoch milliseconds.
		if ms, nerr := strconv.ParseInt(string(b), 10, 64); nerr == nil {
			_ = t.set(time.UnixMilli(ms).UTC(), string(b))
		}
		return nil
	}
	if parsed, err := ParseTime(s); err == nil {
		t.Time = parsed
	}
	return nil
}

func (t *Time) set(v time.Time, src string) error {
	if err := checkYear(v, src); err != nil {
		return err
	}
	t.Time = v
	return nil
}

// checkYear refuses instants outside years 0000-9999 (in UTC): RFC 3339 cannot
// write them, so MarshalJSON's output would not parse back.
func checkYear(v time.Time, src string) error {
	if y := v.Year(); y < 0 || y > 9999 {
		return fmt.Errorf("timestamp %s is out of range", truncate(src, 40))
	}
	return nil
}

// MarshalJSON writes RFC 3339, or "" for the zero time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`""`), nil
	}
	return json.Marshal(t.UTC().Format(time.RFC3339Nano))
}

// ParseTime parses a Miro timestamp; "" is the zero time.
func ParseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			if err := checkYear(t.UTC(), strconv.Quote(s)); err != nil {
				return time.Time{}, err
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognized timestamp %q", truncate(s, 40))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
