package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestExitCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{status.Error(codes.FailedPrecondition, "x"), 9},
		{fmt.Errorf("runner: error processing task: %w", status.Error(codes.Unauthenticated, "x")), 16},
		{fmt.Errorf("sync: %w", context.Canceled), 1},
		{context.DeadlineExceeded, 4},
		{errors.New("rpc error: code = NotFound desc = only text"), 2},
		{status.Error(codes.OK, ""), 0}, // status.Error with OK is nil
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestOutcomeRecord(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "outcome.json")
	if _, ok := readOutcome(path); ok {
		t.Fatal("a missing record read as one")
	}
	long := make([]byte, 1<<20) // no line or size limit
	for i := range long {
		long[i] = 'x'
	}
	if err := writeOutcome(path, 5, errors.New(string(long))); err != nil {
		t.Fatal(err)
	}
	rec, ok := readOutcome(path)
	if !ok || rec.Code != 5 || len(rec.Error) != len(long) {
		t.Fatalf("read %v code %d, %d bytes", ok, rec.Code, len(rec.Error))
	}
}

func TestOutcomeExitCode(t *testing.T) {
	t.Parallel()
	const sigint, sigterm = 2, 15
	rec := func(code int) outcomeRecord { return outcomeRecord{Code: code, Error: "x"} }
	tests := []struct {
		name string
		o    outcome
		want int
	}{
		{"success", outcome{recorded: true}, 0},
		{"failure with its code", outcome{childCode: 9, recorded: true, record: rec(9)}, 9},
		{"failure recorded, runner exited 0", outcome{recorded: true, record: rec(9)}, 9},
		{"runner exited 0 without a record", outcome{}, exitNoOutcome},
		{"runner crashed without a record", outcome{childCode: 2}, 2},
		{"runner killed by a signal", outcome{childCode: 128 + 9}, 137},
		{"SIGINT one-shot, SDK returned nil", outcome{signal: sigint, recorded: true}, 130},
		{"SIGTERM one-shot, SDK failed", outcome{signal: sigterm, childCode: 1, recorded: true, record: rec(1)}, 143},
		{"SIGTERM service mode", outcome{signal: sigterm, service: true, childCode: 137}, 0},
		{"service mode failure without a signal", outcome{service: true, recorded: true, record: rec(16), childCode: 16}, 16},
		{"connector service quit", outcome{serviceQuit: "killed by killed", childCode: 137}, 1},
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
