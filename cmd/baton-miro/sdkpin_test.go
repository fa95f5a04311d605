package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The supervisor, the shim and main depend on these parts of baton-sdk
// v0.25.0; each is checked against the pinned SDK's source in the module
// cache, so that an SDK upgrade fails here rather than for a user.

func sdkSource(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/conductorone/baton-sdk").Output()
	if err != nil {
		t.Fatalf("go list -m baton-sdk: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), path))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func requireSource(t *testing.T, path string, snippets ...string) {
	t.Helper()
	src := sdkSource(t, path)
	for _, s := range snippets {
		if !strings.Contains(src, s) {
			t.Errorf("baton-sdk %s no longer contains %q", path, s)
		}
	}
}

// TestRunConnectorPinned: command() and getConnector are RunConnector minus
// its exit; runSDK's exitCode is the SDK's.
func TestRunConnectorPinned(t *testing.T) {
	t.Parallel()
	requireSource(t, "pkg/config/config.go",
		"f := runConnectorFunc(cf)",
		"_, cmd, err := DefineConfigurationV2(ctx, connectorName, f, schema, options...)",
		"cmd.Version = version",
		"err = cmd.Execute()\n\tif err != nil {\n\t\texit.LogExit(err)",
		"connector, builderOpts, err := cf(ctx, cfg, connectorOptsFromRunTime(runTimeOpts))",
		"builderOpts = append(builderOpts, connectorbuilder.WithSessionStore(runTimeOpts.SessionStore))",
		"c, err := connectorbuilder.NewConnector(ctx, connector, builderOpts...)",
		"TokenSource:         runTimeOpts.TokenSource,\n\t\tSelectedAuthMethod:  runTimeOpts.SelectedAuthMethod,\n"+
			"\t\tSyncResourceTypeIDs: runTimeOpts.SyncResourceTypeIDs,\n\t\tEgressPolicy:        runTimeOpts.EgressPolicy,\n\t}",
		`Use:    "`+connectorServiceCommand+`",`,
	)
	requireSource(t, "pkg/exit/exit.go",
		"fmt.Fprintln(os.Stderr, err.Error())",
		"if grpcErr.Code() == codes.OK {\n\t\t\t// An error with code OK should never happen.\n\t\t\treturn int(codes.Internal)",
		"return int(grpcErr.Code())",
		"if errors.Is(err, context.Canceled) {\n\t\treturn int(codes.Canceled)",
		"if errors.Is(err, context.DeadlineExceeded) {\n\t\treturn int(codes.DeadlineExceeded)",
		"return int(codes.Unknown)",
	)
}

// TestConnectorServicePinned: what the shim relies on. The runner starts the
// service as its own executable with "_connector-service" appended, the
// listener as descriptor 3 named by an environment variable; its goroutine
// exits only when the service's Wait fails; the service ends with 0 when its
// standard input closes; the runner stops on SIGINT.
func TestConnectorServicePinned(t *testing.T) {
	t.Parallel()
	requireSource(t, "internal/connector/connector.go",
		`const listenerFdEnv = "`+listenerFdEnv+`"`,
		`args = append(args, "`+connectorServiceCommand+`")`,
		"arg0, err := os.Executable()",
		"cmd.ExtraFiles = []*os.File{listener}",
		`cmd.Env = append(os.Environ(), fmt.Sprintf("%s=3", listenerFdEnv))`,
		"waitErr := cmd.Wait()\n\t\tif waitErr != nil {",
		`l.Error("connector service quit unexpectedly", zap.Error(waitErr))`,
	)
	requireSource(t, "pkg/cli/commands.go",
		"_, err := os.Stdin.Read(in)\n\t\t\tif err != nil {\n\t\t\t\tos.Exit(0)",
		`daemonMode := v.GetString("client-id") != "" || isService()`,
	)
	requireSource(t, "pkg/connectorrunner/runner.go", "signal.Notify(sigChan, os.Interrupt)")
	requireSource(t, "pkg/dotc1z/pebble_store.go", "unsaved data preserved under %s: %w")
}

// TestOperationsPinned: operationStrings and operationBools are exactly the
// one-shot operations of MakeMainCommand's switch.
func TestOperationsPinned(t *testing.T) {
	t.Parallel()
	src := sdkSource(t, "pkg/cli/commands.go")
	start := strings.Index(src, "} else {\n\t\t\tswitch {")
	end := strings.Index(src[max(start, 0):], "default:")
	if start < 0 || end < 0 {
		t.Fatal("MakeMainCommand's operation switch not found")
	}
	block := src[start : start+end]
	names := func(re string) []string {
		var out []string
		for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(block, -1) {
			out = append(out, m[1])
		}
		slices.Sort(out)
		return out
	}
	gotStrings := names(`case v\.GetString\("([a-z-]+)"\) != "":`)
	gotBools := names(`case v\.GetBool\("([a-z-]+)"\):`)
	wantStrings, wantBools := slices.Sorted(slices.Values(operationStrings)), slices.Sorted(slices.Values(operationBools))
	if !slices.Equal(gotStrings, wantStrings) || !slices.Equal(gotBools, wantBools) {
		t.Errorf("the SDK's operations: strings %v, bools %v\nours: %v, %v", gotStrings, gotBools, wantStrings, wantBools)
	}
}

// TestLogEntriesPinned: the relay recognizes these entries of the SDK by
// their messages (relay.go): an echo left at error would say a failure twice,
// and a renamed end-of-sync entry would be a 2,000-character line again.
func TestLogEntriesPinned(t *testing.T) {
	t.Parallel()
	requireSource(t, "pkg/ratelimit/grpc.go", `l.Error("ratelimit: error running client request", zap.Error(err))
					return err`)
	requireSource(t, "pkg/connectorrunner/runner.go", `"runner: error processing on-demand task",`, `return err`)
	requireSource(t, "pkg/tasks/c1api/manager.go", `l.Error("c1_api_task_manager.finishTask(): finishing task with error", zap.Error(taskError))`)
	requireSource(t, "pkg/cli/commands.go", `l.Error("error running connector", zap.Error(err))
			return err`)
	requireSource(t, "pkg/ugrpc/logging.go", `"finished unary call with code "+code.String()`, `"finished stream call with code "+code.String()`)
	requireSource(t, "pkg/sync/syncer.go", `l.Info("Sync complete.", s.syncSummaryFields(span)...)`, `"connector session store cleanup stats"`,
		`"Finished loading entitlement graph"`)
	requireSource(t, "pkg/sync/parallel_syncer.go", `"sync data collection complete"`)
	requireSource(t, "internal/connector/connector.go", `"starting session store server"`)
	requireSource(t, "pkg/session/memory_cache.go", `"MemorySessionCache Stats"`)
	for msg := range echoes {
		if !strings.Contains(sdkSource(t, "pkg/ratelimit/grpc.go")+sdkSource(t, "pkg/connectorrunner/runner.go")+sdkSource(t, "pkg/cli/commands.go"), `"`+msg+`"`) {
			t.Errorf("echo %q is not in the SDK", msg)
		}
	}
}
