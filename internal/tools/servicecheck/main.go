// Command servicecheck is the Kubernetes story of scripts/ci/k8s-smoke.sh: it
// runs the baton-miro container image with podman the way
// docs/kubernetes/deployment.yaml configures it (the flags come from
// docs/kubernetes/cmd/podman-spec) against the two stand-ins, ConductorOne's
// connector API (internal/c1sim) and Miro (internal/mirosim), and checks what a pod
// must do: answer its probes within seconds, take a full sync task and upload
// a c1z that equals the simulated org, refuse a grant while provisioning is off,
// report a failed task (revoked Miro token) and keep serving, stop within the
// grace period on SIGTERM in the middle of a sync with nothing left in /tmp, and
// with BATON_PROVISIONING=true apply grant and revoke tasks idempotently.
//
// The container gets a network namespace of its own, as a pod does (--netns, made
// by the script with `ip netns add`); the stand-ins listen on its loopback and the
// probes reach 127.0.0.1:<port> in it. /tmp is a host tmpfs of the manifest's
// emptyDir size (--tmp), bind-mounted, so what a stop leaves behind can be seen.
// Only test wiring is added to the manifest's settings: BATON_C1_API_HOST and
// SSL_CERT_FILE (the stand-in's CA), BATON_MIRO_API_URL/BATON_MIRO_SCIM_URL, and
// the secret's keys through an --env-file.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
	"google.golang.org/grpc/codes"

	"github.com/conductorone/baton-miro/internal/c1sim"
	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
)

type spec struct {
	Args                []string `json:"args"`
	SecretKeys          []string `json:"secretKeys"`
	Port                int32    `json:"port"`
	StartupPath         string   `json:"startupPath"`
	LivenessPath        string   `json:"livenessPath"`
	ReadinessPath       string   `json:"readinessPath"`
	ProbeTimeoutSeconds int32    `json:"probeTimeoutSeconds"`
	StartupBudgetSecs   int32    `json:"startupBudgetSeconds"`
	GraceSeconds        int64    `json:"graceSeconds"`
	TmpMount            string   `json:"tmpMount"`
	TmpSizeBytes        int64    `json:"tmpSizeBytes"`
}

var (
	specFile = flag.String("spec", "", "JSON from docs/kubernetes/cmd/podman-spec")
	image    = flag.String("image", "", "container image to run")
	netns    = flag.String("netns", "", "network namespace path for the container, stand-ins and probes (empty: the current one)")
	work     = flag.String("work", "", "work directory")
	tmpDir   = flag.String("tmp", "", "host directory (a tmpfs) mounted at the manifest's emptyDir path")
	users    = flag.Int("users", 300, "simulated org members")
	teams    = flag.Int("teams", 30, "simulated org teams")
)

const (
	restToken = "tok-SMOKE-REST-61c0" // #nosec G101 -- a test token of the simulator
	scimToken = "tok-SMOKE-SCIM-93ad" // #nosec G101 -- likewise
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "servicecheck: FAIL:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "servicecheck: OK")
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "servicecheck: "+format+"\n", args...)
}

// inNetns runs f with the calling thread in the network namespace at path, so
// sockets f creates (listeners, dials) live there.
func inNetns(f func() error) error {
	if *netns == "" {
		return f()
	}
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer orig.Close()
	target, err := os.Open(*netns)
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("setns %s: %w", *netns, err)
	}
	ferr := f()
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		// Leave the thread locked: it ends with this goroutine instead of serving others in the wrong namespace.
		return fmt.Errorf("setns back: %w", err)
	}
	runtime.UnlockOSThread()
	return ferr
}

type checker struct {
	sp     spec
	c1     *c1sim.Server
	sim    *mirosim.Server
	client *http.Client
	envF   string
}

func run() error {
	raw, err := os.ReadFile(*specFile)
	if err != nil {
		return err
	}
	var sp spec
	if err := json.Unmarshal(raw, &sp); err != nil {
		return fmt.Errorf("%s: %w", *specFile, err)
	}
	if *image == "" || *work == "" || *tmpDir == "" {
		return fmt.Errorf("--image, --work and --tmp are required")
	}
	ck := &checker{sp: sp}

	org := mirosim.Generate(mirosim.GenOptions{Seed: 14, Users: *users, Teams: *teams})
	ck.sim = mirosim.New(org, mirosim.Options{Token: restToken, SCIMToken: scimToken, Credits: -1})
	c1dir := filepath.Join(*work, "c1sim")
	// World-readable: the container runs as uid 65532 and reads the CA from here.
	if err := os.MkdirAll(c1dir, 0o755); err != nil { // #nosec G301 -- holds only the stand-in's public CA
		return err
	}
	if ck.c1, err = c1sim.New(c1sim.Options{Dir: c1dir, HeartbeatTimeout: 5 * time.Second}); err != nil {
		return err
	}
	if err := inNetns(func() error {
		if _, err := ck.sim.Start(); err != nil {
			return err
		}
		return ck.c1.Start()
	}); err != nil {
		return err
	}
	defer ck.sim.Close()
	defer ck.c1.Close()
	logf("stand-ins: ConductorOne at %s, Miro at %s (%d users, %d teams)", ck.c1.Host(), ck.sim.BaseURL(), *users, *teams)
	ck.client = &http.Client{Timeout: time.Duration(sp.ProbeTimeoutSeconds) * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (conn net.Conn, err error) {
			err = inNetns(func() error {
				var d net.Dialer
				conn, err = d.DialContext(ctx, network, addr)
				return err
			})
			return conn, err
		},
		DisableKeepAlives: true,
	}}

	// The secret, as envFrom would load it, plus the test wiring.
	secret := map[string]string{
		"BATON_CLIENT_ID": ck.c1.ClientID(), "BATON_CLIENT_SECRET": ck.c1.ClientSecret(),
		"BATON_MIRO_ACCESS_TOKEN": restToken, "BATON_MIRO_SCIM_ACCESS_TOKEN": scimToken,
	}
	var lines []string
	for _, k := range sp.SecretKeys {
		v, ok := secret[k]
		if !ok {
			return fmt.Errorf("secret.yaml has key %s the smoke test does not know", k)
		}
		lines = append(lines, k+"="+v)
	}
	lines = append(lines, "BATON_C1_API_HOST="+ck.c1.Host(), "SSL_CERT_FILE=/c1sim/ca.pem",
		"BATON_MIRO_API_URL="+ck.sim.BaseURL(), "BATON_MIRO_SCIM_URL="+ck.sim.SCIMURL())
	ck.envF = filepath.Join(*work, "pod.env")
	if err := os.WriteFile(ck.envF, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return err
	}

	// Pod 1: exactly the manifest (provisioning off).
	pod1 := "baton-miro-smoke-1-" + fmt.Sprint(os.Getpid())
	if err := ck.start(pod1); err != nil {
		return err
	}
	defer ck.remove(pod1)
	if err := ck.syncExact(); err != nil {
		return err
	}
	if err := ck.grantRefused(); err != nil {
		return err
	}
	if err := ck.failureReported(pod1); err != nil {
		return err
	}
	// From here on a failed check is recorded and the rest still runs, so one run
	// reports every outcome.
	var failures []string
	id, err := ck.sigtermMidSync(pod1)
	if err != nil {
		failures = append(failures, err.Error())
		logf("✘ %v", err)
	}
	ck.saveLogs(pod1)
	// A new pod gets a new emptyDir.
	if err := clearDir(*tmpDir); err != nil {
		return err
	}

	// Pod 2: the next pod of the rollout, with provisioning switched on as the manifest describes.
	pod2 := "baton-miro-smoke-2-" + fmt.Sprint(os.Getpid())
	if err := ck.start(pod2, "--env", "BATON_PROVISIONING=true"); err != nil {
		return err
	}
	defer ck.remove(pod2)
	if id != "" {
		st, err := ck.await(id, 5*time.Minute)
		if err != nil {
			return err
		}
		if st.Status != c1sim.Succeeded {
			return fmt.Errorf("the interrupted sync task, handed out again: %s %v %q", st.Status, st.Code, st.Message)
		}
		if err := ck.exact(st.Uploads[len(st.Uploads)-1]); err != nil {
			return fmt.Errorf("the retried sync: %w", err)
		}
		logf("✔ the interrupted sync task was handed out again after its heartbeats stopped and completed exactly (attempt %d)", st.Attempts)
	}
	if err := ck.grantRevoke(); err != nil {
		return err
	}
	code, took, left, err := ck.stop(pod2)
	if err != nil {
		failures = append(failures, "idle stop: "+err.Error())
		logf("✘ idle stop: exit %d after %s, left %v in %s", code, took.Round(time.Millisecond), left, ck.sp.TmpMount)
	} else {
		logf("✔ pod 2 idle SIGTERM: exit 0 after %s, %s empty", took.Round(time.Millisecond), ck.sp.TmpMount)
	}
	ck.saveLogs(pod2)
	for _, s := range append(ck.c1.Secrets(), restToken, scimToken) {
		for _, pod := range []string{pod1, pod2} {
			if out, _ := podman("logs", pod); strings.Contains(string(out), s) {
				return fmt.Errorf("a secret appears in the logs of %s", pod)
			}
		}
	}
	if len(failures) > 0 {
		return fmt.Errorf("%d check(s) failed:\n  %s", len(failures), strings.Join(failures, "\n  "))
	}
	return nil
}

// saveLogs keeps the pod's log in the work dir (KEEP_WORK=1 keeps it).
func (ck *checker) saveLogs(pod string) {
	out, _ := podman("logs", pod)
	_ = os.WriteFile(filepath.Join(*work, pod+".log"), out, 0o600)
}

func clearDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// start runs the image as a pod would and waits for its startup probe.
func (ck *checker) start(name string, extra ...string) error {
	args := []string{"run", "-d", "--name", name}
	if *netns != "" {
		args = append(args, "--network", "ns:"+*netns)
	} else {
		args = append(args, "--network", "host")
	}
	args = append(args, ck.sp.Args...)
	args = append(args, extra...)
	args = append(args, "--env-file", ck.envF,
		"-v", filepath.Dir(ck.c1.CAFile())+":/c1sim:ro",
		"-v", *tmpDir+":"+ck.sp.TmpMount+":rw",
		*image)
	t0 := time.Now()
	if out, err := podman(args...); err != nil {
		return fmt.Errorf("podman run: %w: %s", err, out)
	}
	budget := time.Duration(ck.sp.StartupBudgetSecs) * time.Second
	for time.Since(t0) < budget {
		if !ck.running(name) {
			return fmt.Errorf("%s exited before its startup probe passed:\n%s", name, ck.logs(name))
		}
		if ck.probe(ck.sp.StartupPath) == 200 && ck.probe(ck.sp.ReadinessPath) == 200 && ck.probe(ck.sp.LivenessPath) == 200 {
			logf("✔ %s: startup %s, liveness %s and readiness %s probes 200 on port %d, %s after podman run",
				name, ck.sp.StartupPath, ck.sp.LivenessPath, ck.sp.ReadinessPath, ck.sp.Port, time.Since(t0).Round(time.Millisecond))
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s: probes not 200 within the startup budget %s:\n%s", name, budget, ck.logs(name))
}

func (ck *checker) probe(path string) int {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d%s", ck.sp.Port, path), http.NoBody)
	if err != nil {
		return 0
	}
	resp, err := ck.client.Do(req)
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func (ck *checker) running(name string) bool {
	out, err := podmanOut("inspect", "--format", "{{.State.Running}}", name)
	return err == nil && strings.TrimSpace(string(out)) == "true"
}

func (ck *checker) logs(name string) string {
	out, _ := podman("logs", name)
	s := string(out)
	if len(s) > 4000 {
		s = "…" + s[len(s)-4000:]
	}
	return s
}

func (ck *checker) remove(name string) { _, _ = podman("rm", "-f", name) }

func (ck *checker) await(id string, within time.Duration) (c1sim.TaskState, error) {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	var st c1sim.TaskState
	err := ck.c1.Wait(ctx, func() bool { st, _ = ck.c1.Task(id); return st.Done() })
	if err != nil {
		return st, fmt.Errorf("task %s (%s) not finished within %s: %+v", id, st.Type, within, st)
	}
	return st, nil
}

func (ck *checker) exact(path string) error {
	got, err := synctest.Read(context.Background(), path)
	if err != nil {
		return err
	}
	if diff := simtest.Expect(ck.sim.Org()).Diff(got); diff != "" {
		return fmt.Errorf("uploaded c1z differs from the simulated org:\n%s", diff)
	}
	return nil
}

func (ck *checker) sync() (*synctest.Contents, error) {
	st, err := ck.await(ck.c1.Enqueue(c1sim.FullSync()), 5*time.Minute)
	if err != nil {
		return nil, err
	}
	if st.Status != c1sim.Succeeded || len(st.Uploads) != 1 {
		return nil, fmt.Errorf("full sync task: %s %v %q, %d uploads", st.Status, st.Code, st.Message, len(st.Uploads))
	}
	if err := ck.exact(st.Uploads[0]); err != nil {
		return nil, err
	}
	return synctest.Read(context.Background(), st.Uploads[0])
}

func (ck *checker) syncExact() error {
	c, err := ck.sync()
	if err != nil {
		return err
	}
	logf("✔ full sync task: uploaded c1z equals the simulated org (%d users, %d teams, %d grants)",
		len(c.Resources["user"]), len(c.Resources["team"]), len(c.Grants))
	return nil
}

// someoneOutside returns a team and an active internal member who is not in it.
func (ck *checker) someoneOutside() (team, user string) {
	org := ck.sim.Org()
	t := org.Teams[0]
	in := map[string]bool{}
	for _, m := range t.Members {
		in[m.UserID] = true
	}
	for _, m := range org.Members {
		if m.Active && !in[m.ID] && m.Role == "organization_internal_user" {
			return t.ID, m.ID
		}
	}
	return t.ID, ""
}

func (ck *checker) grantTask(team, user string) (string, error) {
	c, err := ck.sync()
	if err != nil {
		return "", err
	}
	ent, principal := c.Entitlements["team:"+team+":member"], c.Resources["user"][user]
	if ent == nil || principal == nil {
		return "", fmt.Errorf("the sync lacks team %s or user %s", team, user)
	}
	return ck.c1.Enqueue(c1sim.Grant(ent, principal)), nil
}

func (ck *checker) grantRefused() error {
	team, user := ck.someoneOutside()
	id, err := ck.grantTask(team, user)
	if err != nil {
		return err
	}
	st, err := ck.await(id, 2*time.Minute)
	if err != nil {
		return err
	}
	if st.Status != c1sim.Failed || st.Code != codes.FailedPrecondition || ck.sim.Count("invite_team_member") != 0 {
		return fmt.Errorf("grant with BATON_PROVISIONING=false: %s %v %q, %d invites", st.Status, st.Code, st.Message, ck.sim.Count("invite_team_member"))
	}
	logf("✔ grant task refused with provisioning off: %v %q", st.Code, firstLine(st.Message))
	return nil
}

func (ck *checker) failureReported(pod string) error {
	ck.sim.SetOptions(func(o *mirosim.Options) { o.Token = "tok-SMOKE-ROTATED" })
	st, err := ck.await(ck.c1.Enqueue(c1sim.FullSync()), 2*time.Minute)
	ck.sim.SetOptions(func(o *mirosim.Options) { o.Token = restToken })
	if err != nil {
		return err
	}
	if st.Status != c1sim.Failed || st.Code != codes.Unauthenticated || !strings.Contains(st.Message, "--miro-access-token") {
		return fmt.Errorf("sync with a revoked Miro token: %s %v %q", st.Status, st.Code, st.Message)
	}
	if !ck.running(pod) || ck.probe(ck.sp.LivenessPath) != 200 || ck.probe(ck.sp.ReadinessPath) != 200 {
		return fmt.Errorf("after the failed task the pod is not serving:\n%s", ck.logs(pod))
	}
	logf("✔ revoked Miro token: task reported failed (%v, %q); pod running, probes 200", st.Code, lastPart(st.Message))
	if err := ck.syncExact(); err != nil {
		return fmt.Errorf("after the token was restored: %w", err)
	}
	return nil
}

// stop is `podman stop -t <grace>`: SIGTERM, then SIGKILL after the grace period, like the kubelet.
func (ck *checker) stop(pod string) (int, time.Duration, []string, error) {
	t0 := time.Now()
	if out, err := podman("stop", "-t", fmt.Sprint(ck.sp.GraceSeconds), pod); err != nil {
		return 0, 0, nil, fmt.Errorf("podman stop: %w: %s", err, out)
	}
	took := time.Since(t0)
	out, err := podmanOut("inspect", "--format", "{{.State.ExitCode}}", pod)
	if err != nil {
		return 0, 0, nil, err
	}
	var code int
	if _, err := fmt.Sscan(strings.TrimSpace(string(out)), &code); err != nil {
		return 0, 0, nil, fmt.Errorf("podman inspect: exit code %q: %w", out, err)
	}
	var left []string
	entries, _ := os.ReadDir(*tmpDir)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if code == 137 || took >= time.Duration(ck.sp.GraceSeconds)*time.Second {
		return code, took, left, fmt.Errorf("%s was killed after the grace period (%ds): exit %d after %s", pod, ck.sp.GraceSeconds, code, took)
	}
	if code != 0 {
		return code, took, left, fmt.Errorf("%s exited %d after SIGTERM (want 0: a rollout is not a failure); %s holds %v", pod, code, ck.sp.TmpMount, left)
	}
	if len(left) > 0 {
		return code, took, left, fmt.Errorf("%s left %v in %s", pod, left, ck.sp.TmpMount)
	}
	return code, took, left, nil
}

// sigtermMidSync stops the pod in the middle of a sync task; it returns the task
// id when the task was left unreported (to be retried by the next pod).
func (ck *checker) sigtermMidSync(pod string) (string, error) {
	ck.sim.SetOptions(func(o *mirosim.Options) { o.Latency = 40 * time.Millisecond })
	defer ck.sim.SetOptions(func(o *mirosim.Options) { o.Latency = 0 })
	before := ck.sim.Count("list_team_members")
	id := ck.c1.Enqueue(c1sim.FullSync())
	deadline := time.Now().Add(2 * time.Minute)
	for ck.sim.Count("list_team_members")-before < 5 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if ck.sim.Count("list_team_members")-before < 5 {
		return "", fmt.Errorf("the sync did not get under way:\n%s", ck.logs(pod))
	}
	code, took, left, err := ck.stop(pod)
	st, _ := ck.c1.Task(id)
	logf("SIGTERM mid-sync: exit %d after %s; %s left %v; task %s", code, took.Round(time.Millisecond), ck.sp.TmpMount, left, st.Status)
	if st.Status == c1sim.Succeeded {
		return "", fmt.Errorf("the sync finished before SIGTERM: the check proved nothing")
	}
	retry := id
	if st.Done() {
		retry = ""
	}
	if err != nil {
		return retry, fmt.Errorf("SIGTERM mid-sync: %w", err)
	}
	logf("✔ SIGTERM mid-sync: stopped within the grace period (%ds), exit 0, %s empty", ck.sp.GraceSeconds, ck.sp.TmpMount)
	return retry, nil
}

func (ck *checker) grantRevoke() error {
	team, user := ck.someoneOutside()
	if user == "" {
		return fmt.Errorf("no internal member outside team %s", team)
	}
	for i := range 2 {
		id, err := ck.grantTask(team, user)
		if err != nil {
			return err
		}
		st, err := ck.await(id, 2*time.Minute)
		if err != nil {
			return err
		}
		if st.Status != c1sim.Succeeded {
			return fmt.Errorf("grant #%d: %s %v %q", i+1, st.Status, st.Code, st.Message)
		}
	}
	if n := ck.sim.Count("invite_team_member"); n != 1 {
		return fmt.Errorf("two grant tasks made %d invites, want 1", n)
	}
	c, err := ck.sync()
	if err != nil {
		return err
	}
	g := c.Grants[synctest.GrantKey("team:"+team+":member", "user", user)]
	if g == nil {
		return fmt.Errorf("the sync after the grant lacks it")
	}
	for i := range 2 {
		st, err := ck.await(ck.c1.Enqueue(c1sim.Revoke(g)), 2*time.Minute)
		if err != nil {
			return err
		}
		if st.Status != c1sim.Succeeded {
			return fmt.Errorf("revoke #%d: %s %v %q", i+1, st.Status, st.Code, st.Message)
		}
	}
	if n := ck.sim.Count("delete_team_member"); n != 1 {
		return fmt.Errorf("two revoke tasks made %d deletes, want 1", n)
	}
	if _, err := ck.sync(); err != nil {
		return err
	}
	logf("✔ grant and revoke tasks (BATON_PROVISIONING=true): applied, each run twice, 1 invite and 1 delete; the following sync is exact")
	return nil
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

func lastPart(s string) string {
	if i := strings.LastIndex(s, "desc = "); i >= 0 {
		return s[i+len("desc = "):]
	}
	return s
}

// podman runs podman with the arguments and returns its combined output.
func podman(args ...string) ([]byte, error) {
	return exec.CommandContext(context.Background(), "podman", args...).CombinedOutput() // #nosec G204 -- our own arguments
}

// podmanOut runs podman and returns its standard output only.
func podmanOut(args ...string) ([]byte, error) {
	return exec.CommandContext(context.Background(), "podman", args...).Output() // #nosec G204 -- our own arguments
}
