package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The supervisor is tested with this test binary standing in for the SDK:
// TestMain runs fakeChild when fakeChildEnv names a scenario. Each scenario
// plays one way the SDK ends, the racy ones included, deterministically.
const (
	fakeChildEnv = "BATON_MIRO_TEST_FAKE_CHILD"
	fakeReadyEnv = "BATON_MIRO_TEST_READY" // the child creates this file once it is running
)

func fakeChild(scenario string) int {
	ready := func() {
		if p := os.Getenv(fakeReadyEnv); p != "" {
			_ = os.WriteFile(p, []byte(strconv.Itoa(os.Getpid())), 0o600)
		}
	}
	record := func(code int, err error) {
		if path := os.Getenv(outcomeEnv); path != "" {
			_ = writeOutcome(path, code, err)
		}
	}
	// Like the SDK's store: files in the temporary directory.
	if f, err := os.CreateTemp("", "c1z-pebble-fake-"); err == nil {
		_, _ = f.Write(make([]byte, 1<<16))
		_ = f.Close()
	}
	failure := status.Error(codes.FailedPrecondition, "needs --miro-scim-access-token")
	switch scenario {
	case "success":
		record(0, nil)
		return 0
	case "failure":
		record(9, failure)
		return 9
	case "failure-exit-0": // the record decides, whatever the exit status
		record(9, failure)
		return 0
	case "no-record-exit-0": // the SDK's racy os.Exit(0) before main recorded
		return 0
	case "no-record-exit-7":
		return 7
	case "preserved":
		dir, _ := os.MkdirTemp("", "pebble-")
		_ = os.WriteFile(filepath.Join(dir, "000001.sst"), []byte("data"), 0o600)
		record(2, fmt.Errorf("pebble store close: save failed, store left open and unsaved data preserved under %s: disk full", dir))
		return 2
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
		// What the SDK does on a stop: returns nil (ErrSigTerm is swallowed).
		record(0, nil)
		return 0
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
