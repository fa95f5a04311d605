//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/conductorone/baton-miro/internal/c1sim"
	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
)

// Service mode through the real binary: baton-miro takes its work from
// internal/c1sim (a stand-in of ConductorOne's connector API, over TLS on
// loopback) and reads Miro from internal/mirosim. Each test starts the process the
// way docs/kubernetes/deployment.yaml does (fixed host id, health server on),
// with its own TMPDIR so leftovers are visible.

// syncBuffer is an io.Writer safe to read while the process writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type service struct {
	t       *testing.T
	c1      *c1sim.Server
	sim     *mirosim.Server
	cmd     *exec.Cmd
	stderr  *syncBuffer
	tmp     string // the process's TMPDIR
	port    int    // health port
	started time.Time
	done    chan struct{} // closed when the process has exited
}

// newC1 starts a ConductorOne stand-in for the test.
func newC1(t *testing.T, opts c1sim.Options) *c1sim.Server {
	t.Helper()
	c1, err := c1sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := c1.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c1.Close)
	return c1
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startService runs baton-miro in service mode against c1 and sim and waits
// until /live and /ready answer 200.
func startService(t *testing.T, c1 *c1sim.Server, sim *mirosim.Server, scim string, env ...string) *service {
	t.Helper()
	return startServiceWith(t, c1, sim, scim, nil, env...)
}

// startServiceWith is startService with adjust applied to the command before it starts.
func startServiceWith(t *testing.T, c1 *c1sim.Server, sim *mirosim.Server, scim string, adjust func(*exec.Cmd), env ...string) *service {
	t.Helper()
	s := &service{t: t, c1: c1, sim: sim, stderr: &syncBuffer{}, port: freePort(t), done: make(chan struct{})}
	s.tmp = filepath.Join(t.TempDir(), "tmp")
	if err := os.Mkdir(s.tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(binary, simArgs(sim)...)
	s.cmd.Dir = t.TempDir()
	s.cmd.Env = append(append(append(cleanEnv(), c1.Env()...), envFor(goodToken, scim)...),
		"TMPDIR="+s.tmp,
		"BATON_HOST_ID=baton-miro",
		"BATON_HEALTH_CHECK=true",
		"BATON_HEALTH_CHECK_BIND_ADDRESS=127.0.0.1",
		"BATON_HEALTH_CHECK_PORT="+strconv.Itoa(s.port),
		"BATON_LOG_LEVEL=info",
	)
	s.cmd.Env = append(s.cmd.Env, env...)
	s.cmd.Stdout, s.cmd.Stderr = s.stderr, s.stderr
	// Its own process group, so cleanup can end the connector child too.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if adjust != nil {
		adjust(s.cmd)
	}
	s.started = time.Now()
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(s.kill)
	t.Cleanup(s.checkNoSecrets)
	took := s.waitProbes(2 * time.Minute)
	t.Logf("service up: /live and /ready 200 %s after start", took.Round(time.Millisecond))
	return s
}

// kill ends the process group if the test left the process running.
func (s *service) kill() {
	if !s.exited() {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	} else {
		// The parent is gone; make sure no connector child of it is left behind.
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	}
}

func (s *service) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// checkNoSecrets: neither the ConductorOne client secret, an access token it
// issued, nor a Miro token appears in the output.
func (s *service) checkNoSecrets() {
	out := s.stderr.String()
	for _, secret := range append(s.c1.Secrets(), goodToken, scimToken, badToken) {
		if strings.Contains(out, secret) {
			s.t.Errorf("a secret (%.12s…) appears in the output", secret)
		}
	}
	// The JWK inside the client secret, on its own.
	if i := strings.LastIndex(s.c1.ClientSecret(), ":"); strings.Contains(out, s.c1.ClientSecret()[i+1:]) {
		s.t.Errorf("the client key appears in the output")
	}
}

func (s *service) get(path string) (int, error) {
	c := http.Client{Timeout: 5 * time.Second} // the manifest's probe timeoutSeconds
	resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d%s", s.port, path))
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// waitProbes polls /live and /ready until both answer 200 and returns the time since start.
func (s *service) waitProbes(deadline time.Duration) time.Duration {
	s.t.Helper()
	end := time.Now().Add(deadline)
	for time.Now().Before(end) {
		if s.exited() {
			s.t.Fatalf("baton-miro exited before its probes answered (code %d)\n%s", s.cmd.ProcessState.ExitCode(), tail(s.stderr.String()))
		}
		live, err1 := s.get("/live")
		ready, err2 := s.get("/ready")
		if err1 == nil && err2 == nil && live == 200 && ready == 200 {
			return time.Since(s.started)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("/live and /ready did not both answer 200 within %s\n%s", deadline, tail(s.stderr.String()))
	return 0
}

// requireServing: the process runs and both probes answer 200.
func (s *service) requireServing() {
	s.t.Helper()
	if s.exited() {
		s.t.Fatalf("baton-miro exited (code %d)\n%s", s.cmd.ProcessState.ExitCode(), tail(s.stderr.String()))
	}
	for _, p := range []string{"/live", "/ready"} {
		if code, err := s.get(p); err != nil || code != 200 {
			s.t.Fatalf("%s: %d, %v", p, code, err)
		}
	}
}

// await waits until task id is finished and returns its state.
func (s *service) await(id string, within time.Duration) c1sim.TaskState {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	var st c1sim.TaskState
	err := s.c1.Wait(ctx, func() bool {
		st, _ = s.c1.Task(id)
		return st.Done() || s.exited()
	})
	if err != nil || !st.Done() {
		s.t.Fatalf("task %s (%s) not finished (%s, exited %v): %+v\n%s", id, st.Type, err, s.exited(), st, tail(s.stderr.String()))
	}
	return st
}

// sync runs a full sync task and returns the uploaded c1z's contents, which must equal sim's org.
func (s *service) sync() *synctest.Contents {
	s.t.Helper()
	st := s.await(s.c1.Enqueue(c1sim.FullSync()), 3*time.Minute)
	if st.Status != c1sim.Succeeded || len(st.Uploads) != 1 {
		s.t.Fatalf("full sync task: %s (%v %q), %d uploads\n%s", st.Status, st.Code, st.Message, len(st.Uploads), tail(s.stderr.String()))
	}
	got, err := synctest.Read(context.Background(), st.Uploads[0])
	if err != nil {
		s.t.Fatal(err)
	}
	if diff := simtest.Expect(s.sim.Org()).Diff(got); diff != "" {
		s.t.Fatalf("uploaded c1z differs from the simulated org:\n%s", diff)
	}
	return got
}

// tmpLeft lists the files in the process's TMPDIR with their sizes. Files
// only: while the process runs, the supervisor's private directory is there,
// empty between tasks.
func (s *service) tmpLeft() []string {
	var left []string
	_ = filepath.Walk(s.tmp, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && info.Name() != lockName && info.Name() != servicePidFile { // the supervisor's own
			rel, _ := filepath.Rel(s.tmp, path)
			left = append(left, fmt.Sprintf("%s (%d bytes)", rel, info.Size()))
		}
		return nil
	})
	return left
}

// TestServiceFullSyncExact: token, Hello, probes, and a full sync task whose
// uploaded c1z equals the simulated org; every ConductorOne call is authenticated.
func TestServiceFullSyncExact(t *testing.T) {
	sim, _ := simFor(t, mirosim.Options{}, 300, 30)
	c1 := newC1(t, c1sim.Options{})
	s := startService(t, c1, sim, scimToken, "BATON_WORKERS=2")
	got := s.sync()
	sum := got.Summarize()
	t.Logf("uploaded c1z: %d users, %d teams, %d grants; exact", sum.Resources["user"], sum.Resources["team"], len(got.Grants))

	hellos := c1.Hellos()
	if len(hellos) == 0 || hellos[0].HostID != "baton-miro" || hellos[0].Connector.GetDisplayName() == "" {
		t.Errorf("Hello: %+v", hellos)
	}
	for _, c := range c1.Calls() {
		if c.Method != "POST /auth/v1/token" && c.Code == int(codes.Unauthenticated) {
			t.Errorf("an unauthenticated call: %+v", c)
		}
	}
	if n := c1.CallCount("POST /auth/v1/token", http.StatusOK); n < 1 {
		t.Errorf("no token was issued")
	}
	s.requireServing()
}

// TestServiceProvisioning: grant and revoke tasks change the Miro simulator,
// each run twice (idempotent: success both times, one write each).
func TestServiceProvisioning(t *testing.T) {
	sim := mirosim.New(provisioningOrg(), mirosim.Options{Token: goodToken, SCIMToken: scimToken, Credits: -1})
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	c1 := newC1(t, c1sim.Options{})
	s := startService(t, c1, sim, scimToken, "BATON_PROVISIONING=true")

	c := s.sync()
	entID := "team:" + pTeamA + ":member"
	ent, alice := c.Entitlements[entID], c.Resources["user"][pAlice]
	if ent == nil || alice == nil {
		t.Fatalf("the sync lacks %s or user %s", entID, pAlice)
	}
	for i := range 2 {
		st := s.await(c1.Enqueue(c1sim.Grant(ent, alice)), 2*time.Minute)
		if st.Status != c1sim.Succeeded {
			t.Fatalf("grant #%d: %s %v %q", i+1, st.Status, st.Code, st.Message)
		}
	}
	if got, n := sim.Org().TeamRole(pTeamA, pAlice), sim.Count("invite_team_member"); got != "member" || n != 1 {
		t.Fatalf("after two grant tasks alice is %q of team A, %d invites (want member, 1)", got, n)
	}

	c = s.sync()
	grant := c.Grants[synctest.GrantKey(entID, "user", pAlice)]
	if grant == nil {
		t.Fatalf("the sync after the grant lacks it")
	}
	for i := range 2 {
		st := s.await(c1.Enqueue(c1sim.Revoke(grant)), 2*time.Minute)
		if st.Status != c1sim.Succeeded {
			t.Fatalf("revoke #%d: %s %v %q", i+1, st.Status, st.Code, st.Message)
		}
	}
	if got, n := sim.Org().TeamRole(pTeamA, pAlice), sim.Count("delete_team_member"); got != "" || n != 1 {
		t.Fatalf("after two revoke tasks alice is %q of team A, %d deletes (want none, 1)", got, n)
	}
	if c := s.sync(); c.Grants[synctest.GrantKey(entID, "user", pAlice)] != nil {
		t.Fatalf("the sync after the revoke still has the grant")
	}
	s.requireServing()
}

// TestServiceProvisioningOffByDefault: without BATON_PROVISIONING a grant task
// is refused and Miro sees no write.
func TestServiceProvisioningOffByDefault(t *testing.T) {
	sim := mirosim.New(provisioningOrg(), mirosim.Options{Token: goodToken, SCIMToken: scimToken, Credits: -1})
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	c1 := newC1(t, c1sim.Options{})
	s := startService(t, c1, sim, scimToken)
	c := s.sync()
	st := s.await(c1.Enqueue(c1sim.Grant(c.Entitlements["team:"+pTeamA+":member"], c.Resources["user"][pAlice])), 2*time.Minute)
	if st.Status != c1sim.Failed || st.Code != codes.FailedPrecondition || !strings.Contains(st.Message, "provisioning") {
		t.Fatalf("grant with provisioning off: %s %v %q, want failed FailedPrecondition about provisioning", st.Status, st.Code, st.Message)
	}
	t.Logf("refused: %v %q", st.Code, st.Message)
	for _, r := range writeRoutes {
		if n := sim.Count(r); n != 0 {
			t.Errorf("%d %s calls with provisioning off", n, r)
		}
	}
	s.requireServing()
}

// TestServiceFailedTaskKeepsServing: a sync whose Miro token was revoked is
// reported failed with the connector's message; the process keeps serving and
// syncs again once the token is valid.
func TestServiceFailedTaskKeepsServing(t *testing.T) {
	sim, _ := simFor(t, mirosim.Options{}, 50, 5)
	c1 := newC1(t, c1sim.Options{})
	s := startService(t, c1, sim, "")
	s.sync()

	sim.SetOptions(func(o *mirosim.Options) { o.Token = "tok-ROTATED-5d2c11" })
	st := s.await(c1.Enqueue(c1sim.FullSync()), 2*time.Minute)
	if st.Status != c1sim.Failed || st.Code != codes.Unauthenticated || !strings.Contains(st.Message, "--miro-access-token") {
		t.Fatalf("sync with a revoked token: %s %v %q, want failed Unauthenticated naming --miro-access-token", st.Status, st.Code, st.Message)
	}
	if len(st.Uploads) != 0 {
		t.Errorf("the failed sync uploaded %d assets", len(st.Uploads))
	}
	t.Logf("reported: %v %q", st.Code, st.Message)
	s.requireServing()
	if left := s.tmpLeft(); len(left) > 0 {
		t.Errorf("the failed sync left temp files: %v", left)
	}

	sim.SetOptions(func(o *mirosim.Options) { o.Token = goodToken })
	s.sync()
	s.requireServing()
}

// gracePeriod reads terminationGracePeriodSeconds from the manifest.
func gracePeriod(t *testing.T) time.Duration {
	t.Helper()
	raw, err := os.ReadFile("../../docs/kubernetes/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*terminationGracePeriodSeconds:\s*(\d+)`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("deployment.yaml sets no terminationGracePeriodSeconds")
	}
	n, _ := strconv.Atoi(string(m[1]))
	return time.Duration(n) * time.Second
}

// terminate sends SIGTERM to the process (as the kubelet does to PID 1) and
// waits up to the manifest's grace period; it returns the exit code and time.
func (s *service) terminate() (int, time.Duration) {
	s.t.Helper()
	grace := gracePeriod(s.t)
	sent := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatal(err)
	}
	select {
	case <-s.done:
	case <-time.After(grace):
		s.t.Fatalf("still running %s (terminationGracePeriodSeconds) after SIGTERM; the kubelet would SIGKILL it\n%s", grace, tail(s.stderr.String()))
	}
	return s.cmd.ProcessState.ExitCode(), time.Since(sent)
}

// TestServiceSIGTERMIdle: SIGTERM to an idle service is a clean stop: exit 0
// within the grace period, nothing left in TMPDIR.
// Pending the supervisor in main.go: today the process exits 1.
func TestServiceSIGTERMIdle(t *testing.T) {
	sim, _ := simFor(t, mirosim.Options{}, 20, 2)
	c1 := newC1(t, c1sim.Options{})
	s := startService(t, c1, sim, "")
	s.sync()
	code, took := s.terminate()
	t.Logf("idle SIGTERM: exit %d after %s", code, took.Round(time.Millisecond))
	if code != 0 {
		t.Errorf("exit %d after SIGTERM when idle, want 0 (a rollout is not a failure)\n%s", code, tail(s.stderr.String()))
	}
	requireEmptyDir(t, s.tmp)
}

// TestServiceSIGTERMDuringSync: SIGTERM in the middle of a sync task (what every
// rollout does) stops the process within the grace period with exit 0 and no
// temp files; the task is either reported to ConductorOne or, left running,
// handed out again after its heartbeats stop and completed exactly by the next
// process. Pending the supervisor in main.go: today the process leaves
// c1z-pebble* and baton-sdk-sync-upload* in TMPDIR and exits 1.
func TestServiceSIGTERMDuringSync(t *testing.T) {
	sim, org := simFor(t, mirosim.Options{Latency: 15 * time.Millisecond}, 3000, 400)
	c1 := newC1(t, c1sim.Options{HeartbeatTimeout: 5 * time.Second})
	s := startService(t, c1, sim, "", "BATON_WORKERS=2")
	id := c1.Enqueue(c1sim.FullSync())
	deadline := time.Now().Add(2 * time.Minute)
	for sim.Count("list_team_members") < 40 && time.Now().Before(deadline) && !s.exited() {
		time.Sleep(10 * time.Millisecond)
	}
	if sim.Count("list_team_members") < 40 {
		t.Fatalf("the sync did not get under way: %v\n%s", sim.Counts(), tail(s.stderr.String()))
	}
	code, took := s.terminate()
	st, _ := c1.Task(id)
	t.Logf("SIGTERM mid-sync: exit %d after %s; task %s (%v %q), %d uploads", code, took.Round(time.Millisecond), st.Status, st.Code, st.Message, len(st.Uploads))
	if st.Status == c1sim.Succeeded && sim.Count("list_team_members") >= totalTeamPages(org) {
		t.Skip("the sync finished before the signal landed; nothing to check")
	}
	if code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0 (a rollout is not a failure)", code)
	}
	requireEmptyDir(t, s.tmp)
	if strings.Contains(s.stderr.String(), "panic:") {
		t.Errorf("a panic in the output:\n%s", tail(s.stderr.String()))
	}

	// The next process (the new pod) picks the work up.
	next := startService(t, c1, sim, "", "BATON_WORKERS=2")
	if st.Done() {
		// Reported: ConductorOne schedules a new sync.
		t.Logf("the interrupted task was reported (%s); a new sync task follows", st.Status)
		next.sync()
		return
	}
	st = next.await(id, 3*time.Minute)
	if st.Status != c1sim.Succeeded || st.Attempts != 2 || len(st.Uploads) != 1 {
		t.Fatalf("the retried task: %+v", st)
	}
	got, err := synctest.Read(context.Background(), st.Uploads[0])
	if err != nil {
		t.Fatal(err)
	}
	if diff := simtest.Expect(sim.Org()).Diff(got); diff != "" {
		t.Fatalf("the retried sync's c1z differs from the org:\n%s", diff)
	}
	t.Logf("the unreported task was handed out again after its heartbeats stopped and completed exactly")
}
