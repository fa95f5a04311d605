package connector

import (
	"context"

	configv1 "github.com/conductorone/baton-sdk/pb/c1/config/v1"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/actions"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/conductorone/baton-miro/pkg/miro"
)

// The user actions beside disable and enable (user_account.go): sign the
// user out of every session (REST, sessions:delete) and update the profile
// (SCIM PATCH, user_profile.go).

const actionResetSessions = "reset_sessions"

// registerOffboardingActions registers reset_sessions and update_profile.
func (b *userBuilder) registerOffboardingActions(ctx context.Context, reg actions.ActionRegistry) error {
	reset := v2.BatonActionSchema_builder{
		Name:        actionResetSessions,
		DisplayName: "Sign out of all sessions",
		Description: "Signs the Miro user out of every browser, desktop and mobile session (POST /v2/sessions/reset_all); " +
			"the user must sign in again. Needs the sessions:delete scope. The first step of offboarding, before " +
			"disabling or deleting the account. Doing it twice is success twice.",
		ActionType:  []v2.ActionType{v2.ActionType_ACTION_TYPE_DYNAMIC},
		Arguments:   []*configv1.Field{userIDField()},
		ReturnTypes: []*configv1.Field{boolField("success", "Success")},
	}.Build()
	if err := reg.Register(ctx, reset, b.resetSessions); err != nil {
		return err
	}
	return reg.Register(ctx, updateProfileSchema(), b.updateProfile)
}

// resetSessions signs a member out of every session. Miro takes an email, read
// from the org member; any member with an email qualifies (guests and
// external users too: this is the REST API, not SCIM).
func (b *userBuilder) resetSessions(ctx context.Context, args *structpb.Struct) (*structpb.Struct, annotations.Annotations, error) {
	userID, err := userIDArg(args)
	if err != nil {
		return nil, nil, err
	}
	doing := "signing Miro user " + userID + " out of all sessions"
	c := b.conn
	m, found, err := c.readMember(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	if !found {
		return nil, nil, status.Errorf(codes.NotFound, "%s: user %s is not a member of the Miro organization", doing, userID)
	}
	if m.Email == "" {
		return nil, nil, status.Errorf(codes.FailedPrecondition, "%s: Miro reports no email for user %s, and sessions are reset by email", doing, userID)
	}
	resp, err := c.client.ResetSessions(ctx, m.Email)
	if miro.IsNotFound(err) {
		return nil, nil, status.Errorf(codes.NotFound, "%s: Miro knows no organization member with the email %s (%v)", doing, m.Email, err)
	}
	if err != nil {
		return nil, nil, explain(err, doing)
	}
	ctxzap.Extract(ctx).Info("reset the Miro user's sessions", zap.String("user_id", userID))
	return actions.NewReturnValues(true), rateLimitAnnotations(resp), nil
}
