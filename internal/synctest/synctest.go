// Package synctest runs the Baton SDK's real syncer in-process against a
// connector and reads back the c1z it writes. Tests and benchmarks use it; it
// is not part of the connector.
package synctest

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/connectorclient"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
	sdksync "github.com/conductorone/baton-sdk/pkg/sync"
	"github.com/conductorone/baton-sdk/pkg/ugrpc"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
)

// Sync runs a full sync of conn into the c1z at path with the given number of
// workers, failing on any ingest invariant (a grant whose principal or
// entitlement was never listed, say).
// Extra options (a targeted sync, say) are passed to the syncer.
func Sync(ctx context.Context, conn connectorbuilder.ConnectorBuilderV2, path string, workers int, extra ...sdksync.SyncOpt) error {
	return SyncLogged(ctx, conn, path, workers, nil, extra...)
}

// SyncLogged is Sync with a logger in the context of every call the connector
// serves, as the SDK's runner provides one (ctxzap), so a test can observe what
// the connector logs. A nil log is Sync.
func SyncLogged(ctx context.Context, conn connectorbuilder.ConnectorBuilderV2, path string, workers int, log *zap.Logger, extra ...sdksync.SyncOpt) error {
	// The binary gives the connector and the syncer one worker count (the
	// connector sizes its calls in flight and its prefetcher by it): a test
	// that gives them two would run what no user runs.
	if c, ok := conn.(interface{ Workers() int }); ok && c.Workers() != sdksync.NormalizeWorkerCount(workers) {
		return fmt.Errorf("synctest: the connector was built for %d workers and the sync runs %d: build it with connector.WithWorkers(%d), as the binary does",
			c.Workers(), sdksync.NormalizeWorkerCount(workers), workers)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(path), "c1z-tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	store, err := dotc1z.NewStore(ctx, path, dotc1z.WithTmpDir(tmp))
	if err != nil {
		return fmt.Errorf("opening c1z: %w", err)
	}
	// The connector's calls carry the logger (ctxzap), as the SDK's runner
	// provides one, so a test can observe what the connector logs.
	if log == nil {
		log = zap.NewNop()
	}
	logCtx := ctxzap.ToContext(ctx, log)
	sessions, err := newSessionService(logCtx)
	if err != nil {
		_ = store.Close(ctx)
		return fmt.Errorf("starting the session service: %w", err)
	}
	defer sessions.close()
	// The syncer sets its store on the session server only when it opens the
	// c1z itself (the binary's path); here the store is opened above.
	sessions.server.SetSessionStore(ctx, store.SessionStore())
	srv, err := connectorbuilder.NewConnector(ctx, conn, connectorbuilder.WithSessionStore(sessions.store))
	if err != nil {
		_ = store.Close(ctx)
		return fmt.Errorf("building connector server: %w", err)
	}

	// The connector's server as the binary's connector process runs it: the
	// SDK's interceptors (request validation among them) and gRPC's default
	// 4 MB message limit.
	lis := bufconn.Listen(4 << 20)
	gs := grpc.NewServer(grpc.ChainUnaryInterceptor(ugrpc.UnaryServerInterceptor(logCtx)...))
	v2.RegisterResourceTypesServiceServer(gs, srv)
	v2.RegisterResourcesServiceServer(gs, srv)
	v2.RegisterEntitlementsServiceServer(gs, srv)
	v2.RegisterGrantsServiceServer(gs, srv)
	v2.RegisterConnectorServiceServer(gs, srv)
	v2.RegisterAssetServiceServer(gs, srv)
	v2.RegisterGrantManagerServiceServer(gs, srv)
	v2.RegisterResourceManagerServiceServer(gs, srv)
	v2.RegisterResourceDeleterServiceServer(gs, srv)
	v2.RegisterAccountManagerServiceServer(gs, srv)
	v2.RegisterCredentialManagerServiceServer(gs, srv)
	v2.RegisterEventServiceServer(gs, srv)
	v2.RegisterTicketsServiceServer(gs, srv)
	v2.RegisterActionServiceServer(gs, srv)
	v2.RegisterResourceGetterServiceServer(gs, srv)
	go func() { _ = gs.Serve(lis) }()
	defer gs.Stop()

	cc, err := grpc.NewClient("passthrough:///bufconn",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		_ = store.Close(ctx)
		return err
	}
	defer cc.Close()

	opts := append([]sdksync.SyncOpt{
		sdksync.WithConnectorStore(store),
		sdksync.WithTmpDir(tmp),
		sdksync.WithWorkerCount(workers),
		sdksync.WithFailFastInvariants(),
	}, extra...)
	s, err := sdksync.NewSyncer(ctx, connectorclient.NewConnectorClient(ctx, cc), opts...)
	if err != nil {
		_ = store.Close(ctx)
		return err
	}
	syncErr := s.Sync(ctx)
	// A failed sync returns while other workers' calls may still be running in
	// the connector (writing to the session store, say): let them end before
	// the store closes under them. A call to the session store that the
	// connector gave up on (its context cancelled with the sync) may still be
	// running in the session server: let that end too. (The race between the
	// SDK's store closing and its session server is the SDK's; the connector's
	// data is not at stake once the sync has ended.)
	stopGracefully(gs, 10*time.Second)
	stopGracefully(sessions.gs, 10*time.Second)
	closeErr := s.Close(ctx) // also closes the store
	if syncErr != nil {
		return syncErr
	}
	if err := sessions.err(); err != nil {
		return err
	}
	return closeErr
}

// stopGracefully waits for the server's running calls, up to limit.
func stopGracefully(gs *grpc.Server, limit time.Duration) {
	done := make(chan struct{})
	go func() {
		gs.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(limit):
		gs.Stop()
	}
}
