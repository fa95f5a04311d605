package connector

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/conductorone/baton-miro/pkg/miro"
	configv1 "github.com/conductorone/baton-sdk/pb/c1/config/v1"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/actions"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"
)

// Account lifecycle goes through Miro's SCIM API: create (POST /Users),
// disable/enable (PATCH active) and delete (DELETE /Users/{id}). Every
// operation first reads the org member through the REST API — uncached, since
// our HTTP client has no response cache — which tells us whether the account
// exists, its current state and whether it is a guest or external user that
// SCIM cannot reach, before any write is attempted.

var (
	_ connectorbuilder.AccountManagerLimited    = (*userBuilder)(nil)
	_ connectorbuilder.ResourceDeleterV2Limited = (*userBuilder)(nil)
	_ connectorbuilder.ResourceActionProvider   = (*userBuilder)(nil)
)

// Account-creation profile fields (the Metadata schema).
const (
	profileEmail      = "email"
	profileGivenName  = "given_name"
	profileFamilyName = "family_name"
)

// accountCreationSchema is the form ConductorOne shows for new Miro accounts.
func accountCreationSchema() *v2.ConnectorAccountCreationSchema {
	str := func(name, desc, placeholder string, required bool, order int32) *v2.ConnectorAccountCreationSchema_Field {
		return v2.ConnectorAccountCreationSchema_Field_builder{
			DisplayName: name, Description: desc, Placeholder: placeholder, Required: required, Order: order,
			StringField: v2.ConnectorAccountCreationSchema_StringField_builder{}.Build(),
		}.Build()
	}
	return v2.ConnectorAccountCreationSchema_builder{
		FieldMap: map[string]*v2.ConnectorAccountCreationSchema_Field{
			profileEmail: str("Email", "Email address of the new Miro user; it becomes the Miro user name.",
				"jane.doe@example.com", true, 1),
			profileGivenName:  str("Given name", "First name of the new user (optional).", "Jane", false, 2),
			profileFamilyName: str("Family name", "Last name of the new user (optional).", "Doe", false, 3),
		},
	}.Build()
}

// CreateAccountCapabilityDetails: Miro accounts have no password the
// connector could set; people sign in with SSO or set their own password.
func (b *userBuilder) CreateAccountCapabilityDetails(context.Context) (*v2.CredentialDetailsAccountProvisioning, annotations.Annotations, error) {
	return v2.CredentialDetailsAccountProvisioning_builder{
		SupportedCredentialOptions: []v2.CapabilityDetailCredentialOption{v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_NO_PASSWORD},
		PreferredCredentialOption:  v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_NO_PASSWORD,
	}.Build(), nil, nil
}

// CreateAccount creates a Miro user through SCIM and returns it as the user
// resource a sync would produce (keyed by the member id). An email that
// already belongs to an org member returns that member as "already exists".
// Credential options are ignored: Miro has no password to set.
func (b *userBuilder) CreateAccount(ctx context.Context, info *v2.AccountInfo, _ *v2.LocalCredentialOptions) (connectorbuilder.CreateAccountResponse, []*v2.PlaintextData, annotations.Annotations, error) {
	const doing = "creating a Miro account"
	email := accountEmail(info)
	if email == "" {
		return nil, nil, nil, status.Errorf(codes.InvalidArgument, "%s: an email address is required (it becomes the Miro user name)", doing)
	}
	if !strings.Contains(email, "@") || strings.ContainsAny(email, " ,") {
		return nil, nil, nil, status.Errorf(codes.InvalidArgument, "%s: %q is not an email address", doing, email)
	}
	c := b.conn
	if err := c.requireSCIM(doing); err != nil {
		return nil, nil, nil, err
	}
	if r, err := c.memberByEmail(ctx, email); err != nil || r != nil {
		if err != nil {
			return nil, nil, nil, err
		}
		return &v2.CreateAccountResponse_AlreadyExistsResult{Resource: r, IsCreateAccountResult: true}, nil, nil, nil
	}

	given, family := profileString(info, profileGivenName), profileString(info, profileFamilyName)
	active := true
	u := &miro.SCIMUser{
		UserName: email,
		Active:   &active,
		Emails:   []miro.SCIMValue{{Value: email, Type: "work", Primary: true}},
	}
	if given != "" || family != "" {
		u.Name = &miro.SCIMName{GivenName: given, FamilyName: family}
		u.DisplayName = strings.TrimSpace(given + " " + family)
	}
	created, resp, err := c.client.CreateSCIMUser(ctx, u)
	if err != nil {
		if isDuplicateUser(err) {
			// Someone created it between our lookup and the POST, or REST does not list it yet.
			if r, lerr := c.memberByEmail(ctx, email); lerr == nil && r != nil {
				return &v2.CreateAccountResponse_AlreadyExistsResult{Resource: r, IsCreateAccountResult: true}, nil, nil, nil
			}
		}
		return nil, nil, nil, explain(err, doing+" for "+email)
	}
	ctxzap.Extract(ctx).Info("created Miro account", zap.String("user_id", created.ID))
	r, err := c.createdUserResource(ctx, created)
	if err != nil {
		return nil, nil, nil, err
	}
	return &v2.CreateAccountResponse_SuccessResult{Resource: r, IsCreateAccountResult: true}, nil, rateLimitAnnotations(resp), nil
}

// createdUserResource reads the new user back as an org member and adds the
// SCIM answer's profile, so the resource is what a sync (with the SCIM token)
// produces; if the REST API does not know the user yet, the member is built
// from the SCIM answer too.
func (c *Connector) createdUserResource(ctx context.Context, u *miro.SCIMUser) (*v2.Resource, error) {
	m, found, err := c.readMember(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if !found {
		m = memberFromSCIM(u)
	}
	prof := profileFromSCIM(u)
	return userResourceWithProfile(*m, &prof)
}

// memberFromSCIM maps a SCIM user to the org-member shape.
func memberFromSCIM(u *miro.SCIMUser) *miro.Member {
	m := &miro.Member{ID: u.ID, Email: u.UserName, Active: u.Active == nil || *u.Active, Role: miro.RoleInternalUser,
		License: licenseFromSCIM(u.UserType)}
	for _, r := range u.Roles {
		switch {
		case r.Type == miro.SCIMRoleTypeAdmin:
			m.AdminRoles = append(m.AdminRoles, miro.AdminRole{Name: r.Value})
		case strings.EqualFold(r.Value, miro.SCIMInternalAdmin):
			m.Role = miro.RoleInternalAdmin
		}
	}
	return m
}

// licenseFromSCIM maps a SCIM userType label ("Full (Trial)") to the org-member value ("full_trial").
func licenseFromSCIM(label string) string {
	if label == "" {
		return miro.RoleUnknown
	}
	l := strings.ToLower(strings.NewReplacer("(", "", ")", "").Replace(label))
	return strings.Join(strings.Fields(l), "_")
}

// memberByEmail returns the user resource of the org member with this email, or nil.
func (c *Connector) memberByEmail(ctx context.Context, email string) (*v2.Resource, error) {
	orgID, err := c.OrgID(ctx)
	if err != nil {
		return nil, err
	}
	members, _, err := c.client.MembersByEmail(ctx, orgID, []string{email})
	if err != nil {
		return nil, explain(err, "looking up the Miro member "+email)
	}
	for _, m := range members {
		if strings.EqualFold(strings.TrimSpace(m.Email), email) {
			return userResource(m)
		}
	}
	return nil, nil
}

func isDuplicateUser(err error) bool {
	var me *miro.Error
	if !errors.As(err, &me) {
		return false
	}
	return me.StatusCode == http.StatusConflict ||
		(me.StatusCode == http.StatusBadRequest && strings.Contains(strings.ToLower(me.Message), "not unique"))
}

// accountEmail is the primary email, else any email, else the profile's
// email, else a login that looks like one.
func accountEmail(info *v2.AccountInfo) string {
	for _, e := range info.GetEmails() {
		if e.GetIsPrimary() && strings.TrimSpace(e.GetAddress()) != "" {
			return strings.TrimSpace(e.GetAddress())
		}
	}
	for _, e := range info.GetEmails() {
		if strings.TrimSpace(e.GetAddress()) != "" {
			return strings.TrimSpace(e.GetAddress())
		}
	}
	if v := profileString(info, profileEmail); v != "" {
		return v
	}
	if l := strings.TrimSpace(info.GetLogin()); strings.Contains(l, "@") {
		return l
	}
	return ""
}

func profileString(info *v2.AccountInfo, key string) string {
	v, ok := info.GetProfile().GetFields()[key]
	if !ok {
		return ""
	}
	return strings.TrimSpace(v.GetStringValue())
}

// Delete deletes a Miro account through SCIM. An account that no longer
// exists is success with ResourceDoesNotExist.
func (b *userBuilder) Delete(ctx context.Context, id, _ *v2.ResourceId) (annotations.Annotations, error) {
	userID, err := principalUserID(id)
	if err != nil {
		return nil, err
	}
	doing := "deleting Miro account " + userID
	c := b.conn
	if err := c.requireSCIM(doing); err != nil {
		return nil, err
	}
	m, found, err := c.readMember(ctx, userID)
	if err != nil {
		return nil, err
	}
	if !found {
		return annotations.New(&v2.ResourceDoesNotExist{}), nil
	}
	if isGuest(m) {
		return nil, guestError(m, doing)
	}
	resp, err := c.client.DeleteSCIMUser(ctx, userID)
	if miro.IsNotFound(err) {
		return c.afterSCIMNotFound(ctx, userID, doing, err, annotations.New(&v2.ResourceDoesNotExist{}))
	}
	if err != nil {
		return nil, explain(err, doing)
	}
	ctxzap.Extract(ctx).Info("deleted Miro account", zap.String("user_id", userID))
	return rateLimitAnnotations(resp), nil
}

// afterSCIMNotFound handles a SCIM 404 for a member the REST API knew a moment
// ago: gone now (success with gone), or a user SCIM cannot see.
func (c *Connector) afterSCIMNotFound(ctx context.Context, userID, doing string, scimErr error, gone annotations.Annotations) (annotations.Annotations, error) {
	m, found, err := c.readMember(ctx, userID)
	if err != nil {
		return nil, err
	}
	if !found {
		return gone, nil
	}
	return nil, status.Errorf(codes.FailedPrecondition,
		"%s: Miro's SCIM API does not know user %s (%s, role %s) although the organization lists them: SCIM cannot reach guests "+
			"or external users, so do this in the Miro admin UI (Company settings → Users) (%v)", doing, userID, m.Email, m.Role, scimErr)
}

// Action names of the user resource type.
const (
	actionDisableUser = "disable_user"
	actionEnableUser  = "enable_user"
	actionArgUserID   = "user_id"
)

// ResourceActions registers disable and enable (SCIM active=false/true),
// and the actions of user_actions.go.
func (b *userBuilder) ResourceActions(ctx context.Context, reg actions.ActionRegistry) error {
	for _, a := range []struct {
		name, display, desc string
		typ                 v2.ActionType
		active              bool
	}{
		{actionDisableUser, "Disable Miro account", "Deactivates the Miro user through SCIM (active=false); Miro frees the user's license. " +
			"Needs the SCIM token. Guests and external users cannot be disabled through SCIM.", v2.ActionType_ACTION_TYPE_ACCOUNT_DISABLE, false},
		{actionEnableUser, "Enable Miro account", "Reactivates a deactivated Miro user through SCIM (active=true). Needs the SCIM token.",
			v2.ActionType_ACTION_TYPE_ACCOUNT_ENABLE, true},
	} {
		already := "already_disabled"
		if a.active {
			already = "already_enabled"
		}
		schema := v2.BatonActionSchema_builder{
			Name:        a.name,
			DisplayName: a.display,
			Description: a.desc,
			ActionType:  []v2.ActionType{a.typ},
			Arguments:   []*configv1.Field{userIDField()},
			ReturnTypes: []*configv1.Field{boolField("success", "Success"), boolField(already, "Already in that state")},
		}.Build()
		active := a.active
		handler := func(ctx context.Context, args *structpb.Struct) (*structpb.Struct, annotations.Annotations, error) {
			return b.setActive(ctx, args, active, already)
		}
		if err := reg.Register(ctx, schema, handler); err != nil {
			return err
		}
	}
	return b.registerOffboardingActions(ctx, reg)
}

// userIDField is the user argument of the user actions.
func userIDField() *configv1.Field {
	return configv1.Field_builder{
		Name: actionArgUserID, DisplayName: "User", Description: "The Miro user (member id)", IsRequired: true,
		ResourceIdField: configv1.ResourceIdField_builder{
			Rules: configv1.ResourceIDRules_builder{AllowedResourceTypeIds: []string{userResourceType.GetId()}}.Build(),
		}.Build(),
	}.Build()
}

func boolField(name, display string) *configv1.Field {
	return configv1.Field_builder{Name: name, DisplayName: display, BoolField: configv1.BoolField_builder{}.Build()}.Build()
}

// setActive disables or enables a user; already in that state is success.
func (b *userBuilder) setActive(ctx context.Context, args *structpb.Struct, active bool, alreadyKey string) (*structpb.Struct, annotations.Annotations, error) {
	userID, err := userIDArg(args)
	if err != nil {
		return nil, nil, err
	}
	verb := "disabling"
	if active {
		verb = "enabling"
	}
	doing := verb + " Miro account " + userID
	c := b.conn
	m, err := c.scimMember(ctx, userID, doing)
	if err != nil {
		return nil, nil, err
	}
	if m.Active == active {
		return actions.NewReturnValues(true, actions.NewBoolReturnField(alreadyKey, true)), nil, nil
	}
	_, resp, err := c.client.PatchSCIMUser(ctx, userID, miro.SCIMPatchOp{Op: "replace", Path: "active", Value: active})
	if miro.IsNotFound(err) {
		return nil, nil, c.scimLost(ctx, userID, doing, err)
	}
	if err != nil {
		return nil, nil, explain(err, doing)
	}
	ctxzap.Extract(ctx).Info("changed Miro account status", zap.String("user_id", userID), zap.Bool("active", active))
	return actions.NewReturnValues(true, actions.NewBoolReturnField(alreadyKey, false)), rateLimitAnnotations(resp), nil
}

// userIDArg reads the user_id argument: a resource id ({"resource_type_id":"user","resource_id":"…"}) or a plain id.
func userIDArg(args *structpb.Struct) (string, error) {
	if id, ok := actions.GetResourceIDArg(args, actionArgUserID); ok {
		return principalUserID(id)
	}
	if s, ok := actions.GetStringArg(args, actionArgUserID); ok && strings.TrimSpace(s) != "" {
		return strings.TrimSpace(s), nil
	}
	return "", status.Errorf(codes.InvalidArgument, "the %s argument is required: the Miro user's member id, "+
		`as {"resource_type_id":"user","resource_id":"<id>"} or a plain string`, actionArgUserID)
}
