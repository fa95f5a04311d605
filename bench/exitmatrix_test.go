package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
)

// BenchmarkExitStatusMatrix runs the configurations of issue 21 through the
// real binary, each EXIT_REPS times (default 20) with a refused grant (org
// role without the SCIM token: exit 9) and a sync with a bad token (exit 16):
// log-level fatal and log-path in a .baton.yaml config file, --log-path
// /dev/null --log-level debug, BATON_LOG_PATH with a space, a FIFO log path
// (read by a cat), and -f config (an argument value that is a subcommand's
// name). Then the same number each of: a failure over 256 KiB (reset_sessions
// for a 60,000-character user id: exit 5), -f config stopped by SIGINT mid-sync
// (130), a supervisor SIGKILLed mid-sync followed by a normal run (0, which
// removes what the killed one left), and a run whose stderr is closed early
// (SIGPIPE: 0). It counts exits with 0, wrong codes, hangs (no exit within
// EXIT_HANG, default 2m) and temporary directories left; all must be 0.
//
//	EXIT_REPS=20 go test -run '^$' -bench ExitStatusMatrix -benchtime 1x -timeout 60m ./bench/
func BenchmarkExitStatusMatrix(b *testing.B) {
	bin := buildBinary(b)
	reps, hang := envInt("EXIT_REPS", 20), envDuration("EXIT_HANG", 2*time.Minute)
	org := mirosim.Generate(mirosim.GenOptions{Seed: 13, Users: 3000, Teams: 300})
	sim := mirosim.New(org, mirosim.Options{Token: "exit-token", SCIMToken: "exit-scim", Credits: -1, Latency: 10 * time.Millisecond})
	if _, err := sim.Start(); err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	dir := b.TempDir()
	base := []string{"--miro-api-url", sim.BaseURL(), "--miro-scim-url", sim.SCIMURL()}
	c1z := filepath.Join(dir, "sync.c1z")

	type run struct {
		args, env []string
		wd        string
		stderr    io.Writer
	}
	var exits0, wrongCode, hangs, leftDirs, runs int
	// exec runs the binary with its own TMPDIR; stop, if set, is called once
	// the process runs and may signal it.
	exec1 := func(what string, r run, want int, stop func(*exec.Cmd)) {
		runs++
		tmp, err := os.MkdirTemp(dir, "tmp-")
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), hang)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, append(append([]string{}, base...), r.args...)...) // #nosec G204 -- the binary this benchmark built
		cmd.Env = append(append(os.Environ(), "BATON_MIRO_ACCESS_TOKEN=exit-token", "TMPDIR="+tmp), r.env...)
		cmd.Dir = cmp(r.wd, dir)
		cmd.Stderr = r.stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		if stop != nil {
			stop(cmd)
		}
		err = cmd.Wait()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				code = 128 + int(ws.Signal())
			}
		}
		switch {
		case ctx.Err() != nil:
			hangs++
			b.Logf("%s: no exit within %s", what, hang)
		case code == 0 && want != 0:
			exits0++
			b.Logf("%s: exit 0, want %d", what, want)
		case code != want && want >= 0:
			wrongCode++
			b.Logf("%s: exit %d, want %d", what, code, want)
		}
		if want == -1 { // a killed supervisor: what it left is counted after the next run
			return
		}
		entries, _ := os.ReadDir(tmp)
		leftDirs += len(entries)
		if len(entries) > 0 {
			b.Logf("%s: %d entries left in TMPDIR", what, len(entries))
		}
		_ = os.RemoveAll(tmp)
	}

	first := exec.Command(bin, append(base, "-f", c1z)...) // #nosec G204 -- the binary this benchmark built
	first.Env = append(os.Environ(), "BATON_MIRO_ACCESS_TOKEN=exit-token")
	if out, err := first.CombinedOutput(); err != nil {
		b.Fatalf("the first sync failed: %v\n%s", err, out)
	}
	grant := []string{"-f", c1z, "--grant-entitlement", "role:organization_internal_admin:assigned",
		"--grant-principal", org.Members[0].ID, "--grant-principal-type", "user"}
	badToken := []string{"--miro-access-token", "not-the-token"}

	// Configurations: extra arguments, environment and working directory.
	confDir := func(yaml string) string {
		d, err := os.MkdirTemp(dir, "conf-")
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, ".baton.yaml"), []byte(yaml), 0o600); err != nil {
			b.Fatal(err)
		}
		return d
	}
	spaced := filepath.Join(dir, "my logs")
	_ = os.Mkdir(spaced, 0o700)
	fifo := filepath.Join(dir, "log.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		b.Fatal(err)
	}
	reader := exec.Command("sh", "-c", "while :; do cat "+fifo+" > /dev/null; done") // #nosec G204 -- our own path
	reader.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := reader.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = syscall.Kill(-reader.Process.Pid, syscall.SIGKILL); _ = reader.Wait() }()
	configs := []struct {
		name string
		r    run
	}{
		{"log-level fatal in .baton.yaml", run{wd: confDir("log-level: fatal\n")}},
		{"log-path in .baton.yaml", run{wd: confDir("log-path: " + filepath.Join(dir, "conf.log") + "\n")}},
		{"--log-path /dev/null --log-level debug", run{args: []string{"--log-path", "/dev/null", "--log-level", "debug"}}},
		{"BATON_LOG_PATH with a space", run{env: []string{"BATON_LOG_PATH=" + filepath.Join(spaced, "x.json")}}},
		{"--log-path FIFO", run{args: []string{"--log-path", fifo}}},
		{"-f config", run{wd: dir}},
	}
	b.ResetTimer()
	t0 := time.Now()
	for _, c := range configs {
		for i := range reps {
			r := c.r
			args := grant
			if c.name == "-f config" {
				args = []string{"-f", "config", "--grant-entitlement", grant[3], "--grant-principal", grant[5], "--grant-principal-type", "user"}
				if i == 0 { // the grant reads the c1z named config
					_ = copyFile(c1z, filepath.Join(dir, "config"))
				}
			}
			exec1(fmt.Sprintf("%s: refused grant %d", c.name, i), run{args: append(append([]string{}, r.args...), args...), env: r.env, wd: r.wd}, 9, nil)
			bad := run{args: append(append(append([]string{}, r.args...), badToken...), "-f", filepath.Join(dir, "bad.c1z")), env: r.env, wd: r.wd}
			if c.name == "-f config" {
				bad = run{args: append(append([]string{}, badToken...), "-f", "config"), wd: b.TempDir()}
			}
			exec1(fmt.Sprintf("%s: bad-token sync %d", c.name, i), bad, 16, nil)
		}
	}
	long := strings.Repeat("1", 60000)
	underWay := func(*exec.Cmd) {
		before := sim.Count("list_team_members")
		for deadline := time.Now().Add(time.Minute); sim.Count("list_team_members")-before < 20 && time.Now().Before(deadline); {
			time.Sleep(2 * time.Millisecond)
		}
	}
	for i := range reps {
		exec1(fmt.Sprintf("failure line over 256 KiB %d", i), run{args: []string{"-f", c1z, "--invoke-action", "reset_sessions",
			"--invoke-action-resource-type", "user", "--invoke-action-args", `{"user_id":"` + long + `"}`},
			env: []string{"BATON_MIRO_SCIM_ACCESS_TOKEN=exit-scim"}}, 5, nil)
		exec1(fmt.Sprintf("-f config, SIGINT %d", i), run{args: []string{"-f", "config", "--workers", "2"}, wd: b.TempDir()}, 130,
			func(cmd *exec.Cmd) { underWay(cmd); _ = cmd.Process.Signal(syscall.SIGINT) })
		killedTmp := ""
		exec1(fmt.Sprintf("SIGKILL of the supervisor %d", i), run{args: []string{"-f", filepath.Join(dir, "killed.c1z"), "--workers", "2"}}, -1,
			func(cmd *exec.Cmd) {
				underWay(cmd)
				killedTmp = envOf(cmd, "TMPDIR")
				_ = cmd.Process.Kill()
			})
		// The next run in the same TMPDIR removes what the killed one left.
		exec1(fmt.Sprintf("run after SIGKILL %d", i), run{args: []string{"-f", filepath.Join(dir, "after.c1z")}, env: []string{"TMPDIR=" + killedTmp}}, 0, nil)
		if entries, _ := os.ReadDir(killedTmp); len(entries) > 0 {
			leftDirs += len(entries)
			b.Logf("run after SIGKILL %d: %d entries left", i, len(entries))
		}
		_ = os.RemoveAll(killedTmp)
		pr, pw, err := os.Pipe()
		if err != nil {
			b.Fatal(err)
		}
		exec1(fmt.Sprintf("stderr closed early (SIGPIPE) %d", i), run{args: []string{"-f", filepath.Join(dir, "pipe.c1z"), "--log-level", "debug"}, stderr: pw}, 0,
			func(*exec.Cmd) {
				_ = pw.Close()
				_, _ = pr.Read(make([]byte, 1))
				_ = pr.Close()
			})
	}
	took := time.Since(t0)
	b.StopTimer()

	fmt.Printf("exit status matrix: %d runs (%d configurations × %d × (refused grant + bad-token sync), and %d each of: a failure over 256 KiB, "+
		"-f config + SIGINT, SIGKILL of the supervisor + a normal run, a closed stderr) in %s: "+
		"%d exits with 0, %d with a wrong code, %d hangs, %d temporary directories left\n",
		runs, len(configs), reps, reps, took.Round(time.Second), exits0, wrongCode, hangs, leftDirs)
	b.ReportMetric(float64(exits0), "exit0")
	b.ReportMetric(float64(wrongCode), "wrongcode")
	b.ReportMetric(float64(hangs), "hangs")
	b.ReportMetric(float64(leftDirs), "leftdirs")
	if exits0+wrongCode+hangs+leftDirs > 0 {
		b.Errorf("%d exits with 0, %d with a wrong code, %d hangs, %d temporary directories left", exits0, wrongCode, hangs, leftDirs)
	}
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// envOf is the last value of key in cmd's environment.
func envOf(cmd *exec.Cmd, key string) string {
	v := ""
	for _, kv := range cmd.Env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from) // #nosec G304 -- the benchmark's own file
	if err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o600)
}
