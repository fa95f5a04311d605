package connector

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/conductorone/baton-miro/pkg/miro"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Scopes the sync needs; named in permission errors.
const requiredScopes = "organizations:read, organizations:teams:read"

// explain turns a client error into a gRPC status whose code the SDK acts on
// and whose message tells the user what to fix. doing says what we were doing.
func explain(err error, doing string) error {
	var me *miro.Error
	if !errors.As(err, &me) {
		if errors.Is(err, miro.ErrNoSCIMToken) {
			return status.Errorf(codes.FailedPrecondition, "%s: this needs the SCIM token: set --miro-scim-access-token or BATON_MIRO_SCIM_ACCESS_TOKEN "+
				"(Miro → Company settings → Enterprise integrations → SCIM)", doing)
		}
		if errors.Is(err, miro.ErrInvalidID) || errors.Is(err, miro.ErrInvalidToken) {
			return status.Errorf(codes.InvalidArgument, "%s: %v", doing, err)
		}
		if _, ok := status.FromError(err); ok && status.Code(err) != codes.Unknown {
			return err // already explained
		}
		return fmt.Errorf("%s: %w", doing, err)
	}
	scim := strings.Contains(me.Path, "/scim")
	msg := fmt.Sprintf("%s: %s", doing, me.Error())
	switch {
	case me.StatusCode == http.StatusUnauthorized && scim:
		return status.Errorf(codes.Unauthenticated, "%s. Miro rejected the SCIM token: check --miro-scim-access-token (BATON_MIRO_SCIM_ACCESS_TOKEN); "+
			"generate a new one in Company settings → Enterprise integrations → SCIM", msg)
	case me.StatusCode == http.StatusUnauthorized,
		me.StatusCode == http.StatusBadRequest && strings.HasSuffix(me.Path, "/v1/oauth-token"):
		return status.Errorf(codes.Unauthenticated, "%s. Miro rejected the access token: check --miro-access-token (BATON_MIRO_ACCESS_TOKEN); "+
			"it may be mistyped, expired or revoked", msg)
	case me.StatusCode == http.StatusForbidden && scim:
		return status.Errorf(codes.PermissionDenied, "%s. Miro refused the SCIM call: SCIM must be enabled for the organization "+
			"(Company settings → Enterprise integrations)", msg)
	case me.StatusCode == http.StatusForbidden:
		return status.Errorf(codes.PermissionDenied, "%s. Miro refused access: the token's user must be a Company Admin of an organization "+
			"on the Enterprise plan, and the app needs the scopes %s", msg, requiredScopes)
	}
	st := status.New(me.GRPCStatus().Code(), msg)
	if me.RateLimit != nil {
		if withDetails, derr := st.WithDetails(me.RateLimit); derr == nil {
			st = withDetails
		}
	}
	return st.Err()
}
