package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	sdksync "github.com/conductorone/baton-sdk/pkg/sync"

	"github.com/conductorone/baton-miro/internal/c1sim"
	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
	"github.com/conductorone/baton-miro/pkg/connector"
)

// freshGen is the org of the freshness benchmarks: BenchmarkSync's org (seed
// 2026; its members and teams are the same, because groups and boards draw from
// PRNG streams of their own) plus user groups, boards and projects, so every
// type with a targeted Get has resources.
func freshGen(users, teams int) mirosim.GenOptions {
	return mirosim.GenOptions{Seed: 2026, Users: users, Teams: teams, Groups: max(4, users/200), Boards: true, GroupShares: true}
}

// biggest picks, per type, the resource a targeted sync costs most for: the
// team, user group, board and project with the most members; the user is any
// (one call whatever the user).
func biggest(org *mirosim.Org) []simtest.Target {
	var out []simtest.Target
	out = append(out, simtest.Target{Type: "user", ID: org.Members[len(org.Members)/2].ID})
	ti := 0
	for i, t := range org.Teams {
		if len(t.Members) > len(org.Teams[ti].Members) {
			ti = i
		}
	}
	out = append(out, simtest.Target{Type: "team", ID: org.Teams[ti].ID})
	gi := 0
	for i, g := range org.Groups {
		if len(g.MemberIDs) > len(org.Groups[gi].MemberIDs) {
			gi = i
		}
	}
	out = append(out, simtest.Target{Type: "user_group", ID: org.Groups[gi].ID})
	bi := 0
	for i, b := range org.Boards {
		if len(b.Members)+len(b.Groups) > len(org.Boards[bi].Members)+len(org.Boards[bi].Groups) {
			bi = i
		}
	}
	out = append(out, simtest.Target{Type: "board", ID: org.Boards[bi].ID})
	pi := 0
	for i, p := range org.Projects {
		if len(p.Members)+len(p.Groups) > len(org.Projects[pi].Members)+len(org.Projects[pi].Groups) {
			pi = i
		}
	}
	p := org.Projects[pi]
	out = append(out, simtest.Target{Type: "project", ID: p.ID, ParentType: "team", ParentID: p.TeamID})
	return out
}

// BenchmarkTargetedSync counts the calls and credits of a targeted sync of the
// costliest resource of each type (the SDK's real syncer in process, with
// --sync-boards; calls are deterministic) at 1,000, 10,000 and 100,000
// members (BENCH_MAX_USERS limits them), after the process's first Validate
// (which reads the organization once), and sets them against a full sync of
// the same org: its calls and credits from simtest.MinCallsParts, which the
// measured full syncs of BenchmarkSync meet exactly.
//
//	go test -run '^$' -bench TargetedSync -benchtime 1x ./bench/
func BenchmarkTargetedSync(b *testing.B) {
	maxUsers := envInt("BENCH_MAX_USERS", 100_000)
	type row struct {
		users                  int
		typ, id                string
		size                   int
		calls, credits         int
		fullCalls, fullCredits int
		routes                 string
	}
	var rows []row
	for _, s := range sizes {
		if s.users > maxUsers {
			continue
		}
		org := mirosim.Generate(freshGen(s.users, s.teams))
		full := simtest.MinCallsParts(org, simtest.Parts{Boards: true})
		fullCalls, fullCredits := 0, 0
		for route, n := range full {
			fullCalls += n
			fullCredits += n * mirosim.CreditsFor(route)
		}
		targets := biggest(org)
		sizeOf := map[string]int{}
		for _, t := range org.Teams {
			sizeOf["team:"+t.ID] = len(t.Members)
		}
		for _, g := range org.Groups {
			sizeOf["user_group:"+g.ID] = len(g.MemberIDs)
		}
		for _, bd := range org.Boards {
			sizeOf["board:"+bd.ID] = len(bd.Members) + len(bd.Groups)
		}
		for _, p := range org.Projects {
			sizeOf["project:"+p.ID] = len(p.Members) + len(p.Groups)
		}
		sim := mirosim.New(org, mirosim.Options{Token: "bench-token", Credits: -1})
		if _, err := sim.Start(); err != nil {
			b.Fatal(err)
		}
		conn, _, err := simtest.NewConnectorWith(sim, "bench-token", []connector.Option{connector.WithSyncBoards(true)})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		if _, err := conn.Validate(ctx); err != nil { // the process's first Validate: reads the organization once
			b.Fatal(err)
		}
		for _, tg := range targets {
			sim.ResetCounts()
			path := filepath.Join(b.TempDir(), "partial.c1z")
			r := v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: tg.Type, Resource: tg.ID}.Build()}
			if tg.ParentType != "" {
				r.ParentResourceId = v2.ResourceId_builder{ResourceType: tg.ParentType, Resource: tg.ParentID}.Build()
			}
			if err := synctest.Sync(ctx, conn, path, 1, sdksync.WithTargetedSyncResources([]*v2.Resource{r.Build()})); err != nil {
				b.Fatalf("targeted sync of %s: %v", tg, err)
			}
			got, err := synctest.Read(ctx, path)
			if err != nil {
				b.Fatal(err)
			}
			if diff := simtest.ExpectTarget(sim.Org(), tg, true).Diff(got); diff != "" {
				b.Fatalf("targeted sync of %s differs:\n%s", tg, diff)
			}
			counts := sim.Counts()
			calls, credits := 0, 0
			var routes []string
			for route, n := range counts {
				calls += n
				credits += n * mirosim.CreditsFor(route)
				routes = append(routes, fmt.Sprintf("%s %d", route, n))
			}
			sort.Strings(routes)
			rows = append(rows, row{s.users, tg.Type, tg.ID, sizeOf[tg.Type+":"+tg.ID], calls, credits, fullCalls, fullCredits, strings.Join(routes, ", ")})
		}
		sim.Close()
	}
	fmt.Println("\n| members | type | its members + groups | calls | credits | full sync calls | full sync credits | calls ratio | credits ratio | routes |")
	fmt.Println("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, r := range rows {
		size := strconv.Itoa(r.size)
		if r.typ == "user" {
			size = "–"
		}
		fmt.Printf("| %d | %s | %s | %d | %d | %d | %d | %.5f | %.5f | %s |\n", r.users, r.typ, size, r.calls, r.credits,
			r.fullCalls, r.fullCredits, float64(r.calls)/float64(r.fullCalls), float64(r.credits)/float64(r.fullCredits), r.routes)
	}
}

// service is baton-miro in service mode against a c1sim stand-in, for the benchmarks.
type service struct {
	b   *testing.B
	c1  *c1sim.Server
	cmd *exec.Cmd
	log *os.File
}

func startService(b *testing.B, bin string, sim *mirosim.Server, token string, env ...string) *service {
	b.Helper()
	c1, err := c1sim.New(c1sim.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := c1.Start(); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		b.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "service.log"))
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "--miro-api-url", sim.BaseURL(), "--miro-scim-url", sim.SCIMURL()) // #nosec G204 -- the binary this benchmark built
	cmd.Env = append(append(os.Environ(), c1.Env()...), "BATON_MIRO_ACCESS_TOKEN="+token, "TMPDIR="+tmp,
		"BATON_HOST_ID=bench", "BATON_LOG_LEVEL=info")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	s := &service{b: b, c1: c1, cmd: cmd, log: logf}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		c1.Close()
		logf.Close()
	})
	return s
}

// await enqueues task and waits until it is finished; it fails the benchmark unless it succeeded.
func (s *service) await(id string) c1sim.TaskState {
	s.b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var st c1sim.TaskState
	if err := s.c1.Wait(ctx, func() bool { st, _ = s.c1.Task(id); return st.Done() }); err != nil {
		s.b.Fatalf("task %s not finished: %v", id, err)
	}
	if st.Status != c1sim.Succeeded {
		log, _ := os.ReadFile(s.log.Name())
		s.b.Fatalf("task %s (%s): %s %v %q\n%s", id, st.Type, st.Status, st.Code, st.Message, tailOf(string(log)))
	}
	return st
}

func tailOf(s string) string {
	if len(s) > 3000 {
		return "…" + s[len(s)-3000:]
	}
	return s
}

// BenchmarkFreshnessLoop times ConductorOne's loop through the real binary in
// service mode at 50 ms of Miro latency (BENCH_LATENCY) on a 1,000-member org:
// after a full sync task, each change of the freshness test alone, then a
// list-events task from just before it, then one targeted sync task per
// resource its events name; it reports, per change, the time from the change
// to the partial upload, and the events per list-events call. The stand-in
// hands out a queued task at the service's next poll (every 200 ms);
// ConductorOne's own schedule of list-events tasks is not part of the figure.
//
//	go test -run '^$' -bench FreshnessLoop -benchtime 1x ./bench/
func BenchmarkFreshnessLoop(b *testing.B) {
	bin := buildBinary(b)
	latency := envDuration("BENCH_LATENCY", 50*time.Millisecond)
	org := mirosim.Generate(freshGen(1_000, 100))
	sim := mirosim.New(org, mirosim.Options{Token: "bench-token", SCIMToken: "bench-scim", Credits: -1, Latency: latency})
	if _, err := sim.Start(); err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	s := startService(b, bin, sim, "bench-token", "BATON_SYNC_BOARDS=true")
	s.await(s.c1.Enqueue(c1sim.FullSync()))
	changes, err := simtest.FreshnessChanges(sim.Org(), true)
	if err != nil {
		b.Fatal(err)
	}
	admin := simtest.Admin{Sim: sim, Token: "bench-token", SCIMToken: "bench-scim"}
	fmt.Printf("\n| change | events | list-events calls | targeted syncs | change → partial upload |\n|---|---:|---:|---:|---:|\n")
	var total time.Duration
	for _, ch := range changes {
		from := time.Now().Add(-time.Millisecond)
		t0 := time.Now()
		if err := ch.Apply(admin); err != nil {
			b.Fatal(err)
		}
		sim.ResetCounts()
		st := s.await(s.c1.Enqueue(c1sim.ListEvents(connector.AuditFeedID, from, "", 100)))
		resp, err := st.Events()
		if err != nil {
			b.Fatal(err)
		}
		var named []c1sim.Target
		for _, ev := range resp.GetEvents() {
			var tg c1sim.Target
			switch {
			case ev.GetResourceChangeEvent() != nil:
				rc := ev.GetResourceChangeEvent()
				tg = c1sim.Target{Type: rc.GetResourceId().GetResourceType(), ID: rc.GetResourceId().GetResource(),
					ParentType: rc.GetParentResourceId().GetResourceType(), ParentID: rc.GetParentResourceId().GetResource()}
			case ev.GetCreateGrantEvent() != nil:
				r := ev.GetCreateGrantEvent().GetEntitlement().GetResource().GetId()
				tg = c1sim.Target{Type: r.GetResourceType(), ID: r.GetResource()}
			case ev.GetCreateRevokeEvent() != nil:
				r := ev.GetCreateRevokeEvent().GetEntitlement().GetResource().GetId()
				tg = c1sim.Target{Type: r.GetResourceType(), ID: r.GetResource()}
			default:
				continue
			}
			if !slices.Contains(named, tg) {
				named = append(named, tg)
			}
		}
		if len(named) != 1 || named[0].Type != ch.Target.Type || named[0].ID != ch.Target.ID {
			b.Fatalf("%s: the events name %v, want %s", ch.What, named, ch.Target)
		}
		feedCalls := sim.Count("list_audit_logs")
		st = s.await(s.c1.Enqueue(c1sim.TargetedSync(named...)))
		took := time.Since(t0)
		total += took
		got, err := synctest.Read(context.Background(), st.Uploads[0])
		if err != nil {
			b.Fatal(err)
		}
		if diff := simtest.ExpectTarget(sim.Org(), ch.Target, true).Diff(got); diff != "" {
			b.Fatalf("%s: the partial c1z differs:\n%s", ch.What, diff)
		}
		fmt.Printf("| %s | %d | %d | %d | %.2f s |\n", ch.What, len(resp.GetEvents()), feedCalls, len(named), took.Seconds())
	}
	fmt.Printf("\nmean change → partial upload: %.2f s over %d changes (Miro latency %s)\n", total.Seconds()/float64(len(changes)), len(changes), latency)
}
