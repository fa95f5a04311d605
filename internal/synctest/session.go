package synctest

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	baton_v1 "github.com/conductorone/baton-sdk/pb/c1/connectorapi/baton/v1"
	"github.com/conductorone/baton-sdk/pkg/cli"
	"github.com/conductorone/baton-sdk/pkg/session"
	"github.com/conductorone/baton-sdk/pkg/types/sessions"
	"github.com/conductorone/baton-sdk/pkg/ugrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
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
	every, _ := ctx.Value(sessionFaultsKey{}).(int)
	s.store = &testStore{SessionStore: cached, every: every}
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

// WithSessionFaults returns a context under which Sync's session store fails
// every nth call of the connector (gRPC Unavailable, as a store briefly away),
// after the SDK's request validation would have passed it.
func WithSessionFaults(ctx context.Context, every int) context.Context {
	return context.WithValue(ctx, sessionFaultsKey{}, every)
}

type sessionFaultsKey struct{}

// testStore is what the connector gets: the binary's store, with part of
// every GetMany of two or more keys answered as unprocessed (the second half
// of its distinct keys, in the order given) and the faults of WithSessionFaults.
type testStore struct {
	sessions.SessionStore
	every int
	calls atomic.Int64
}

func (s *testStore) fault() error {
	if s.every > 0 && s.calls.Add(1)%int64(s.every) == 0 {
		return status.Error(codes.Unavailable, "synctest: the session store is briefly away")
	}
	return nil
}

func (s *testStore) GetMany(ctx context.Context, keys []string, opt ...sessions.SessionStoreOption) (map[string][]byte, []string, error) {
	if err := s.fault(); err != nil {
		return nil, nil, err
	}
	keys = distinct(keys)
	if len(keys) < 2 {
		return s.SessionStore.GetMany(ctx, keys, opt...)
	}
	half := (len(keys) + 1) / 2
	got, unprocessed, err := s.SessionStore.GetMany(ctx, keys[:half], opt...)
	if err != nil {
		return nil, nil, err
	}
	return got, append(unprocessed, keys[half:]...), nil
}

// distinct is keys without repeats, in their order (the caching store below
// asks the server for each key once, too).
func distinct(keys []string) []string {
	seen := make(map[string]bool, len(keys))
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

func (s *testStore) Get(ctx context.Context, key string, opt ...sessions.SessionStoreOption) ([]byte, bool, error) {
	if err := s.fault(); err != nil {
		return nil, false, err
	}
	return s.SessionStore.Get(ctx, key, opt...)
}

func (s *testStore) Set(ctx context.Context, key string, value []byte, opt ...sessions.SessionStoreOption) error {
	if err := s.fault(); err != nil {
		return err
	}
	return s.SessionStore.Set(ctx, key, value, opt...)
}

func (s *testStore) SetMany(ctx context.Context, values map[string][]byte, opt ...sessions.SessionStoreOption) error {
	if err := s.fault(); err != nil {
		return err
	}
	return s.SessionStore.SetMany(ctx, values, opt...)
}
