// Package connector maps a Miro organization to the Baton model: org members
// become users; teams, org roles, admin roles and licenses become resources
// whose grants say who holds what.
package connector

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	cfg "github.com/conductorone/baton-miro/pkg/config"
	"github.com/conductorone/baton-miro/pkg/miro"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/cli"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"github.com/conductorone/baton-sdk/pkg/uhttp"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Connector is the Miro connector. The zero value serves only ResourceSyncers
// and Metadata (for `baton-miro capabilities` without secrets).
type Connector struct {
	client   *miro.Client
	members  *memberIndex
	prefetch *teamPrefetch

	syncBoards   bool        // --sync-boards: boards and projects (board.go, project.go)
	teamSettings bool        // --sync-team-settings: each team's sharing policy (team_settings.go)
	classify     bool        // --sync-board-classification: each board's label (classification.go)
	noPrefetch   bool        // no team pages fetched ahead (see WithoutPrefetch)
	noTeamGroups bool        // no user groups attached to teams (see WithTeamGroups)
	scopes       syncScopes  // every per-sync cache, one scope per sync id (scope.go)
	actionFailed func(error) // told of each failed action (see WithActionFailures)

	workers  int          // the SDK's sync worker count (see WithWorkers)
	active   atomic.Int32 // SDK calls inside the connector now (see enter)
	orgSize  atomic.Int64 // org members SCIM counts (guests left out), from Validate; 0 = unknown
	lastExit atomic.Int64 // when an SDK call last returned, Unix nanoseconds

	mu         sync.Mutex
	orgID      string             // from the token context; fixed for a token
	orgChecked bool               // a Validate of this process has read the organization (and SCIM)
	org        *miro.Organization // that reading, until a sync uses it for license seats (organization)
}

var _ connectorbuilder.ConnectorBuilderV2 = (*Connector)(nil)

// New returns the connector's constructor in the shape config.RunConnector
// takes: it builds the client and the connector from the configuration, with
// extra options applied after those the configuration sets.
func New(extra ...Option) func(context.Context, *cfg.Miro, *cli.ConnectorOpts) (connectorbuilder.ConnectorBuilderV2, []connectorbuilder.Opt, error) {
	return func(ctx context.Context, c *cfg.Miro, o *cli.ConnectorOpts) (connectorbuilder.ConnectorBuilderV2, []connectorbuilder.Opt, error) {
		token, err := cleanToken(c.AccessToken, "--miro-access-token", "BATON_MIRO_ACCESS_TOKEN")
		if err != nil {
			return nil, nil, err
		}
		if token == "" {
			return nil, nil, status.Error(codes.InvalidArgument, "the Miro access token is missing: set --miro-access-token or BATON_MIRO_ACCESS_TOKEN")
		}
		scimToken, err := cleanToken(c.SCIMAccessToken, "--miro-scim-access-token", "BATON_MIRO_SCIM_ACCESS_TOKEN")
		if err != nil {
			return nil, nil, err
		}
		// The SDK's transport logs requests with credentials redacted and honours
		// --http-timeout-seconds carried in ctx.
		httpClient, err := uhttp.NewClient(ctx, uhttp.WithLogger(true, ctxzap.Extract(ctx)), uhttp.WithUserAgent("baton-miro"))
		if err != nil {
			return nil, nil, fmt.Errorf("creating the HTTP client: %w", err)
		}
		client, err := miro.New(miro.Options{
			APIURL:      c.APIURL, // "" = Miro's
			SCIMURL:     c.SCIMURL,
			AccessToken: token,
			SCIMToken:   scimToken,
			HTTPClient:  httpClient,
			OnWait:      LogWait,
		})
		if err != nil {
			return nil, nil, optionError(err)
		}
		opts := append([]Option{WithSyncBoards(c.SyncBoards), WithTeamSettings(c.SyncTeamSettings), WithBoardClassification(c.SyncBoardClassification), WithTeamGroups(o == nil || o.WillSyncResourceType(userGroupResourceType.GetId()))}, extra...)
		return NewWithClient(client, opts...), nil, nil
	}
}

// NewWithClient builds the connector around an existing client (tests, tools).
func NewWithClient(client *miro.Client, opts ...Option) *Connector {
	c := &Connector{client: client, workers: 1}
	for _, o := range opts {
		o(c)
	}
	c.prefetch = newTeamPrefetch(c.fetchTeamMembers, c.workers)
	c.prefetch.abandoned = c.abandoned
	c.prefetch.off = c.noPrefetch
	client.SetGate(c.prefetch)
	c.scopes.onEnd = c.prefetch.end
	c.members = &memberIndex{client: client, orgID: c.OrgID, prefetch: c.prefetch}
	c.members.progress.sizeHint = func() int { return int(c.orgSize.Load()) }
	return c
}

// scope returns the scope of the sync a call belongs to.
func (c *Connector) scope(opts rs.SyncOpAttrs) *syncScope { return c.scopes.get(opts.SyncID) }

// cleanToken trims the whitespace that surrounds a token read from a secret
// file (a trailing newline, say) and refuses one with whitespace or a control
// character inside, naming the flag and never the value.
func cleanToken(raw, flag, env string) (string, error) {
	token := strings.TrimSpace(raw)
	if token != "" && !miro.ValidToken(token) {
		return "", status.Errorf(codes.InvalidArgument, "%s (%s) holds whitespace or a control character inside the token: "+
			"set it to the token alone, without quotes, spaces or line breaks", flag, env)
	}
	return token, nil
}

// LogWait logs at info a wait of the Miro client longer than miro.LongWait:
// what it waits for, why, and until when.
func LogWait(ctx context.Context, w miro.Wait) {
	msg := "waiting for " + w.For
	fields := []zap.Field{zap.String("waiting_for", w.For), zap.String("reason", w.Why)}
	if w.Call != "" {
		fields = append(fields, zap.String("call", w.Call))
	}
	if w.Until.IsZero() {
		msg += " (no deadline)"
	} else {
		msg += " until " + w.Until.UTC().Format(time.RFC3339)
		fields = append(fields, zap.Time("until", w.Until))
	}
	ctxzap.Extract(ctx).Info(msg, fields...)
}

// optionError names the flag behind an option the client refused.
func optionError(err error) error {
	var oe *miro.OptionError
	if errors.As(err, &oe) {
		switch oe.API {
		case miro.REST:
			return status.Errorf(codes.InvalidArgument, "--miro-api-url: %v", oe.Err)
		case miro.SCIM:
			return status.Errorf(codes.InvalidArgument, "--miro-scim-url: %v", oe.Err)
		}
	}
	return status.Error(codes.InvalidArgument, err.Error())
}

// ResourceSyncers returns one syncer per resource type; boards and projects
// only with --sync-boards. Each is wrapped so every SDK call through it is
// counted (accounting.go).
func (c *Connector) ResourceSyncers(_ context.Context) []connectorbuilder.ResourceSyncerV2 {
	syncers := c.syncers()
	for i, s := range syncers {
		syncers[i] = c.counted(s)
	}
	return syncers
}

// syncers are the resource types' syncers, unwrapped.
func (c *Connector) syncers() []connectorbuilder.ResourceSyncerV2 {
	syncers := []connectorbuilder.ResourceSyncerV2{
		&userBuilder{conn: c},
		&teamBuilder{conn: c},
		&roleBuilder{newRoleSyncer(c)},
		&adminRoleBuilder{newAdminRoleSyncer(c)},
		&licenseBuilder{newLicenseSyncer(c)},
		&userGroupBuilder{conn: c},
	}
	// The zero value (no client) describes the connector's capabilities:
	// boards and projects included, since they can be provisioned.
	if c.syncBoards || c.client == nil {
		syncers = append(syncers, &boardBuilder{conn: c}, &projectBuilder{conn: c})
	}
	return syncers
}

// Metadata describes the connector.
func (c *Connector) Metadata(_ context.Context) (*v2.ConnectorMetadata, error) {
	return v2.ConnectorMetadata_builder{
		DisplayName:           "Miro",
		Description:           "Syncs the members, teams and team roles, user groups, organization roles, admin roles and licenses of a Miro Enterprise organization (and, with --sync-boards, its boards and projects).",
		AccountCreationSchema: accountCreationSchema(),
	}.Build(), nil
}

// Validate runs at the start of every sync (full or targeted), at service
// start and on every /health probe, so it must cost next to nothing:
//
//   - every time, the token context (GET /v1/oauth-token: no credit level of
//     its own, at most Level 1): a revoked or wrong token fails here, as does a
//     token that belongs to no organization;
//   - once per process, the organization (GET /v2/orgs/{org}, Level 3, 500
//     credits) and, with a SCIM token, one SCIM user: these catch a user who is
//     not a Company Admin, an org not on Enterprise, a missing
//     organizations:read scope and a wrong SCIM token before the first sync
//     makes any other call. The first full sync uses that reading for license
//     seats; every later full sync reads the organization again where it needs
//     it (licenses, organization()) and pages org members (the same Level 3,
//     organizations:read, Company Admin and Enterprise gates), so a right lost
//     later fails that sync with the same message. A targeted sync reads only
//     its resource, whose own calls pass the same gates.
//
// A reading that failed is not kept: the next Validate reads again.
func (c *Connector) Validate(ctx context.Context) (annotations.Annotations, error) {
	tc, resp, err := c.client.TokenContext(ctx)
	if err != nil {
		return nil, explain(err, "checking the Miro access token")
	}
	if tc.Organization == nil || tc.Organization.ID == "" {
		return nil, errNoOrganization
	}
	c.mu.Lock()
	if c.orgID == "" {
		c.orgID = tc.Organization.ID
	}
	checked := c.orgChecked
	c.mu.Unlock()
	if checked {
		return rateLimitAnnotations(resp), nil
	}
	org, resp, err := c.client.GetOrganization(ctx, tc.Organization.ID)
	if err != nil {
		return nil, explain(err, "reading the Miro organization")
	}
	if c.client.HasSCIM() {
		// A wrong SCIM token would otherwise surface only at the first provisioning request.
		users, _, err := c.client.ListSCIMUsers(ctx, 1, 1, "")
		if err != nil {
			return nil, explain(err, "checking the Miro SCIM token")
		}
		// The org's size, for the member walk's expected end (progress.go).
		c.orgSize.Store(int64(users.TotalResults))
	}
	c.mu.Lock()
	c.org, c.orgChecked = org, true
	c.mu.Unlock()
	return rateLimitAnnotations(resp), nil
}

var errNoOrganization = status.Error(codes.FailedPrecondition,
	"the Miro access token does not belong to an organization: install the app in a Miro Enterprise organization "+
		"(as a Company Admin) and use that installation's token in --miro-access-token")

// OrgID returns the id of the organization the token belongs to, asking Miro once.
func (c *Connector) OrgID(ctx context.Context) (string, error) {
	c.mu.Lock()
	id := c.orgID
	c.mu.Unlock()
	if id != "" {
		return id, nil
	}
	tc, _, err := c.client.TokenContext(ctx)
	if err != nil {
		return "", explain(err, "checking the Miro access token")
	}
	if tc.Organization == nil || tc.Organization.ID == "" {
		return "", errNoOrganization
	}
	c.mu.Lock()
	c.orgID = tc.Organization.ID
	c.mu.Unlock()
	return tc.Organization.ID, nil
}

// organization returns the organization for a full sync's license seats: the
// reading of the process's first Validate if no sync has used it yet (the
// first sync of a process reads the organization once, as before), else a
// fresh reading, so every full sync sees the seats of its own time.
func (c *Connector) organization(ctx context.Context) (*miro.Organization, *miro.Response, error) {
	c.mu.Lock()
	org := c.org
	c.org = nil
	c.mu.Unlock()
	if org != nil {
		return org, nil, nil
	}
	orgID, err := c.OrgID(ctx)
	if err != nil {
		return nil, nil, err
	}
	org, resp, err := c.client.GetOrganization(ctx, orgID)
	if err != nil {
		return nil, resp, explain(err, "reading the Miro organization")
	}
	return org, resp, nil
}

// Usage is what the connector has asked of Miro in this process.
func (c *Connector) Usage() miro.Usage {
	if c == nil || c.client == nil {
		return miro.Usage{}
	}
	return c.client.Usage()
}

// Workers is the SDK's sync worker count the connector was built for (WithWorkers).
func (c *Connector) Workers() int { return c.workers }
