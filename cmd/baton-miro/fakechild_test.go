package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"testing"
)

// The supervisor is tested with this test binary standing in for the SDK:
// TestMain runs fakeChild when fakeChildEnv names a scenario. Each scenario
// plays one way the SDK ends, the racy ones included, deterministically.
const (
	fakeChildEnv = "BATON_MIRO_TEST_FAKE_CHILD"
	fakeReadyEnv = "BATON_MIRO_TEST_READY" // the child creates this file once it is running
)

const failureLine = `{"level":"error","msg":"runner: error processing on-demand task","error":"runner: error processing task: rpc error: code = FailedPrecondition desc = needs --miro-scim-access-token"}`

func fakeChild(scenario string) int {
	ready := func() {
		if p := os.Getenv(fakeReadyEnv); p != "" {
			_ = os.WriteFile(p, []byte(strconv.Itoa(os.Getpid())), 0o600)
		}
	}
	// Like the SDK's store: files in the temporary directory.
	if f, err := os.CreateTemp("", "c1z-pebble-fake-"); err == nil {
		_, _ = f.Write(make([]byte, 1<<16))
		_ = f.Close()
	}
	switch scenario {
	case "success":
		fmt.Fprintln(os.Stderr, `{"level":"info","msg":"sync done"}`)
		return 0
	case "failure":
		fmt.Fprintln(os.Stderr, failureLine)
		return 9
	case "failure-exit-0": // the SDK's race: logged the failure, then os.Exit(0)
		fmt.Fprintln(os.Stderr, failureLine)
		return 0
	case "failure-in-log-file":
		for i, a := range os.Args {
			if a == "--log-path" {
				f, _ := os.OpenFile(os.Args[i+1], os.O_APPEND|os.O_WRONLY, 0)
				fmt.Fprintln(f, failureLine)
				f.Close()
			}
		}
		return 0
	case "service-task-failure": // a failed task in service mode is not a failed run
		fmt.Fprintln(os.Stderr, `{"level":"error","msg":"runner: error processing task","error":"boom"}`)
		return 0
	case "stops-on-sigint", "ignores-sigint", "grandchild":
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, os.Interrupt)
		if scenario == "grandchild" { // like the SDK's connector process
			gc := exec.Command("sleep", "300")
			_ = gc.Start()
			_ = os.WriteFile(filepath.Join(filepath.Dir(os.Getenv(fakeReadyEnv)), "grandchild"), []byte(strconv.Itoa(gc.Process.Pid)), 0o600)
		}
		ready()
		<-stop
		if scenario == "ignores-sigint" {
			select {}
		}
		// What the SDK does on a stop: log its error, exit 1 (or 0, racing).
		fmt.Fprintln(os.Stderr, `{"level":"error","msg":"error running connector","error":"context canceled"}`)
		return 1
	}
	return 99
}

func requireEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left in the temporary directory: %s", e.Name())
	}
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }
