package synctest

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sync"

	baton_v1 "github.com/conductorone/baton-sdk/pb/c1/connectorapi/baton/v1"
	"github.com/conductorone/baton-sdk/pkg/cli"
	"github.com/conductorone/baton-sdk/pkg/session"
	"github.com/conductorone/baton-sdk/pkg/types/sessions"
	"github.com/conductorone/baton-sdk/pkg/ugrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
)

// sessionService is the session store as the binary's connector reaches it:
// the SDK's caching store (the one its CLI builds for the connector process,
// at the default 15 MiB) over a gRPC client of the SDK's session server, which
// runs behind the SDK's interceptors, request validation included
// (proto/c1/connectorapi/baton/v1/session.proto: 1–100 pairs per SetMany,
// 1–100 keys per GetMany, keys of at most 512 characters), backed by the c1z's
// session store.
//
// Beyond the binary it answers part of every GetMany as unprocessed (the
// proto allows it; the SDK's stores do it past a size), so a connector that
// reads unprocessed keys as absent fails here; and it remembers every request
// the server refused, which fails the sync even when the connector swallowed
// the error.
type sessionService struct {
	server *session.GRPCSessionServer
	store  sessions.SessionStore // what the connector gets
	gs     *grpc.Server
	cc     *grpc.ClientConn

	mu      sync.Mutex
	refused []string
}

func newSessionService(ctx context.Context) (*sessionService, error) {
	s := &sessionService{server: session.NewGRPCSessionServer()}
	lis := bufconn.Listen(4 << 20)
	// watch first: it sees what the SDK's interceptors (validation) refuse.
	interceptors := append([]grpc.UnaryServerInterceptor{s.watch}, ugrpc.UnaryServerInterceptor(ctx)...)
	s.gs = grpc.NewServer(grpc.ChainUnaryInterceptor(interceptors...))
	baton_v1.RegisterBatonSessionServiceServer(s.gs, s.server)
	go func() { _ = s.gs.Serve(lis) }()
	cc, err := grpc.NewClient("passthrough:///session",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		s.gs.Stop()
		return nil, err
	}
	s.cc = cc
	client := baton_v1.NewBatonSessionServiceClient(cc)
	cached := cli.NewLazyCachingSessionStore(func(ctx context.Context, opt ...sessions.SessionStoreConstructorOption) (sessions.SessionStore, error) {
		return session.NewGRPCSessionStore(ctx, client, opt...)
	}, nil)
	s.store = partialGetMany{cached}
	return s, nil
}

// watch records every request the session server refused, by the SDK's
// validation or its handler.
func (s *sessionService) watch(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	resp, err := handler(ctx, req)
	if err != nil {
		s.mu.Lock()
		s.refused = append(s.refused, fmt.Sprintf("%s: %v", info.FullMethod, err))
		s.mu.Unlock()
	}
	return resp, err
}

// err reports the requests the server refused during the sync.
func (s *sessionService) err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.refused) == 0 {
		return nil
	}
	return fmt.Errorf("the SDK's session service refused %d requests of the connector, first: %s", len(s.refused), s.refused[0])
}

func (s *sessionService) close() {
	_ = s.cc.Close()
	s.gs.Stop()
}

// partialGetMany answers a GetMany of more than one key with the first half
// of its keys (sorted) and returns the others as unprocessed.
type partialGetMany struct{ sessions.SessionStore }

func (p partialGetMany) GetMany(ctx context.Context, keys []string, opt ...sessions.SessionStoreOption) (map[string][]byte, []string, error) {
	if len(keys) < 2 {
		return p.SessionStore.GetMany(ctx, keys, opt...)
	}
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	half := (len(sorted) + 1) / 2
	got, unprocessed, err := p.SessionStore.GetMany(ctx, sorted[:half], opt...)
	if err != nil {
		return nil, nil, err
	}
	return got, append(unprocessed, sorted[half:]...), nil
}
