package connector

import (
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"

	"github.com/conductorone/baton-miro/pkg/miro"
)

// projectChangeEvent is a change event of the project an audit-log entry names
// (object), with its team (context.team) as the parent: a project lives under
// its team, and a targeted sync of a project needs that parent to read it.
func projectChangeEvent(ev *v2.Event, ae *miro.AuditEvent) (*v2.Event, string) {
	if ae.Context.Team == nil || ae.Context.Team.ID == "" {
		return nil, "project change without a team"
	}
	ev, reason := changeEvent(ev, projectResourceType, ae.Object.ID)
	if ev != nil {
		ev.GetResourceChangeEvent().SetParentResourceId(
			&v2.ResourceId{ResourceType: teamResourceType.GetId(), Resource: ae.Context.Team.ID})
	}
	return ev, reason
}

// mapEvent is mapAuditEvent for this connector: a board or project change is
// reported only when the connector syncs boards and projects (--sync-boards);
// otherwise ConductorOne would ask for a targeted sync of a type it never saw.
func (f *auditFeed) mapEvent(ae *miro.AuditEvent) (*v2.Event, string) {
	ev, reason := mapAuditEvent(ae)
	if ev != nil && !f.conn.syncBoards {
		switch ev.GetResourceChangeEvent().GetResourceId().GetResourceType() {
		case boardResourceType.GetId(), projectResourceType.GetId():
			return nil, "boards and projects not synced (--sync-boards off)"
		}
	}
	return ev, reason
}
