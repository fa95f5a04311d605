package connector

import (
	"testing"
	"time"

	"github.com/conductorone/baton-miro/pkg/miro"
)

// TestAuditContentMapping: a board shared with a group is a change of the
// board; a project shared with one a change of the project with its team as
// parent (a project without a team in context is skipped, said why); without
// --sync-boards both are skipped, so ConductorOne never asks for a targeted
// sync of a type the connector does not sync.
func TestAuditContentMapping(t *testing.T) {
	at := miro.Time{Time: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	ev := func(name, obj string, team *miro.AuditRef) *miro.AuditEvent {
		return &miro.AuditEvent{ID: "id-" + name, Event: name, CreatedAt: at, Object: miro.AuditRef{ID: obj, Name: "x"},
			Context: miro.AuditContext{Team: team}}
	}
	team := &miro.AuditRef{ID: "77", Name: "Design"}
	on := &auditFeed{conn: &Connector{syncBoards: true}}
	off := &auditFeed{conn: &Connector{}}

	e, _ := on.mapEvent(ev("board_shared_with_group", "b1", team))
	if rc := e.GetResourceChangeEvent(); rc.GetResourceId().GetResourceType() != "board" || rc.GetResourceId().GetResource() != "b1" || rc.GetParentResourceId() != nil {
		t.Errorf("board share: %v", e)
	}
	e, _ = on.mapEvent(ev("project_shared_with_group", "p1", team))
	if rc := e.GetResourceChangeEvent(); rc.GetResourceId().GetResourceType() != "project" || rc.GetResourceId().GetResource() != "p1" ||
		rc.GetParentResourceId().GetResourceType() != "team" || rc.GetParentResourceId().GetResource() != "77" {
		t.Errorf("project share: %v", e)
	}
	if e, why := on.mapEvent(ev("project_shared_with_group", "p1", nil)); e != nil || why == "" {
		t.Errorf("project share without a team: %v (%q)", e, why)
	}
	for _, name := range []string{"board_shared_with_group", "project_shared_with_group"} {
		if e, why := off.mapEvent(ev(name, "x1", team)); e != nil || why == "" {
			t.Errorf("%s without --sync-boards: %v (%q)", name, e, why)
		}
	}
	// Everything else maps as before, with or without boards.
	if e, _ := off.mapEvent(ev("user_deactivated", "u1", nil)); e.GetResourceChangeEvent().GetResourceId().GetResource() != "u1" {
		t.Errorf("user change without --sync-boards: %v", e)
	}
}
