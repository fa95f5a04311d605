// Package config holds the baton-miro configuration schema. conf.gen.go is
// generated from it by `go generate ./pkg/config`.
package config

import (
	"github.com/conductorone/baton-miro/pkg/miro"
	"github.com/conductorone/baton-sdk/pkg/field"
)

//go:generate go run ./gen

// Miro's production endpoints (the client's defaults).
const (
	DefaultAPIURL  = miro.DefaultAPIURL
	DefaultSCIMURL = miro.DefaultSCIMURL
)

// The connector's fields; the SDK adds its own (--workers, --client-id, …).
var (
	AccessTokenField = field.StringField(
		"miro-access-token",
		field.WithDisplayName("Miro access token"),
		field.WithDescription("OAuth access token of a Miro app installed by a Company Admin of an Enterprise organization, "+
			"with the scopes organizations:read and organizations:teams:read, organizations:groups:read for user groups "+
			"(plus organizations:teams:write and organizations:groups:write for provisioning, and boards:write and projects:write "+
			"to grant board and project access). "+
			"Find it in Miro under Profile settings → Your apps → the app → Install app and get OAuth token."),
		field.WithRequired(true),
		field.WithIsSecret(true),
		field.WithStructFieldName("AccessToken"),
	)
	SCIMAccessTokenField = field.StringField(
		"miro-scim-access-token",
		field.WithDisplayName("Miro SCIM token"),
		field.WithDescription("Optional. Needed only for account lifecycle (create, disable, delete accounts) and org-role, "+
			"admin-role and license changes. Generate it in Miro under Company settings → Enterprise integrations → SCIM."),
		field.WithIsSecret(true),
		field.WithStructFieldName("SCIMAccessToken"),
	)
	APIURLField = field.StringField(
		"miro-api-url",
		field.WithDisplayName("Miro REST API URL"),
		field.WithDescription("Base URL of the Miro REST API. Change it only for a proxy or the simulator; plain http:// is accepted only for loopback hosts."),
		field.WithDefaultValue(DefaultAPIURL),
		field.WithExportTarget(field.ExportTargetOps), // operators only: not on the hosted form
		field.WithStructFieldName("APIURL"),
	)
	SyncBoardsField = field.BoolField(
		"sync-boards",
		field.WithDisplayName("Sync boards and projects"),
		field.WithDescription("Also sync each team's boards and projects with their members and roles (board viewer, commenter, editor, "+
			"co-owner, owner; project roles) and each board's sharing policy. Expensive, so off by default: one API call per 50 boards "+
			"of every team plus one per 50 members of every board, and one per 100 projects of every team plus one per 100 members of "+
			"every project. Needs the boards:read and projects:read scopes; private boards and projects need the Content Admin role."),
		field.WithDefaultValue(false),
		field.WithStructFieldName("SyncBoards"),
	)
	SyncTeamSettingsField = field.BoolField(
		"sync-team-settings",
		field.WithDisplayName("Sync team sharing settings"),
		field.WithDescription("Also read each team's settings and put its sharing policy on the team's profile (sharingViaPublicLink, "+
			"sharingOnOrganization, sharingOnAccount, inviteExternalUsers, whoCanInvite, restrictAllowedDomains, allowListedDomains and "+
			"the default access of new boards and projects), so reviewers can find teams that share publicly. One API call per team, "+
			"so off by default. Needs the organizations:teams:read scope the sync already has."),
		field.WithDefaultValue(false),
		field.WithStructFieldName("SyncTeamSettings"),
	)
	SyncBoardClassificationField = field.BoolField(
		"sync-board-classification",
		field.WithDisplayName("Sync board classification"),
		field.WithDescription("Also read each board's data classification label (with --sync-boards) and put it on the board's profile "+
			"with the label's name from the organization's labels, so an access review can ask who can edit boards labelled, say, "+
			"Confidential. One API call per board (Level 2, 100 credits: 100,000 credits, a whole minute's budget, for 1,000 boards) "+
			"plus one per organization, so off by default. Needs the Enterprise plan's data classification and the boards:read and "+
			"organizations:read scopes the sync already has."),
		field.WithDefaultValue(false),
		field.WithStructFieldName("SyncBoardClassification"),
	)
	SCIMURLField = field.StringField(
		"miro-scim-url",
		field.WithDisplayName("Miro SCIM API URL"),
		field.WithDescription("Base URL of the Miro SCIM API. Change it only for a proxy or the simulator; plain http:// is accepted only for loopback hosts."),
		field.WithDefaultValue(DefaultSCIMURL),
		field.WithExportTarget(field.ExportTargetOps), // operators only: not on the hosted form
		field.WithStructFieldName("SCIMURL"),
	)
)

// Config is the schema the SDK turns into flags, BATON_* environment variables and the hosted form.
var Config = field.NewConfiguration(
	[]field.SchemaField{AccessTokenField, SCIMAccessTokenField, APIURLField, SCIMURLField, SyncBoardsField, SyncTeamSettingsField,
		SyncBoardClassificationField},
	field.WithConnectorDisplayName("Miro"),
	field.WithHelpUrl("/docs/baton/miro"),
	field.WithIconUrl("/static/app-icons/miro.svg"),
	// Classification labels belong to boards, which only --sync-boards syncs.
	field.WithConstraints(field.FieldsDependentOn([]field.SchemaField{SyncBoardClassificationField}, []field.SchemaField{SyncBoardsField})),
)
