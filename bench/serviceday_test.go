package bench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/c1sim"
	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
)

// proc is one process of the connector: its role and resident set.
type proc struct {
	pid     int
	role    string
	rssMB   float64
	anonMB  float64
	threads int
}

// processTree lists root and its descendants with their VmRSS and RssAnon.
func processTree(root int) []proc {
	parent := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) > 1 {
			parent[pid], _ = strconv.Atoi(f[1])
		}
	}
	in := map[int]bool{root: true}
	for changed := true; changed; {
		changed = false
		for pid, pp := range parent {
			if in[pp] && !in[pid] {
				in[pid], changed = true, true
			}
		}
	}
	var out []proc
	for pid := range in {
		p := proc{pid: pid}
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		args := strings.Split(strings.TrimRight(string(cmd), "\x00"), "\x00")
		switch {
		case pid == root:
			p.role = "supervisor"
		case slices.Contains(args, "_connector-service"):
			p.role = "connector (_connector-service)"
		default:
			p.role = "runner (SDK service)"
		}
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			continue
		}
		for line := range strings.Lines(string(status)) {
			k, v, _ := strings.Cut(line, ":")
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			switch k {
			case "VmRSS":
				p.rssMB = float64(n) / 1024
			case "RssAnon":
				p.anonMB = float64(n) / 1024
			case "Threads":
				p.threads = n
			}
		}
		out = append(out, p)
	}
	return out
}

func byRole(ps []proc) map[string]proc {
	m := map[string]proc{}
	for _, p := range ps {
		m[p.role] = p
	}
	return m
}

// BenchmarkServiceDay runs a day of service-mode work in one process: 50 sync
// tasks (every fifth a full sync, the others targeted syncs of a user, team,
// user group, board or project in turn; SERVICE_TASKS changes the number) of a
// 2,000-member org with boards, checking every upload exactly, with the binary built as released (no cgo), then idles 2
// minutes (SERVICE_IDLE). It prints the resident set (VmRSS, and its anonymous
// part) of every process of the connector after the first task, after the
// last and after the idle time. GODEBUG=gctrace=1 is set on the service, so its
// log (printed at the end, the gc lines only) shows each process's Go heap.
//
//	go test -run '^$' -bench ServiceDay -benchtime 1x -timeout 30m ./bench/
func BenchmarkServiceDay(b *testing.B) {
	bin := buildBinary(b)
	n := envInt("SERVICE_TASKS", 50)
	idle := envDuration("SERVICE_IDLE", 2*time.Minute)
	org := mirosim.Generate(freshGen(2_000, 200))
	sim := mirosim.New(org, mirosim.Options{Token: "bench-token", SCIMToken: "bench-scim", Credits: -1})
	if _, err := sim.Start(); err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	s := startService(b, bin, sim, "bench-token", "BATON_SYNC_BOARDS=true", "GODEBUG=gctrace=1")
	targets := biggest(org)
	var first, last map[string]proc
	full, targeted := 0, 0
	t0 := time.Now()
	for i := 0; i < n; i++ {
		if i%5 == 0 {
			st := s.await(s.c1.Enqueue(c1sim.FullSync()))
			got, err := synctest.Read(context.Background(), st.Uploads[0])
			if err != nil {
				b.Fatal(err)
			}
			if diff := simtest.Expect(sim.Org()).Diff(got); diff != "" {
				b.Fatalf("task %d (full sync): the upload differs from the org:\n%s", i+1, diff)
			}
			full++
		} else {
			tg := targets[(i-1)%len(targets)]
			st := s.await(s.c1.Enqueue(c1sim.TargetedSync(c1sim.Target{Type: tg.Type, ID: tg.ID, ParentType: tg.ParentType, ParentID: tg.ParentID})))
			got, err := synctest.Read(context.Background(), st.Uploads[0])
			if err != nil {
				b.Fatal(err)
			}
			if diff := simtest.ExpectTarget(sim.Org(), tg, true).Diff(got); diff != "" {
				b.Fatalf("task %d (targeted %s): the upload differs:\n%s", i+1, tg, diff)
			}
			targeted++
		}
		if i == 0 {
			first = byRole(processTree(s.cmd.Process.Pid))
		}
	}
	busy := time.Since(t0)
	last = byRole(processTree(s.cmd.Process.Pid))
	time.Sleep(idle)
	after := byRole(processTree(s.cmd.Process.Pid))
	fmt.Printf("\n%d tasks (%d full syncs, %d targeted) of a %d-member org in %.0f s, every upload exact; then %s idle\n\n",
		n, full, targeted, len(org.Members), busy.Seconds(), idle)
	fmt.Println("| process | RSS after task 1 MB | RSS after task 50 MB | RSS after idle MB | anon after idle MB | idle − task 1 MB |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	for _, role := range []string{"supervisor", "runner (SDK service)", "connector (_connector-service)"} {
		f, l, a := first[role], last[role], after[role]
		fmt.Printf("| %s | %.1f | %.1f | %.1f | %.1f | %+.1f |\n", role, f.rssMB, l.rssMB, a.rssMB, a.anonMB, a.rssMB-f.rssMB)
	}
	log, _ := os.ReadFile(s.log.Name())
	var gc []string
	for line := range strings.Lines(string(log)) {
		if strings.HasPrefix(line, "gc ") || strings.HasPrefix(line, "scvg") {
			gc = append(gc, strings.TrimSpace(line))
		}
	}
	// Each process numbers its collections 1, 2, 3, … and stamps them with the seconds since it started: a line
	// continues the sequence whose last number is one less and whose last time is the closest before its own.
	type seq struct {
		last, peak int
		at         float64
		lastLine   string
	}
	var seqs []*seq
	for _, l := range gc {
		var num, before, mid, live int
		var at float64
		if _, err := fmt.Sscanf(l, "gc %d @%fs", &num, &at); err != nil {
			continue
		}
		if k := strings.Index(l, " MB, "); k > 0 {
			f := strings.Fields(l[:k])
			_, _ = fmt.Sscanf(f[len(f)-1], "%d->%d->%d", &before, &mid, &live)
		}
		var cur *seq
		for _, sq := range seqs {
			if sq.last == num-1 && sq.at <= at && (cur == nil || sq.at > cur.at) {
				cur = sq
			}
		}
		if cur == nil {
			cur = &seq{}
			seqs = append(seqs, cur)
		}
		cur.last, cur.at, cur.peak, cur.lastLine = num, at, max(cur.peak, before), l
	}
	fmt.Printf("\nGo heap per process (GODEBUG=gctrace=1; one sequence of collections per process):\n")
	for _, sq := range seqs {
		fmt.Printf("  %d collections, largest heap at a collection's start %d MB; last: %s\n", sq.last, sq.peak, sq.lastLine)
	}
}
