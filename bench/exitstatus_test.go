package bench

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
)

// BenchmarkExitStatus runs the real binary through the outcomes whose exit
// status baton-sdk v0.25.0 gets wrong on its own: EXIT_REFUSALS (default 200)
// grants the connector refuses (org role without the SCIM token: exit 9) and
// EXIT_INTERRUPTS (default 50) syncs interrupted by SIGINT or SIGTERM at
// different points (exit 130 or 143). It counts runs that exited 0 or with the
// wrong code and files left in the run's temporary directory; all must be 0.
// EXIT_LOG_LEVEL sets --log-level (default error).
//
//	go test -run '^$' -bench ExitStatus -benchtime 1x -timeout 30m ./bench/
func BenchmarkExitStatus(b *testing.B) {
	bin := buildBinary(b)
	refusals, interrupts := envInt("EXIT_REFUSALS", 200), envInt("EXIT_INTERRUPTS", 50)
	org := mirosim.Generate(mirosim.GenOptions{Seed: 13, Users: 3000, Teams: 300})
	sim := mirosim.New(org, mirosim.Options{Token: "exit-token", SCIMToken: "exit-scim", Credits: -1, Latency: 10 * time.Millisecond})
	if _, err := sim.Start(); err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	dir := b.TempDir()
	logLevel := os.Getenv("EXIT_LOG_LEVEL") // debug made the SDK's race likelier
	if logLevel == "" {
		logLevel = "error"
	}
	base := []string{"--miro-api-url", sim.BaseURL(), "--miro-scim-url", sim.SCIMURL(), "--log-level", logLevel}

	// start runs the binary with its own TMPDIR.
	start := func(args ...string) (*exec.Cmd, string) {
		tmp, err := os.MkdirTemp(dir, "tmp-")
		if err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command(bin, append(base, args...)...) // #nosec G702 -- the binary this benchmark built
		cmd.Env = append(os.Environ(), "BATON_MIRO_ACCESS_TOKEN=exit-token", "TMPDIR="+tmp)
		return cmd, tmp
	}
	var exits0, wrongCode, leftFiles int
	judge := func(what string, err error, want int, tmp string) {
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				// A signal before main installed its handler: the shell's 128+n.
				code = 128 + int(ws.Signal())
			}
		} else if err != nil {
			b.Fatalf("%s: %v", what, err)
		}
		switch {
		case code == 0:
			exits0++
			b.Logf("%s: exit 0, want %d", what, want)
		case code != want:
			wrongCode++
			b.Logf("%s: exit %d, want %d", what, code, want)
		}
		entries, _ := os.ReadDir(tmp)
		leftFiles += len(entries)
		_ = os.RemoveAll(tmp)
	}

	c1z := filepath.Join(dir, "sync.c1z")
	if cmd, tmp := start("-f", c1z); cmd.Run() != nil {
		b.Fatal("the first sync failed")
	} else {
		_ = os.RemoveAll(tmp)
	}
	grant := []string{"-f", c1z, "--grant-entitlement", "role:organization_internal_admin:assigned",
		"--grant-principal", org.Members[0].ID, "--grant-principal-type", "user"}

	b.ResetTimer()
	t0 := time.Now()
	for i := 0; i < refusals; i++ {
		cmd, tmp := start(grant...)
		judge(fmt.Sprintf("refused grant %d", i), cmd.Run(), 9, tmp)
	}
	refusalTime := time.Since(t0)
	t0 = time.Now()
	for i := 0; i < interrupts; i++ {
		sig := []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}[i%2]
		out := filepath.Join(dir, fmt.Sprintf("interrupted-%d.c1z", i))
		cmd, tmp := start("--workers", "2", "-f", out)
		before := sim.Count("list_team_members")
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		// Interrupt at a different point each time: from before the first call
		// to well into the team pages.
		pages := (i % 10) * 15
		for deadline := time.Now().Add(time.Minute); sim.Count("list_team_members")-before < pages && time.Now().Before(deadline); {
			time.Sleep(2 * time.Millisecond)
		}
		_ = cmd.Process.Signal(sig)
		judge(fmt.Sprintf("%s after %d team pages", sig, pages), cmd.Wait(), 128+int(sig), tmp)
	}
	interruptTime := time.Since(t0)
	b.StopTimer()

	fmt.Printf("exit status: %d refused grants (%.0f ms each), %d interrupted syncs (%.0f ms each): "+
		"%d exits with 0, %d with a wrong code, %d temporary files left\n",
		refusals, ms(refusalTime, refusals), interrupts, ms(interruptTime, interrupts), exits0, wrongCode, leftFiles)
	b.ReportMetric(float64(exits0), "exit0")
	b.ReportMetric(float64(wrongCode), "wrongcode")
	b.ReportMetric(float64(leftFiles), "leftfiles")
	if exits0+wrongCode+leftFiles > 0 {
		b.Errorf("%d exits with 0, %d with a wrong code, %d temporary files left", exits0, wrongCode, leftFiles)
	}
}

func ms(d time.Duration, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(d.Milliseconds()) / float64(n)
}
