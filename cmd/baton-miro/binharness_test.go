package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
)

// binHarness runs the real binary against one simulator and one c1z, as an
// operator runs one-shot changes between syncs (provision_test.go,
// board_access_test.go).
type binHarness struct {
	t      *testing.T
	sim    *mirosim.Server
	c1z    string
	scim   string   // the SCIM token of exec, twice and sync ("" = none)
	flags  []string // flags of every run, before the run's own
	writes []string // the simulator routes that change the org
}

func newBinHarness(t *testing.T, org *mirosim.Org, opts mirosim.Options, scim string, writes []string, flags ...string) *binHarness {
	t.Helper()
	sim := mirosim.New(org, opts)
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	return &binHarness{t: t, sim: sim, c1z: filepath.Join(t.TempDir(), "sync.c1z"), scim: scim, flags: flags, writes: writes}
}

// writeCount is the number of write calls the simulator has served.
func (b *binHarness) writeCount() int {
	n := 0
	for _, r := range b.writes {
		n += b.sim.Count(r)
	}
	return n
}

// exec runs the binary against the simulator and the shared c1z.
func (b *binHarness) exec(args ...string) result {
	b.t.Helper()
	return b.execWith(b.scim, args)
}

// execWith is exec with another SCIM token ("" = none).
func (b *binHarness) execWith(scim string, args []string) result {
	b.t.Helper()
	argv := append(append(append(simArgs(b.sim), b.flags...), args...), "-f", b.c1z)
	return run(b.t, 2*time.Minute, envFor(goodToken, scim), argv...)
}

// twice runs a one-shot operation twice: both runs must succeed, and only the
// first may write (idempotency).
func (b *binHarness) twice(args ...string) {
	b.t.Helper()
	for i := range 2 {
		writes := b.writeCount()
		if res := b.exec(args...); res.exitCode != 0 {
			b.t.Fatalf("run %d of %v: exit %d\nstderr: %s", i+1, args, res.exitCode, tail(res.stderr))
		}
		if n := b.writeCount() - writes; i == 1 && n != 0 {
			b.t.Errorf("the repeated %v wrote %d times: %v", args, n, b.sim.Counts())
		}
	}
}

// sync runs a full sync into the shared c1z and requires it to equal the simulator's org.
func (b *binHarness) sync() *synctest.Contents {
	b.t.Helper()
	if res := b.exec(); res.exitCode != 0 {
		b.t.Fatalf("sync: exit %d\nstderr: %s", res.exitCode, tail(res.stderr))
	}
	got, err := synctest.Read(context.Background(), b.c1z)
	if err != nil {
		b.t.Fatal(err)
	}
	if diff := simtest.Expect(b.sim.Org()).Diff(got); diff != "" {
		b.t.Fatalf("c1z differs from the simulated org:\n%s", diff)
	}
	return got
}

// refused runs a one-shot operation with the SCIM token scim that must fail
// with the exit code (the gRPC code; 0 = any failure), every phrase in its
// output and no write call.
func (b *binHarness) refused(scim string, code int, args []string, phrases ...string) {
	b.t.Helper()
	writes := b.writeCount()
	res := b.execWith(scim, args)
	if res.exitCode == 0 {
		b.t.Fatalf("%v succeeded, want a refusal", args)
	}
	if code != 0 && res.exitCode != code {
		b.t.Errorf("%v: exit %d, want %d", args, res.exitCode, code)
	}
	for _, p := range phrases {
		if !strings.Contains(res.stderr+res.stdout, p) {
			b.t.Errorf("%v: output does not mention %q:\n%s", args, p, tail(res.stderr))
		}
	}
	if n := b.writeCount() - writes; n != 0 {
		b.t.Errorf("%v: a refused operation made %d write calls: %v", args, n, b.sim.Counts())
	}
}

func tail(s string) string {
	if len(s) > 3000 {
		return "…" + s[len(s)-3000:]
	}
	return s
}
