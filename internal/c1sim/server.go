// Package c1sim is a stand-in for ConductorOne's connector API as baton-sdk
// v0.25.0 uses it in service mode (a test double, written from the SDK's client
// code in pkg/tasks/c1api and pkg/ugrpc):
//
//   - POST https://HOST/auth/v1/token: OAuth client credentials whose client
//     assertion is a JWT signed with the Ed25519 key inside the client secret
//     ("secret-token:conductorone.com:v1:<base64url JWK>"). The stand-in checks
//     the signature, issuer, subject, audience (the host part of the client id
//     "name@HOST/..."), expiry and nonce reuse, and hands out a bearer token.
//   - gRPC c1.connectorapi.baton.v1.BatonService (Hello, GetTask, GetTasks,
//     Heartbeat, FinishTask, UploadAsset) over TLS on the same host and port;
//     every call must carry a token the endpoint issued.
//
// It generates its own CA and server certificate for 127.0.0.1, ::1 and
// localhost. The SDK builds its TLS clients with the system roots and does not
// let a caller add a CA, so a process under test trusts the stand-in through
// SSL_CERT_FILE (Go reads it instead of the system bundle on Linux), and
// BATON_C1_API_HOST points the SDK's token and gRPC clients at it. Env returns
// those variables together with the client id and secret.
//
// Tasks come from a scripted queue (Enqueue); the stand-in records what the
// connector reports for each (TaskState), stores uploaded assets (c1z files),
// and records every call (Calls). A claimed task whose heartbeats stop for
// Options.HeartbeatTimeout goes back to the queue, as ConductorOne retries a
// task whose connector vanished. It listens on loopback only.
package c1sim

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	v1 "github.com/conductorone/baton-sdk/pb/c1/connectorapi/baton/v1"
	"google.golang.org/grpc"
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// Addr to listen on; default "127.0.0.1:0". Only loopback addresses are accepted.
	Addr string
	// Dir holds the CA certificate and uploaded assets; default a new temp dir removed by Close.
	Dir string
	// ClientName is the part of the client id before "@"; default "baton-miro-test".
	ClientName string
	// Tenant is the host part of the client id (the JWT audience); default
	// "c1sim.invalid", which resolves nowhere, so only BATON_C1_API_HOST reaches the stand-in.
	Tenant string
	// TokenTTL is the lifetime of issued access tokens; default 1 hour.
	TokenTTL time.Duration
	// NextPoll is what GetTask tells the connector to wait when the queue is empty; default 200 ms.
	NextPoll time.Duration
	// NextHeartbeat is the heartbeat interval handed out; default 1 s (the SDK's minimum).
	NextHeartbeat time.Duration
	// HeartbeatTimeout: a running task with no heartbeat for this long is queued
	// again. Zero means never.
	HeartbeatTimeout time.Duration
	// Now replaces time.Now.
	Now func() time.Time
}

// Server is the stand-in. Create it with New, then Start.
type Server struct {
	opts     Options
	dir      string
	ownDir   bool
	caFile   string
	cert     tls.Certificate
	clientID string
	secret   string
	pub      ed25519.PublicKey

	ln   net.Listener
	http *http.Server
	grpc *grpc.Server

	mu      sync.Mutex
	tokens  map[string]time.Time // access token -> expiry
	nonces  map[string]bool
	queue   []string // task ids, in order
	tasks   map[string]*taskRecord
	order   []string // every task id ever enqueued
	calls   []Call
	hellos  []Hello
	nextID  int
	changed chan struct{} // closed and replaced on every state change
}

// New makes a server with fresh credentials and certificates; it does not listen yet.
func New(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.ClientName == "" {
		opts.ClientName = "baton-miro-test"
	}
	if opts.Tenant == "" {
		opts.Tenant = "c1sim.invalid"
	}
	if opts.TokenTTL == 0 {
		opts.TokenTTL = time.Hour
	}
	if opts.NextPoll == 0 {
		opts.NextPoll = 200 * time.Millisecond
	}
	if opts.NextHeartbeat == 0 {
		opts.NextHeartbeat = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	host, _, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("c1sim: address %q: %w", opts.Addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("c1sim: address %q is not loopback; the stand-in serves loopback only", opts.Addr)
	}
	s := &Server{opts: opts, tokens: map[string]time.Time{}, nonces: map[string]bool{},
		tasks: map[string]*taskRecord{}, changed: make(chan struct{})}
	if opts.Dir == "" {
		if s.dir, err = os.MkdirTemp("", "c1sim-"); err != nil {
			return nil, err
		}
		s.ownDir = true
	} else {
		s.dir = opts.Dir
		if err := os.MkdirAll(filepath.Join(s.dir, "uploads"), 0o700); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(filepath.Join(s.dir, "uploads"), 0o700); err != nil {
		return nil, err
	}
	var caPEM []byte
	if s.cert, caPEM, err = newTLS(); err != nil {
		return nil, err
	}
	s.caFile = filepath.Join(s.dir, "ca.pem")
	if err := os.WriteFile(s.caFile, caPEM, 0o644); err != nil { //nolint:gosec // a public certificate, read by a non-root container user
		return nil, err
	}
	if s.secret, s.pub, err = newClientSecret(); err != nil {
		return nil, err
	}
	s.clientID = opts.ClientName + "@" + opts.Tenant + "/pcc"
	return s, nil
}

// Start listens and serves the token endpoint and the gRPC service on one TLS port.
func (s *Server) Start() error {
	ln, err := new(net.ListenConfig).Listen(context.Background(), "tcp", s.opts.Addr)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// Serve serves on ln (which must be a loopback TCP listener), in the background.
func (s *Server) Serve(ln net.Listener) error {
	if a, ok := ln.Addr().(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
		_ = ln.Close()
		return fmt.Errorf("c1sim: listener %s is not loopback TCP", ln.Addr())
	}
	s.ln = ln
	s.grpc = grpc.NewServer(grpc.UnaryInterceptor(s.unaryAuth), grpc.StreamInterceptor(s.streamAuth),
		grpc.MaxRecvMsgSize(8<<20))
	v1.RegisterBatonServiceServer(s.grpc, &batonService{s: s})
	mux := http.NewServeMux()
	mux.HandleFunc("/auth/v1/token", s.tokenHandler)
	s.http = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ProtoMajor == 2 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc") {
				s.grpc.ServeHTTP(w, r)
				return
			}
			mux.ServeHTTP(w, r)
		}),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{s.cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}},
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = s.http.Serve(tls.NewListener(ln, s.http.TLSConfig)) }()
	return nil
}

// Close stops serving and removes the temp dir the server made (not a Dir given in Options).
func (s *Server) Close() {
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = s.http.Shutdown(ctx)
		cancel()
		_ = s.http.Close()
	}
	if s.ownDir {
		_ = os.RemoveAll(s.dir)
	}
}

// Host is host:port for BATON_C1_API_HOST.
func (s *Server) Host() string { return s.ln.Addr().String() }

// ClientID is the connector's client id, "name@tenant/pcc".
func (s *Server) ClientID() string { return s.clientID }

// ClientSecret is the connector's client secret (an Ed25519 JWK). Never log it.
func (s *Server) ClientSecret() string { return s.secret }

// CAFile is the path of the PEM CA certificate to trust (SSL_CERT_FILE).
func (s *Server) CAFile() string { return s.caFile }

// Dir is where the CA file and uploads live.
func (s *Server) Dir() string { return s.dir }

// Env is what a baton-miro process needs to run in service mode against the stand-in.
func (s *Server) Env() []string {
	return []string{
		"BATON_CLIENT_ID=" + s.clientID,
		"BATON_CLIENT_SECRET=" + s.secret,
		"BATON_C1_API_HOST=" + s.Host(),
		"SSL_CERT_FILE=" + s.caFile,
	}
}

// Secrets are the client secret and every access token issued so far, for leak checks.
func (s *Server) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, 1+len(s.tokens))
	out = append(out, s.secret)
	for t := range s.tokens {
		out = append(out, t)
	}
	return out
}

// notifyLocked wakes everyone waiting for a change. Call with s.mu held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Wait calls cond (which may use the Server's accessors) after every change
// until it returns true or ctx ends.
func (s *Server) Wait(ctx context.Context, cond func() bool) error {
	tick := time.NewTicker(100 * time.Millisecond) // heartbeat timeouts are noticed lazily
	defer tick.Stop()
	for {
		s.mu.Lock()
		s.reapLocked()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		case <-tick.C:
		}
	}
}
