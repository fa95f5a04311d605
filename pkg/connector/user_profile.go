package connector

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

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

// The profile update (ACCOUNT_UPDATE_PROFILE) goes through SCIM
// (PATCH /Users/{id}): it reads the SCIM user first and sends only the
// attributes that differ, so a second identical update is success without a
// write. An argument left out or empty leaves that attribute alone.

const (
	actionUpdateProfile = "update_profile"
	argManager          = "manager"
)

// profileAttr is one profile attribute the action can set: its argument, the
// SCIM path and how to read the current value.
type profileAttr struct {
	arg, display, path string
	get                func(u *miro.SCIMUser) string
}

var profileAttrs = []profileAttr{
	{profileGivenName, "Given name", "name.givenName", func(u *miro.SCIMUser) string { return nameOf(u).GivenName }},
	{profileFamilyName, "Family name", "name.familyName", func(u *miro.SCIMUser) string { return nameOf(u).FamilyName }},
	{"display_name", "Display name", "displayName", func(u *miro.SCIMUser) string { return u.DisplayName }},
	{"department", "Department", miro.SCIMEnterpriseSchema + ":department", func(u *miro.SCIMUser) string { return entOf(u).Department }},
	{"employee_number", "Employee number", miro.SCIMEnterpriseSchema + ":employeeNumber", func(u *miro.SCIMUser) string { return entOf(u).EmployeeNumber }},
	{"cost_center", "Cost center", miro.SCIMEnterpriseSchema + ":costCenter", func(u *miro.SCIMUser) string { return entOf(u).CostCenter }},
}

func nameOf(u *miro.SCIMUser) miro.SCIMName {
	if u.Name == nil {
		return miro.SCIMName{}
	}
	return *u.Name
}

func entOf(u *miro.SCIMUser) miro.SCIMEntUser {
	if u.Enterprise == nil {
		return miro.SCIMEntUser{}
	}
	return *u.Enterprise
}

func managerOf(u *miro.SCIMUser) string {
	if m := entOf(u).Manager; m != nil {
		return m.Value
	}
	return ""
}

func updateProfileSchema() *v2.BatonActionSchema {
	args := make([]*configv1.Field, 0, len(profileAttrs)+2)
	args = append(args, userIDField())
	for _, a := range profileAttrs {
		args = append(args, configv1.Field_builder{Name: a.arg, DisplayName: a.display,
			Description: a.display + " (SCIM " + a.path + "); empty leaves it unchanged",
			StringField: configv1.StringField_builder{}.Build()}.Build())
	}
	args = append(args, configv1.Field_builder{Name: argManager, DisplayName: "Manager",
		Description: "The manager's Miro user (member id); empty leaves it unchanged",
		ResourceIdField: configv1.ResourceIdField_builder{
			Rules: configv1.ResourceIDRules_builder{AllowedResourceTypeIds: []string{userResourceType.GetId()}}.Build(),
		}.Build()}.Build())
	return v2.BatonActionSchema_builder{
		Name:        actionUpdateProfile,
		DisplayName: "Update Miro profile",
		Description: "Updates the Miro user's name, display name, department, employee number, cost center and manager through " +
			"SCIM (PATCH /Users). Needs the SCIM token. Guests and external users cannot be updated through SCIM.",
		ActionType:  []v2.ActionType{v2.ActionType_ACTION_TYPE_ACCOUNT_UPDATE_PROFILE},
		Arguments:   args,
		ReturnTypes: []*configv1.Field{boolField("success", "Success"), boolField("already_up_to_date", "Already up to date")},
	}.Build()
}

// updateProfile patches the attributes that differ from the SCIM user's.
func (b *userBuilder) updateProfile(ctx context.Context, args *structpb.Struct) (*structpb.Struct, annotations.Annotations, error) {
	userID, err := userIDArg(args)
	if err != nil {
		return nil, nil, err
	}
	doing := "updating the profile of Miro account " + userID
	want, manager, err := profileArgs(args, doing)
	if err != nil {
		return nil, nil, err
	}
	c := b.conn
	if _, err := c.scimMember(ctx, userID, doing); err != nil {
		return nil, nil, err
	}
	if manager != "" {
		if err := c.checkManager(ctx, userID, manager, doing); err != nil {
			return nil, nil, err
		}
	}
	cur, _, err := c.client.GetSCIMUser(ctx, userID)
	if miro.IsNotFound(err) {
		return nil, nil, c.scimLost(ctx, userID, doing, err)
	}
	if err != nil {
		return nil, nil, explain(err, doing)
	}
	ops := profileOps(cur, want, manager)
	if len(ops) == 0 {
		return actions.NewReturnValues(true, actions.NewBoolReturnField("already_up_to_date", true)), nil, nil
	}
	_, resp, err := c.client.PatchSCIMUser(ctx, userID, ops...)
	if err != nil {
		return nil, nil, explain(err, doing)
	}
	ctxzap.Extract(ctx).Info("updated the Miro profile", zap.String("user_id", userID), zap.Int("attributes", len(ops)))
	return actions.NewReturnValues(true, actions.NewBoolReturnField("already_up_to_date", false)), rateLimitAnnotations(resp), nil
}

// checkManager refuses a manager who is the user themself or not a member
// of the organization: Miro's SCIM API stores any value it is sent.
func (c *Connector) checkManager(ctx context.Context, userID, manager, doing string) error {
	if manager == userID {
		return status.Errorf(codes.InvalidArgument, "%s: the %s argument names the user themself", doing, argManager)
	}
	if manager == "." || manager == ".." || strings.ContainsAny(manager, "/?#%") {
		return status.Errorf(codes.InvalidArgument, "%s: the %s argument (%s) is not a Miro member id", doing, argManager, manager)
	}
	_, found, err := c.readMember(ctx, manager)
	if err != nil {
		return err
	}
	if !found {
		return status.Errorf(codes.InvalidArgument, "%s: the %s argument names %s, who is not a member of the Miro organization",
			doing, argManager, manager)
	}
	return nil
}

// controlChar refuses a value with a control character (NUL, ESC, a
// newline, …), naming the argument: Miro stores what it is sent.
func controlChar(arg, v, doing string) error {
	if i := strings.IndexFunc(v, unicode.IsControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(v[i:])
		return status.Errorf(codes.InvalidArgument, "%s: the %s argument holds a control character (%U at byte %d)",
			doing, arg, r, i)
	}
	return nil
}

// profileArgs reads the attributes asked for (by argument name) and the
// manager's id; at least one is required.
func profileArgs(args *structpb.Struct, doing string) (map[string]string, string, error) {
	want := map[string]string{}
	for _, a := range profileAttrs {
		if v, ok := actions.GetStringArg(args, a.arg); ok && strings.TrimSpace(v) != "" {
			if err := controlChar(a.arg, v, doing); err != nil {
				return nil, "", err
			}
			want[a.arg] = strings.TrimSpace(v)
		}
	}
	manager := ""
	if id, ok := actions.GetResourceIDArg(args, argManager); ok {
		mid, err := principalUserID(id)
		if err != nil {
			return nil, "", err
		}
		manager = mid
	} else if v, ok := actions.GetStringArg(args, argManager); ok {
		manager = strings.TrimSpace(v)
	}
	if err := controlChar(argManager, manager, doing); err != nil {
		return nil, "", err
	}
	if len(want) == 0 && manager == "" {
		return nil, "", status.Errorf(codes.InvalidArgument, "%s: name at least one attribute to change", doing)
	}
	return want, manager, nil
}

// profileOps are the replace operations for the attributes that differ.
func profileOps(cur *miro.SCIMUser, want map[string]string, manager string) []miro.SCIMPatchOp {
	var ops []miro.SCIMPatchOp
	for _, a := range profileAttrs {
		if v, ok := want[a.arg]; ok && v != a.get(cur) {
			ops = append(ops, miro.SCIMPatchOp{Op: "replace", Path: a.path, Value: v})
		}
	}
	if manager != "" && manager != managerOf(cur) {
		ops = append(ops, miro.SCIMPatchOp{Op: "replace", Path: miro.SCIMEnterpriseSchema + ":manager",
			Value: miro.SCIMManager{Value: manager}})
	}
	return ops
}
