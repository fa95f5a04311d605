package main

import (
	"reflect"
	"runtime"
	"testing"
)

func TestPeekSkipsGrants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  string
		want bool
	}{
		{"flag", []string{"--workers", "4", "--skip-entitlements-and-grants", "-f", "x.c1z"}, "", true},
		{"flag=true", []string{"--skip-entitlements-and-grants=true"}, "", true},
		{"flag=false beats the environment", []string{"--skip-entitlements-and-grants=false"}, "true", false},
		{"environment", []string{"--workers", "4"}, "1", true},
		{"environment false", nil, "false", false},
		{"neither", []string{"--miro-access-token", "t", "-f", "sync.c1z"}, "", false},
		{"other flags only", []string{"--skip-full-sync", "--sync-resources", "team:1"}, "", false},
		{"help", []string{"--help"}, "", false},
		{"a subcommand", []string{"capabilities"}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			getenv := func(k string) string {
				if k == "BATON_SKIP_ENTITLEMENTS_AND_GRANTS" {
					return tt.env
				}
				return ""
			}
			if got := peekFlags(tt.args, getenv).skipGrants; got != tt.want {
				t.Errorf("skipsGrants(%q, env %q) = %v, want %v", tt.args, tt.env, got, tt.want)
			}
		})
	}
}

func TestPeekFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want runFlags
	}{
		{"defaults", nil, nil, runFlags{file: "sync.c1z"}},
		{"log level", []string{"--log-level", "debug"}, nil, runFlags{file: "sync.c1z", logLevel: "debug"}},
		{"short file", []string{"-f", "/out/x.c1z", "--workers", "4"}, nil, runFlags{file: "/out/x.c1z", workers: 4}},
		{"long file=", []string{"--file=y.c1z"}, nil, runFlags{file: "y.c1z"}},
		{"file from the environment", nil, map[string]string{"BATON_FILE": "e.c1z"}, runFlags{file: "e.c1z"}},
		{"flag beats the environment", []string{"-f", "a.c1z"}, map[string]string{"BATON_FILE": "e.c1z"}, runFlags{file: "a.c1z"}},
		{"service by flag", []string{"--client-id", "id", "--client-secret", "s"}, nil, runFlags{service: true, file: "sync.c1z"}},
		{"service by environment", nil, map[string]string{"BATON_CLIENT_ID": "id"}, runFlags{service: true, file: "sync.c1z"}},
		{"grant", []string{"--grant-entitlement", "team:1:member", "--grant-principal", "u"}, nil, runFlags{operation: true, file: "sync.c1z"}},
		{"revoke", []string{"--revoke-grant", "g"}, nil, runFlags{operation: true, file: "sync.c1z"}},
		{"event feed", []string{"--event-feed=true", "--event-feed-id", "x"}, nil, runFlags{operation: true, file: "sync.c1z"}},
		{"event feed false", []string{"--event-feed=false"}, nil, runFlags{file: "sync.c1z"}},
		{"switch", []string{"--list-action-schemas", "-f", "z.c1z"}, nil, runFlags{operation: true, file: "z.c1z"}},
		{"action by environment", nil, map[string]string{"BATON_INVOKE_ACTION": "disable_user"}, runFlags{operation: true, file: "sync.c1z"}},
		{"temp dir flag", []string{"--c1z-temp-dir", "/scratch"}, nil, runFlags{file: "sync.c1z", tempDir: "/scratch", tempDirIsFlag: true}},
		{"temp dir environment", nil, map[string]string{"BATON_C1Z_TEMP_DIR": "/scratch"}, runFlags{file: "sync.c1z", tempDir: "/scratch"}},
		{"log paths", []string{"--log-path", "/var/log/a,/var/log/b"}, nil, runFlags{file: "sync.c1z", logPaths: []string{"/var/log/a", "/var/log/b"}}},
		{"log path environment", nil, map[string]string{"BATON_LOG_PATH": "/var/log/a"}, runFlags{file: "sync.c1z", logPaths: []string{"/var/log/a"}}},
		{"unknown flags around", []string{"--miro-access-token", "t", "--sync-boards", "-p", "-f", "q.c1z"}, nil, runFlags{file: "q.c1z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := peekFlags(tt.args, func(k string) string { return tt.env[k] })
			if tt.want.workers == 0 {
				tt.want.workers = 1 // the SDK's default: one worker
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("peekFlags(%q) = %+v, want %+v", tt.args, got, tt.want)
			}
		})
	}
}

// TestPeekWorkers: main passes the connector the worker count the SDK's syncer
// will run with: --workers or BATON_WORKERS (the flag wins), --parallel-sync
// as -1, -1 as min(GOMAXPROCS, 4), anything else below 1 as 1.
func TestPeekWorkers(t *testing.T) {
	t.Parallel()
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
			t.Parallel()
			if got := peekFlags(tt.args, func(k string) string { return tt.env[k] }).workers; got != tt.want {
				t.Errorf("peekFlags(%q, %v).workers = %d, want %d", tt.args, tt.env, got, tt.want)
			}
		})
	}
}
