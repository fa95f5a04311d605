package c1sim

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/conductorone/baton-sdk/pb/c1/connectorapi/baton/v1"
	"github.com/conductorone/baton-sdk/pkg/crypto"
	"github.com/conductorone/baton-sdk/pkg/ugrpc"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
)

// sdkServer is served for the whole package: the SDK's clients trust it through
// SSL_CERT_FILE, which Go reads once per process, so one CA serves every test
// that goes through the SDK's own client code.
var sdkServer *Server

func TestMain(m *testing.M) {
	var err error
	if sdkServer, err = New(Options{}); err != nil {
		panic(err)
	}
	if err := sdkServer.Start(); err != nil {
		panic(err)
	}
	for _, kv := range sdkServer.Env() {
		k, v, _ := strings.Cut(kv, "=")
		if k != "BATON_CLIENT_ID" && k != "BATON_CLIENT_SECRET" {
			os.Setenv(k, v)
		}
	}
	code := m.Run()
	sdkServer.Close()
	os.Exit(code)
}

// sdkConn dials the stand-in the way baton-sdk's c1api service client does:
// the SDK's credential provider, TLS with the system roots, BATON_C1_API_HOST.
func sdkConn(t *testing.T, s *Server) v1.BatonServiceClient {
	t.Helper()
	creds, name, tokenHost, err := ugrpc.NewC1CredentialProvider(context.Background(), s.ClientID(), s.ClientSecret())
	if err != nil {
		t.Fatal(err)
	}
	if name != "baton-miro-test" || tokenHost != "c1sim.invalid" {
		t.Fatalf("the SDK parsed the client id as %q @ %q", name, tokenHost)
	}
	cc, err := grpc.NewClient(os.Getenv("BATON_C1_API_HOST"),
		grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12})),
		grpc.WithPerRPCCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return v1.NewBatonServiceClient(cc)
}

func TestClientSecretParsesWithSDK(t *testing.T) {
	key, err := crypto.ParseClientSecret([]byte(sdkServer.ClientSecret()), false)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := key.Key.(ed25519.PrivateKey); !ok {
		t.Fatalf("key is %T", key.Key)
	}
}

// TestSDKClientRunsATask: token, GetTask, Heartbeat, UploadAsset and FinishTask
// through the SDK's credential provider; every call is recorded with code OK.
func TestSDKClientRunsATask(t *testing.T) {
	s := sdkServer
	c := sdkConn(t, s)
	ctx := context.Background()
	id := s.Enqueue(FullSync())

	resp, err := c.GetTask(ctx, v1.BatonServiceGetTaskRequest_builder{HostId: "host-1"}.Build())
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetTask().GetId() != id || resp.GetTask().GetSyncFull() == nil {
		t.Fatalf("GetTask gave %v, want full sync %s", resp.GetTask(), id)
	}
	if st, _ := s.Task(id); st.Status != Running || st.Attempts != 1 || st.HostIDs[0] != "host-1" {
		t.Fatalf("after GetTask: %+v", st)
	}
	if resp, err := c.GetTask(ctx, v1.BatonServiceGetTaskRequest_builder{HostId: "host-1"}.Build()); err != nil || resp.GetTask() != nil {
		t.Fatalf("empty queue: task %v, err %v", resp.GetTask(), err)
	}
	hb, err := c.Heartbeat(ctx, v1.BatonServiceHeartbeatRequest_builder{HostId: "host-1", TaskId: id}.Build())
	if err != nil || hb.GetCancelled() {
		t.Fatalf("heartbeat: %v, cancelled %v", err, hb.GetCancelled())
	}

	payload := bytes.Repeat([]byte("c1z!"), 300000) // > 1 MB: several chunks
	up, err := c.UploadAsset(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(payload)
	msgs := []*v1.BatonServiceUploadAssetRequest{
		v1.BatonServiceUploadAssetRequest_builder{Metadata: v1.BatonServiceUploadAssetRequest_UploadMetadata_builder{HostId: "host-1", TaskId: id}.Build()}.Build(),
	}
	for i := 0; i < len(payload); i += 512 << 10 {
		msgs = append(msgs, v1.BatonServiceUploadAssetRequest_builder{Data: v1.BatonServiceUploadAssetRequest_UploadData_builder{Data: payload[i:min(len(payload), i+512<<10)]}.Build()}.Build())
	}
	msgs = append(msgs, v1.BatonServiceUploadAssetRequest_builder{Eof: v1.BatonServiceUploadAssetRequest_UploadEOF_builder{Sha256Checksum: sum[:]}.Build()}.Build())
	for _, m := range msgs {
		if err := up.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := up.CloseAndRecv(); err != nil {
		t.Fatal(err)
	}

	if _, err := c.FinishTask(ctx, v1.BatonServiceFinishTaskRequest_builder{HostId: "host-1", TaskId: id,
		Success: v1.BatonServiceFinishTaskRequest_Success_builder{}.Build()}.Build()); err != nil {
		t.Fatal(err)
	}
	st, _ := s.Task(id)
	if st.Status != Succeeded || st.Heartbeats != 1 || len(st.Uploads) != 1 || st.FinishCalls != 1 {
		t.Fatalf("final state %+v", st)
	}
	got, err := os.ReadFile(st.Uploads[0])
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("stored upload: %d bytes, err %v; want %d bytes", len(got), err, len(payload))
	}
	// A heartbeat after the finish answers cancelled; a second finish is refused.
	if hb, err := c.Heartbeat(ctx, v1.BatonServiceHeartbeatRequest_builder{HostId: "host-1", TaskId: id}.Build()); err != nil || !hb.GetCancelled() {
		t.Errorf("heartbeat after finish: %v, cancelled %v", err, hb.GetCancelled())
	}
	_, err = c.FinishTask(ctx, v1.BatonServiceFinishTaskRequest_builder{HostId: "host-1", TaskId: id,
		Success: v1.BatonServiceFinishTaskRequest_Success_builder{}.Build()}.Build())
	if status.Code(err) != codes.FailedPrecondition {
		t.Errorf("second finish: %v, want FailedPrecondition", err)
	}
	if n := s.CallCount("POST /auth/v1/token", http.StatusOK); n < 1 {
		t.Errorf("%d token grants recorded", n)
	}
	for _, m := range []string{"GetTask", "Heartbeat", "UploadAsset", "FinishTask"} {
		if s.CallCount(m, int(codes.OK)) == 0 {
			t.Errorf("no successful %s recorded: %+v", m, s.Calls())
		}
	}
}

// TestUploadChecksumMismatch: an upload whose EOF checksum is wrong is refused and not stored.
func TestUploadChecksumMismatch(t *testing.T) {
	s := sdkServer
	c := sdkConn(t, s)
	id := s.Enqueue(FullSync())
	// Take the task, as a connector does before uploading for it: the queue is shared by the package's tests.
	if resp, err := c.GetTask(context.Background(), v1.BatonServiceGetTaskRequest_builder{HostId: "h"}.Build()); err != nil || resp.GetTask().GetId() != id {
		t.Fatalf("GetTask: %v, %v; want the task %s", resp.GetTask().GetId(), err, id)
	}
	up, err := c.UploadAsset(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_ = up.Send(v1.BatonServiceUploadAssetRequest_builder{Metadata: v1.BatonServiceUploadAssetRequest_UploadMetadata_builder{HostId: "h", TaskId: id}.Build()}.Build())
	_ = up.Send(v1.BatonServiceUploadAssetRequest_builder{Data: v1.BatonServiceUploadAssetRequest_UploadData_builder{Data: []byte("abc")}.Build()}.Build())
	_ = up.Send(v1.BatonServiceUploadAssetRequest_builder{Eof: v1.BatonServiceUploadAssetRequest_UploadEOF_builder{Sha256Checksum: make([]byte, 32)}.Build()}.Build())
	if _, err := up.CloseAndRecv(); status.Code(err) != codes.DataLoss {
		t.Fatalf("upload with a wrong checksum: %v, want DataLoss", err)
	}
	if st, _ := s.Task(id); len(st.Uploads) != 0 {
		t.Fatalf("stored %v", st.Uploads)
	}
}

// startOwn starts a server of its own (not trusted through SSL_CERT_FILE) and an
// HTTP client that trusts its CA.
func startOwn(t *testing.T, opts Options) (*Server, *http.Client) {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	pool := x509.NewCertPool()
	pem, err := os.ReadFile(s.CAFile())
	if err != nil || !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("reading the CA: %v", err)
	}
	return s, &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}

// assertion signs claims the way ugrpc.c1TokenSource does.
func assertion(t *testing.T, key any, claims jwt.Claims, nonce string) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	if nonce != "" {
		opts.WithHeader("nonce", nonce)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := signer.Sign(raw)
	if err != nil {
		t.Fatal(err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTokenEndpointRefusals: each way an assertion can be wrong is refused.
func TestTokenEndpointRefusals(t *testing.T) {
	s, hc := startOwn(t, Options{})
	key, err := crypto.ParseClientSecret([]byte(s.ClientSecret()), false)
	if err != nil {
		t.Fatal(err)
	}
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	now := time.Now()
	good := jwt.Claims{Issuer: s.ClientID(), Subject: s.ClientID(), Audience: jwt.Audience{"c1sim.invalid"},
		Expiry: jwt.NewNumericDate(now.Add(2 * time.Minute)), IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-2 * time.Minute))}
	with := func(f func(*jwt.Claims)) jwt.Claims { c := good; f(&c); return c }
	post := func(form url.Values) int {
		resp, err := hc.PostForm("https://"+s.Host()+"/auth/v1/token", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	form := func(clientID, a string) url.Values {
		return url.Values{"client_id": {clientID}, "grant_type": {"client_credentials"},
			"client_assertion_type": {assertionType}, "client_assertion": {a}}
	}
	n := 0
	nonce := func() string { n++; return fmt.Sprintf("nonce-%d", n) }

	if code := post(form(s.ClientID(), assertion(t, key, good, "fixed"))); code != http.StatusOK {
		t.Fatalf("a good assertion got %d", code)
	}
	cases := []struct {
		name string
		form url.Values
		want int
	}{
		{"replayed nonce", form(s.ClientID(), assertion(t, key, good, "fixed")), 401},
		{"no nonce", form(s.ClientID(), assertion(t, key, good, "")), 401},
		{"wrong key", form(s.ClientID(), assertion(t, otherKey, good, nonce())), 401},
		{"wrong audience", form(s.ClientID(), assertion(t, key, with(func(c *jwt.Claims) { c.Audience = jwt.Audience{"127.0.0.1"} }), nonce())), 401},
		{"wrong issuer", form(s.ClientID(), assertion(t, key, with(func(c *jwt.Claims) { c.Issuer = "x@c1sim.invalid/pcc" }), nonce())), 401},
		{"expired", form(s.ClientID(), assertion(t, key, with(func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(now.Add(-time.Minute)) }), nonce())), 401},
		{"far expiry", form(s.ClientID(), assertion(t, key, with(func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(now.Add(time.Hour)) }), nonce())), 401},
		{"unknown client", form("other@c1sim.invalid/pcc", assertion(t, key, good, nonce())), 401},
		{"password grant", func() url.Values {
			f := form(s.ClientID(), assertion(t, key, good, nonce()))
			f.Set("grant_type", "password")
			return f
		}(), 400},
	}
	for _, tc := range cases {
		if code := post(tc.form); code != tc.want {
			t.Errorf("%s: HTTP %d, want %d", tc.name, code, tc.want)
		}
	}
	if got := s.CallCount("POST /auth/v1/token", http.StatusOK); got != 1 {
		t.Errorf("%d tokens issued, want 1", got)
	}
}

// TestGRPCNeedsToken: calls without a token, or with one the endpoint did not issue, are refused.
func TestGRPCNeedsToken(t *testing.T) {
	s, _ := startOwn(t, Options{})
	pool := x509.NewCertPool()
	pem, _ := os.ReadFile(s.CAFile())
	pool.AppendCertsFromPEM(pem)
	for name, opts := range map[string][]grpc.DialOption{
		"no token":     nil,
		"forged token": {grpc.WithPerRPCCredentials(staticToken("c1sim-at-forged"))},
	} {
		t.Run(name, func(t *testing.T) {
			cc, err := grpc.NewClient(s.Host(), append(opts, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})))...)
			if err != nil {
				t.Fatal(err)
			}
			defer cc.Close()
			s.Enqueue(FullSync())
			_, err = v1.NewBatonServiceClient(cc).GetTask(context.Background(), v1.BatonServiceGetTaskRequest_builder{HostId: "h"}.Build())
			if status.Code(err) != codes.Unauthenticated {
				t.Fatalf("GetTask: %v, want Unauthenticated", err)
			}
		})
	}
	for _, st := range s.Tasks() {
		if st.Status != Queued {
			t.Errorf("task %s handed out to an unauthenticated caller", st.ID)
		}
	}
	if n := s.CallCount("GetTask", int(codes.Unauthenticated)); n != 2 {
		t.Errorf("%d refused GetTask calls recorded, want 2", n)
	}
}

type staticToken string

func (s staticToken) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(s)}, nil
}
func (staticToken) RequireTransportSecurity() bool { return true }

// TestHeartbeatTimeoutRequeues: a task whose heartbeats stop is handed out again.
func TestHeartbeatTimeoutRequeues(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s, err := New(Options{HeartbeatTimeout: 10 * time.Second, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	id := s.Enqueue(FullSync())
	s.mu.Lock()
	first := s.takeLocked("a")
	s.mu.Unlock()
	if first.GetId() != id {
		t.Fatalf("took %v", first)
	}
	advance(5 * time.Second)
	s.mu.Lock()
	if s.takeLocked("b") != nil {
		t.Fatal("a task with a fresh heartbeat was handed out twice")
	}
	s.mu.Unlock()
	advance(6 * time.Second)
	s.mu.Lock()
	again := s.takeLocked("b")
	s.mu.Unlock()
	if again.GetId() != id {
		t.Fatalf("after the heartbeat timeout: %v", again)
	}
	if st, _ := s.Task(id); st.Attempts != 2 || st.Requeued != 1 || strings.Join(st.HostIDs, ",") != "a,b" {
		t.Fatalf("state %+v", st)
	}
}

func TestLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "10.1.2.3:443", ":0"} {
		if _, err := New(Options{Addr: addr}); err == nil {
			t.Errorf("New accepted %s", addr)
		}
	}
}
