package main

import (
	"testing"
)

func TestFailureIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, line string
		want       string
		ok         bool
	}{
		{"json on-demand task", `{"level":"error","ts":1.5,"caller":"connectorrunner/runner.go:266","msg":"runner: error processing on-demand task","error":"runner: error processing task: rpc error: code = FailedPrecondition desc = no SCIM token","task_type":"grant"}`,
			"runner: error processing task: rpc error: code = FailedPrecondition desc = no SCIM token", true},
		{"json running connector", `{"level":"error","msg":"error running connector","error":"boom"}` + "\n", "boom", true},
		{"console", "2026-11-30T04:36:27.892Z\tERROR\tconnectorrunner/runner.go:266\trunner: error processing on-demand task\t{\"error\": \"x: rpc error: code = Unauthenticated desc = y\", \"task_id\": \"\"}",
			"x: rpc error: code = Unauthenticated desc = y", true},
		{"console without fields", "2026-11-30T04:36:27.892Z\tERROR\terror running connector", "", true},
		{"service task failure keeps serving", `{"level":"error","msg":"runner: error processing task","error":"boom"}`, "", false},
		{"message only mentioned", `{"level":"info","msg":"retrying","detail":"error running connector"}`, "", false},
		{"plain text", "error running connector: boom", "", false},
		{"broken json", `{"msg":"error running connector"`, "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := failureIn([]byte(tt.line))
			if got != tt.want || ok != tt.ok {
				t.Errorf("failureIn(%q) = %q, %v; want %q, %v", tt.line, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestExitCodeOf(t *testing.T) {
	t.Parallel()
	tests := map[string]int{
		"runner: error processing task: rpc error: code = FailedPrecondition desc = x":  9,
		"rpc error: code = Unauthenticated desc = check --miro-access-token":            16,
		"rpc error: code = PermissionDenied desc = rpc error: code = NotFound desc = x": 7,
		"runner: error processing task: pebble: not found":                              5,
		"rpc error: code = Bogus desc = x":                                              2,
		"sync: context canceled":                                                        1,
		"something else":                                                                2,
		"":                                                                              2,
	}
	for text, want := range tests {
		if got := exitCodeOf(text); got != want {
			t.Errorf("exitCodeOf(%q) = %d, want %d", text, got, want)
		}
	}
}

func TestOutcomeExitCode(t *testing.T) {
	t.Parallel()
	const sigint, sigterm = 2, 15
	fail := "rpc error: code = FailedPrecondition desc = x"
	tests := []struct {
		name string
		o    outcome
		want int
	}{
		{"success", outcome{}, 0},
		{"failure with its code", outcome{childCode: 9, failed: true, failure: fail}, 9},
		{"failure, SDK exited 0", outcome{failed: true, failure: fail}, 9},
		{"failure, SDK exited 0, no code in the text", outcome{failed: true, failure: "boom"}, 2},
		{"failure logged, child code wins", outcome{childCode: 16, failed: true, failure: fail}, 16},
		{"child crashed without a line", outcome{childCode: 1}, 1},
		{"child killed by a signal", outcome{childCode: 128 + 9}, 137},
		{"SIGINT one-shot, SDK exited 0", outcome{signal: sigint}, 130},
		{"SIGTERM one-shot, SDK exited 0", outcome{signal: sigterm}, 143},
		{"SIGTERM one-shot, SDK failed", outcome{signal: sigterm, childCode: 1, failed: true}, 143},
		{"SIGTERM service mode", outcome{signal: sigterm, service: true, childCode: 1}, 0},
		{"SIGTERM service mode, killed after the grace period", outcome{signal: sigterm, service: true, killed: true}, 143},
		{"service mode failure without a signal", outcome{service: true, failed: true, failure: fail}, 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.o.exitCode(); got != tt.want {
				t.Errorf("%+v.exitCode() = %d, want %d", tt.o, got, tt.want)
			}
		})
	}
}

// FuzzFailureIn: any bytes from the child's log are parsed without panicking,
// and only a line that names a failure message counts.
func FuzzFailureIn(f *testing.F) {
	f.Add([]byte(`{"msg":"error running connector","error":"x"}`))
	f.Add([]byte("t\tERROR\tc\terror running connector\t{\"error\": 1}"))
	f.Add([]byte("\t\t\t"))
	f.Fuzz(func(t *testing.T, line []byte) {
		text, ok := failureIn(line)
		if !ok && text != "" {
			t.Fatalf("no failure but text %q", text)
		}
		if ok {
			_ = exitCodeOf(text)
		}
	})
}
