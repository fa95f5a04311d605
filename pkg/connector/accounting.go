package connector

import (
	"context"
	"fmt"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/actions"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"google.golang.org/protobuf/types/known/structpb"
)

// SDK-call accounting. Every syncer and provisioner the connector hands the
// SDK is wrapped here (counted), so each SDK call is counted once, by the
// wrapper, and none can be forgotten: a call of a sync keeps that sync's scope
// alive (scope.go), and calls in flight or lately returned tell the prefetcher
// the SDK is still there (abandoned).

// enter counts an SDK call of sync syncID ("" outside a sync) until the
// returned func is called.
func (c *Connector) enter(syncID string) func() {
	if c == nil {
		return func() {} // a builder without a connector (mapping tests)
	}
	c.active.Add(1)
	release := c.scopes.hold(syncID)
	return func() {
		release()
		c.lastExit.Store(time.Now().UnixNano())
		c.active.Add(-1)
	}
}

// sdkGone is how long without any SDK call makes a sync count as abandoned;
// between its phases the SDK is away for a few seconds at most.
const sdkGone = 15 * time.Second

// abandoned reports that no SDK call is running nor has returned for sdkGone.
func (c *Connector) abandoned() bool {
	if c.active.Load() > 0 {
		return false
	}
	last := c.lastExit.Load()
	return last != 0 && time.Since(time.Unix(0, last)) > sdkGone
}

// counted wraps a syncer so that every call the SDK makes through it is
// counted. The wrapper offers exactly the SDK interfaces the syncer does (the
// SDK decides what a type can do by them), so each combination our types use
// has its own wrapper type; a syncer with another combination is a
// programming error that TestCountedKeepsCapabilities catches.
func (c *Connector) counted(s connectorbuilder.ResourceSyncerV2) connectorbuilder.ResourceSyncerV2 {
	base := &countedSyncer{c: c, s: s}
	get, isGet := s.(connectorbuilder.ResourceTargetedSyncerLimited)
	prov, isProv := s.(connectorbuilder.ResourceProvisionerV2Limited)
	ts, isTS := s.(connectorbuilder.TypeScopedGrantsSyncer)
	acct, isAcct := s.(connectorbuilder.AccountManagerLimited)
	del, isDel := s.(connectorbuilder.ResourceDeleterV2Limited)
	act, isAct := s.(connectorbuilder.ResourceActionProvider)
	type caps struct{ get, prov, ts, acct, del, act bool }
	switch (caps{isGet, isProv, isTS, isAcct, isDel, isAct}) {
	case caps{get: true}:
		return &countedGetType{base, &countedGetter{c, get}}
	case caps{get: true, prov: true}: // teams, user groups, boards, projects
		return &countedGroupType{base, &countedGetter{c, get}, &countedProvisioner{c, prov}}
	case caps{prov: true, ts: true}: // roles, admin roles, licenses
		return &countedAttributeType{base, &countedTypeGrants{c, ts}, &countedProvisioner{c, prov}}
	case caps{get: true, acct: true, del: true, act: true}: // users
		return &countedUserType{base, &countedGetter{c, get}, &countedAccounts{c, acct, del, act}}
	}
	panic(fmt.Sprintf("connector: no counting wrapper for the capabilities of %T", s))
}

type (
	countedGetType struct {
		*countedSyncer
		*countedGetter
	}
	countedGroupType struct {
		*countedSyncer
		*countedGetter
		*countedProvisioner
	}
	countedAttributeType struct {
		*countedSyncer
		*countedTypeGrants
		*countedProvisioner
	}
	countedUserType struct {
		*countedSyncer
		*countedGetter
		*countedAccounts
	}
)

type countedSyncer struct {
	c *Connector
	s connectorbuilder.ResourceSyncerV2
}

func (w *countedSyncer) ResourceType(ctx context.Context) *v2.ResourceType {
	return w.s.ResourceType(ctx)
}

func (w *countedSyncer) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	defer w.c.enter(opts.SyncID)()
	return w.s.List(ctx, parent, opts)
}

func (w *countedSyncer) Entitlements(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	defer w.c.enter(opts.SyncID)()
	return w.s.Entitlements(ctx, r, opts)
}

func (w *countedSyncer) Grants(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	defer w.c.enter(opts.SyncID)()
	return w.s.Grants(ctx, r, opts)
}

type countedTypeGrants struct {
	c *Connector
	s connectorbuilder.TypeScopedGrantsSyncer
}

func (w *countedTypeGrants) GrantsForResourceType(ctx context.Context, rt string, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	defer w.c.enter(opts.SyncID)()
	return w.s.GrantsForResourceType(ctx, rt, opts)
}

type countedGetter struct {
	c *Connector
	s connectorbuilder.ResourceTargetedSyncerLimited
}

func (w *countedGetter) Get(ctx context.Context, id, parent *v2.ResourceId) (*v2.Resource, annotations.Annotations, error) {
	defer w.c.enter("")()
	return w.s.Get(ctx, id, parent)
}

type countedProvisioner struct {
	c *Connector
	s connectorbuilder.ResourceProvisionerV2Limited
}

func (w *countedProvisioner) Grant(ctx context.Context, principal *v2.Resource, e *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	defer w.c.enter("")()
	return w.s.Grant(ctx, principal, e)
}

func (w *countedProvisioner) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	defer w.c.enter("")()
	return w.s.Revoke(ctx, g)
}

type countedAccounts struct {
	c   *Connector
	acc connectorbuilder.AccountManagerLimited
	del connectorbuilder.ResourceDeleterV2Limited
	act connectorbuilder.ResourceActionProvider
}

func (w *countedAccounts) CreateAccount(ctx context.Context, info *v2.AccountInfo, creds *v2.LocalCredentialOptions) (connectorbuilder.CreateAccountResponse, []*v2.PlaintextData, annotations.Annotations, error) {
	defer w.c.enter("")()
	return w.acc.CreateAccount(ctx, info, creds)
}

func (w *countedAccounts) CreateAccountCapabilityDetails(ctx context.Context) (*v2.CredentialDetailsAccountProvisioning, annotations.Annotations, error) {
	return w.acc.CreateAccountCapabilityDetails(ctx)
}

func (w *countedAccounts) Delete(ctx context.Context, id, parent *v2.ResourceId) (annotations.Annotations, error) {
	defer w.c.enter("")()
	return w.del.Delete(ctx, id, parent)
}

// ResourceActions registers the syncer's actions with handlers that are counted.
func (w *countedAccounts) ResourceActions(ctx context.Context, reg actions.ActionRegistry) error {
	return w.act.ResourceActions(ctx, countedActions{w.c, reg})
}

type countedActions struct {
	c *Connector
	actions.ActionRegistry
}

func (r countedActions) Register(ctx context.Context, schema *v2.BatonActionSchema, h actions.ActionHandler) error {
	return r.ActionRegistry.Register(ctx, schema, r.count(h))
}

func (r countedActions) RegisterAction(ctx context.Context, name string, schema *v2.BatonActionSchema, h actions.ActionHandler) error {
	return r.ActionRegistry.RegisterAction(ctx, name, schema, r.count(h)) //nolint:staticcheck // the registry's deprecated form, passed on
}

func (r countedActions) count(h actions.ActionHandler) actions.ActionHandler {
	return func(ctx context.Context, args *structpb.Struct) (*structpb.Struct, annotations.Annotations, error) {
		defer r.c.enter("")()
		rv, annos, err := h(ctx, args)
		if err != nil && r.c.actionFailed != nil {
			r.c.actionFailed(err)
		}
		return rv, annos, err
	}
}
