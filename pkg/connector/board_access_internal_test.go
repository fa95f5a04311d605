package connector

import (
	"context"
	"fmt"
	"slices"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"

	"github.com/conductorone/baton-miro/pkg/miro"
)

// TestAccessRoleMapping: every board and project role, share role and
// unknown value maps to the entitlement a sync reports and back.
func TestAccessRoleMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind       accessKind
		role       string // a member's role as Miro reports it
		reported   string
		share      string // the group share role of the slug role ("" = none)
		sharedSlug string // the slug a share of role share is reported as
	}{
		{boardAccess, "viewer", "viewer", "VIEWER", "viewer"},
		{boardAccess, "commenter", "commenter", "COMMENTER", "commenter"},
		{boardAccess, "editor", "editor", "EDITOR", "editor"},
		{boardAccess, "coowner", "coowner", "", ""},
		{boardAccess, "owner", "owner", "", ""},
		{boardAccess, "guest", "viewer", "", ""},
		{projectAccess, "viewer", "viewer", "VIEWER", "viewer"},
		{projectAccess, "commentator", "commentator", "COMMENTER", "commentator"},
		{projectAccess, "editor", "editor", "EDITOR", "editor"},
		{projectAccess, "coowner", "coowner", "", ""},
		{projectAccess, "owner", "owner", "", ""},
		{projectAccess, "commenter", "viewer", "", ""},
	}
	for _, tt := range tests {
		name := tt.kind.noun + "/" + tt.role
		if got := tt.kind.reported(tt.role); got != tt.reported {
			t.Errorf("%s: reported as %q, want %q", name, got, tt.reported)
		}
		share, ok := tt.kind.shareRole(tt.role)
		if share != tt.share || ok != (tt.share != "") {
			t.Errorf("%s: share role %q %v, want %q", name, share, ok, tt.share)
		}
		if tt.share != "" {
			if got := tt.kind.sharedSlug(tt.share); got != tt.sharedSlug {
				t.Errorf("%s: share %s reported as %q, want %q", name, tt.share, got, tt.sharedSlug)
			}
		}
	}
	if got := boardAccess.sharedSlug("OWNER"); got != miro.BoardRoleViewer {
		t.Errorf("an unknown share role is reported as %q, want the sync's fallback viewer", got)
	}
}

// TestClassificationFields: a board's label on its profile, the name and
// recommendation from the org's label of the same id.
func TestClassificationFields(t *testing.T) {
	t.Parallel()
	org := &miro.ClassificationSettings{Enabled: true, Labels: []miro.ClassificationLabel{
		{ID: "1", Name: "Confidential", SharingRecommendation: "ONLY_WITHIN_TEAM"}, {ID: "2", Name: "Public"}}}
	tests := []struct {
		name  string
		label *miro.ClassificationLabel
		want  map[string]any
	}{
		{"none", nil, map[string]any{"classified": false}},
		{"no id", &miro.ClassificationLabel{Name: "ghost"}, map[string]any{"classified": false}},
		{"org name wins", &miro.ClassificationLabel{ID: "1", Name: "old name"}, map[string]any{"classified": true,
			"classification_label_id": "1", "classification_label": "Confidential", "classification_sharing_recommendation": "ONLY_WITHIN_TEAM"}},
		{"board recommendation kept", &miro.ClassificationLabel{ID: "2", SharingRecommendation: "NO_SHARING_RESTRICTIONS"},
			map[string]any{"classified": true, "classification_label_id": "2", "classification_label": "Public",
				"classification_sharing_recommendation": "NO_SHARING_RESTRICTIONS"}},
		{"unknown to the org", &miro.ClassificationLabel{ID: "9", Name: "Secret"}, map[string]any{"classified": true,
			"classification_label_id": "9", "classification_label": "Secret"}},
		{"unknown, nameless", &miro.ClassificationLabel{ID: "9"}, map[string]any{"classified": true, "classification_label_id": "9"}},
	}
	for _, tt := range tests {
		if got := classificationFields(context.Background(), org, tt.label); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestAccessEntitlementsGrantableTo: the roles Miro shares with user groups
// are grantable to user groups as well as users; the others to users only.
func TestAccessEntitlementsGrantableTo(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		noun   string
		table  *roleTable
		groups []string // slugs grantable to user groups
	}{
		{"board", boardRoles, []string{"viewer", "commenter", "editor"}},
		{"project", projectRoles, []string{"viewer", "commentator", "editor"}},
		{"team", teamRoles, nil},
	} {
		r := &v2.Resource{Id: &v2.ResourceId{ResourceType: tt.noun, Resource: "1"}, DisplayName: "X"}
		for _, e := range tt.table.entitlements(r) {
			var to []string
			for _, rt := range e.GetGrantableTo() {
				to = append(to, rt.GetId())
			}
			want := []string{"user"}
			if slices.Contains(tt.groups, e.GetSlug()) {
				want = append(want, "user_group")
			}
			if !slices.Equal(to, want) {
				t.Errorf("%s %s: grantable to %v, want %v", tt.noun, e.GetSlug(), to, want)
			}
		}
	}
}
