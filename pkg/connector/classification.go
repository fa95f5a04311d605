package connector

import (
	"context"
	"sync"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/conductorone/baton-miro/pkg/miro"
)

// Board classification (--sync-board-classification, with --sync-boards):
// each board's data classification label goes on its profile, with the
// label's name and sharing recommendation from the organization's labels, so
// an access review can ask who can edit boards labelled Confidential. It
// costs one call per sync for the org's labels (Level 2) and, when the org
// has classification on, one per board (Level 2); with classification off no
// board is asked.
//
// Profile fields: classified (bool), and for a classified board
// classification_label_id, classification_label (the name) and
// classification_sharing_recommendation.

// labelCache holds the org's classification settings for one sync; the
// first board that needs them reads them, the others wait for that read.
type labelCache struct {
	mu       sync.Mutex
	settings *miro.ClassificationSettings
}

// labels returns the org's classification settings, read once per sync.
func (c *Connector) labels(ctx context.Context, opts rs.SyncOpAttrs, orgID string) (*miro.ClassificationSettings, error) {
	lc := &c.scope(opts).labels
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.settings != nil {
		return lc.settings, nil
	}
	s, _, err := c.client.GetClassificationSettings(ctx, orgID)
	if err != nil {
		return nil, explain(err, "reading the organization's board classification labels")
	}
	lc.settings = s
	return s, nil
}

// classifyBoard puts board r's classification label (of team teamID) on its
// profile; nothing when the flag is off or the org has classification off.
func (c *Connector) classifyBoard(ctx context.Context, opts rs.SyncOpAttrs, r *v2.Resource, teamID string) error {
	if !c.classify {
		return nil
	}
	orgID, err := c.OrgID(ctx)
	if err != nil {
		return err
	}
	settings, err := c.labels(ctx, opts, orgID)
	if err != nil || !settings.Enabled {
		return err
	}
	boardID := r.GetId().GetResource()
	l, _, err := c.client.GetBoardClassification(ctx, orgID, teamID, boardID)
	if miro.IsNotFound(err) {
		// Deleted since it was listed: its label is unknown, not absent.
		ctxzap.Extract(ctx).Warn("board classification: Miro no longer finds the board; leaving its label out", zap.String("board_id", boardID))
		return nil
	}
	if err != nil {
		return explain(err, "reading the classification of board "+boardID)
	}
	setProfile(r, classificationFields(ctx, settings, l))
	return nil
}

// classificationFields maps a board's label to profile fields; the name and
// sharing recommendation come from the org's label of the same id, else from
// the board's answer.
func classificationFields(ctx context.Context, settings *miro.ClassificationSettings, l *miro.ClassificationLabel) map[string]any {
	if l == nil || l.ID == "" {
		return map[string]any{"classified": false}
	}
	name, rec := l.Name, l.SharingRecommendation
	known := false
	for _, org := range settings.Labels {
		if org.ID == l.ID {
			known = true
			if org.Name != "" {
				name = org.Name
			}
			if org.SharingRecommendation != "" {
				rec = org.SharingRecommendation
			}
		}
	}
	if !known {
		ctxzap.Extract(ctx).Warn("board classification: a board carries a label the organization does not list; using the board's own answer",
			zap.String("label_id", l.ID))
	}
	out := map[string]any{"classified": true, "classification_label_id": clip(l.ID)}
	if name != "" {
		out["classification_label"] = clip(name)
	}
	if rec != "" {
		out["classification_sharing_recommendation"] = clip(rec)
	}
	return out
}

// setProfile adds fields to r's profile.
func setProfile(r *v2.Resource, fields map[string]any) {
	p := r.GetProfile()
	if p == nil {
		p = &structpb.Struct{Fields: map[string]*structpb.Value{}}
		r.SetProfile(p)
	}
	if p.Fields == nil {
		p.Fields = map[string]*structpb.Value{}
	}
	for k, v := range fields {
		if sv, err := structpb.NewValue(v); err == nil {
			p.Fields[k] = sv
		}
	}
}
