package main

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// resolveArgs resolves a command line as main does, with the process's
// environment (tests that set variables are not parallel).
func resolveArgs(t *testing.T, args []string) (bool, runFlags) {
	t.Helper()
	root, v, err := command()
	if err != nil {
		t.Fatal(err)
	}
	return resolve(root, v, args)
}

// TestResolveSupervision: whether a run is supervised follows from the
// command line's structure as cobra parses it, never from an argument's
// value (`-f config` was taken for the config subcommand on main: no
// supervisor, SIGINT exited 0, temporary files left).
func TestResolveSupervision(t *testing.T) {
	t.Parallel()
	for args, want := range map[string]bool{
		"":                              true,
		"-f x.c1z --workers 4":          true,
		"-f config":                     true,
		"--file capabilities":           true,
		"--log-path help -f completion": true,
		"--grant-entitlement health-check -f x.c1z": true,
		"--help":                               false,
		"-h":                                   false,
		"--version":                            false,
		"capabilities":                         false,
		"config":                               false,
		"--log-level debug _connector-service": false,
		"health-check --endpoint live":         false,
		"--no-such-flag":                       false, // the SDK reports it
		"stray-argument":                       false,
	} {
		if got, _ := resolveArgs(t, strings.Fields(args)); got != want {
			t.Errorf("supervised(%q) = %v, want %v", args, got, want)
		}
	}
}

func TestResolveFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want runFlags
	}{
		{"defaults", nil, runFlags{file: "sync.c1z"}},
		{"short file", []string{"-f", "/out/x.c1z", "--workers", "4"}, runFlags{file: "/out/x.c1z"}},
		{"long file=", []string{"--file=y.c1z"}, runFlags{file: "y.c1z"}},
		{"service by flag", []string{"--client-id", "id", "--client-secret", "s"}, runFlags{service: true, file: "sync.c1z"}},
		{"grant", []string{"--grant-entitlement", "team:1:member", "--grant-principal", "u"}, runFlags{operation: true, file: "sync.c1z"}},
		{"revoke", []string{"--revoke-grant", "g"}, runFlags{operation: true, file: "sync.c1z"}},
		{"event feed", []string{"--event-feed=true", "--event-feed-id", "x"}, runFlags{operation: true, file: "sync.c1z"}},
		{"switch", []string{"--list-action-schemas", "-f", "z.c1z"}, runFlags{operation: true, file: "z.c1z"}},
		{"temp dir flag", []string{"--c1z-temp-dir", "/scratch"}, runFlags{file: "sync.c1z", tempDir: "/scratch"}},
		{"token flags around", []string{"--miro-access-token", "t", "--sync-boards", "-f", "q.c1z"}, runFlags{file: "q.c1z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, got := resolveArgs(t, tt.args)
			if !ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("resolve(%q) = %v, %+v; want %+v", tt.args, ok, got, tt.want)
			}
		})
	}
}

// TestResolveEnvironmentAndConfigFile: service mode, operations and the
// temporary directory are read from BATON_* variables and the config file
// too (a config file's client-id was not service mode on main).
func TestResolveEnvironmentAndConfigFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("BATON_C1Z_TEMP_DIR", "/scratch")
	t.Setenv("BATON_INVOKE_ACTION", "disable_user")
	if _, f := resolveArgs(t, nil); !f.operation || f.tempDir != "/scratch" {
		t.Errorf("environment: %+v", f)
	}
	t.Setenv("BATON_INVOKE_ACTION", "")

	file := filepath.Join(dir, "conf.yaml")
	if err := os.WriteFile(file, []byte("client-id: id\nclient-secret: s\nfile: /data/c.c1z\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BATON_CONFIG_PATH", file)
	if _, f := resolveArgs(t, nil); !f.service || f.file != "/data/c.c1z" {
		t.Errorf("BATON_CONFIG_PATH: %+v", f)
	}
	t.Setenv("BATON_CONFIG_PATH", "")
	if err := os.WriteFile(filepath.Join(dir, ".baton.yaml"), []byte("client-id: id\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, f := resolveArgs(t, nil); !f.service {
		t.Errorf(".baton.yaml: %+v", f)
	}
}

// TestWorkersOf: the worker count the connector is told is the SDK's, from
// flags, BATON_* variables, or both.
func TestWorkersOf(t *testing.T) {
	auto := min(max(runtime.GOMAXPROCS(0), 1), 4)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want int
	}{
		{"default", nil, nil, 1},
		{"flag", []string{"--workers", "4"}, nil, 4},
		{"flag=", []string{"--workers=8"}, nil, 8},
		{"environment", nil, map[string]string{"BATON_WORKERS": "3"}, 3},
		{"flag beats the environment", []string{"--workers", "2"}, map[string]string{"BATON_WORKERS": "6"}, 2},
		{"zero", []string{"--workers", "0"}, nil, 1},
		{"auto", []string{"--workers", "-1"}, nil, auto},
		{"below auto", []string{"--workers", "-5"}, nil, 1},
		{"parallel sync", []string{"--parallel-sync"}, nil, auto},
		{"parallel sync by environment", nil, map[string]string{"BATON_PARALLEL_SYNC": "true"}, auto},
		{"workers beat parallel sync", []string{"--parallel-sync", "--workers", "2"}, nil, 2},
		{"not a number", nil, map[string]string{"BATON_WORKERS": "many"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			root, v, err := command()
			if err != nil {
				t.Fatal(err)
			}
			if ok, _ := resolve(root, v, tt.args); !ok {
				t.Fatalf("%q not resolved as a run", tt.args)
			}
			if got := workersOf(v); got != tt.want {
				t.Errorf("workersOf(%q, %v) = %d, want %d", tt.args, tt.env, got, tt.want)
			}
		})
	}
}
