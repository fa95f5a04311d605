package miro

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// SCIM schema URNs.
const (
	SCIMUserSchema       = "urn:ietf:params:scim:schemas:core:2.0:User"
	SCIMEnterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	SCIMPatchOpSchema    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

// SCIM role types and the org-role values SCIM can set.
const (
	SCIMRoleTypeUser  = "organization_user_role"
	SCIMRoleTypeAdmin = "organization_admin_role"
	SCIMInternalAdmin = "ORGANIZATION_INTERNAL_ADMIN"
	SCIMInternalUser  = "ORGANIZATION_INTERNAL_USER"
)

// SCIMMaxCount is Miro's largest SCIM page.
const SCIMMaxCount = 1000

// SCIMUser is a SCIM User resource as Miro serves it.
type SCIMUser struct {
	Schemas     []string     `json:"schemas,omitempty"`
	ID          string       `json:"id,omitempty"`
	UserName    string       `json:"userName,omitempty"`
	Name        *SCIMName    `json:"name,omitempty"`
	DisplayName string       `json:"displayName,omitempty"`
	UserType    string       `json:"userType,omitempty"`
	Active      *bool        `json:"active,omitempty"`
	Emails      []SCIMValue  `json:"emails,omitempty"`
	Roles       []SCIMRole   `json:"roles,omitempty"`
	Enterprise  *SCIMEntUser `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
	Groups      []SCIMValue  `json:"groups,omitempty"`
	Meta        *SCIMMeta    `json:"meta,omitempty"`
	Photos      []SCIMValue  `json:"photos,omitempty"`
}

// SCIMName is the name of a SCIM user.
type SCIMName struct {
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
	Formatted  string `json:"formatted,omitempty"`
}

// SCIMValue is a {value, display, type, primary} multi-valued attribute.
type SCIMValue struct {
	Value   string `json:"value,omitempty"`
	Display string `json:"display,omitempty"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

// SCIMRole is an entry of roles: the org role (organization_user_role) or an admin role.
type SCIMRole struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

// SCIMEntUser is the enterprise extension.
type SCIMEntUser struct {
	EmployeeNumber string       `json:"employeeNumber,omitempty"`
	CostCenter     string       `json:"costCenter,omitempty"`
	Organization   string       `json:"organization,omitempty"`
	Division       string       `json:"division,omitempty"`
	Department     string       `json:"department,omitempty"`
	Manager        *SCIMManager `json:"manager,omitempty"`
}

// SCIMManager references a user's manager.
type SCIMManager struct {
	Value       string `json:"value,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

// SCIMMeta is resource metadata.
type SCIMMeta struct {
	ResourceType string `json:"resourceType,omitempty"`
	Location     string `json:"location,omitempty"`
}

// SCIMList is a SCIM ListResponse page.
type SCIMList struct {
	TotalResults int        `json:"totalResults"`
	StartIndex   int        `json:"startIndex"`
	ItemsPerPage int        `json:"itemsPerPage"`
	Resources    []SCIMUser `json:"Resources"`
}

// SCIMPatchOp is one operation of a PATCH.
type SCIMPatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

type scimPatch struct {
	Schemas    []string      `json:"schemas"`
	Operations []SCIMPatchOp `json:"Operations"`
}

// ListSCIMUsers returns one page of SCIM users (startIndex is 1-based; filter may be "").
func (c *Client) ListSCIMUsers(ctx context.Context, startIndex, count int, filter string) (*SCIMList, *Response, error) {
	q := url.Values{"startIndex": {strconv.Itoa(startIndex)}, "count": {strconv.Itoa(count)}}
	if filter != "" {
		q.Set("filter", filter)
	}
	return call[SCIMList](ctx, c, scimCall(http.MethodGet, "/Users").withQuery(q))
}

// GetSCIMUser returns one SCIM user; guests and external users are 404.
func (c *Client) GetSCIMUser(ctx context.Context, id string) (*SCIMUser, *Response, error) {
	return call[SCIMUser](ctx, c, scimCall(http.MethodGet, "/Users/%s", id))
}

// CreateSCIMUser creates a user (POST /Users).
func (c *Client) CreateSCIMUser(ctx context.Context, u *SCIMUser) (*SCIMUser, *Response, error) {
	if len(u.Schemas) == 0 {
		u.Schemas = []string{SCIMUserSchema}
	}
	return call[SCIMUser](ctx, c, scimCall(http.MethodPost, "/Users").withBody(u))
}

// PatchSCIMUser applies operations to a user (PATCH /Users/{id}).
func (c *Client) PatchSCIMUser(ctx context.Context, id string, ops ...SCIMPatchOp) (*SCIMUser, *Response, error) {
	body := scimPatch{Schemas: []string{SCIMPatchOpSchema}, Operations: ops}
	return call[SCIMUser](ctx, c, scimCall(http.MethodPatch, "/Users/%s", id).withBody(body))
}

// DeleteSCIMUser deletes a user (DELETE /Users/{id}).
func (c *Client) DeleteSCIMUser(ctx context.Context, id string) (*Response, error) {
	return c.do(ctx, scimCall(http.MethodDelete, "/Users/%s", id), nil)
}
