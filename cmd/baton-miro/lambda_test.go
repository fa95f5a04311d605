package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLambdaBuild: the build ConductorOne hosts (-tags baton_lambda_support)
// compiles and serves the hidden `lambda` command.
func TestLambdaBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a second binary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "baton-miro-lambda")
	build := exec.CommandContext(ctx, "go", "build", "-tags", "baton_lambda_support", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("lambda build failed: %v\n%s", err, out)
	}
	out, err := exec.CommandContext(ctx, bin, "lambda", "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("baton-miro lambda --help: %v\n%s", err, out)
	}
	for _, want := range []string{"AWS Lambda", "--lambda-client-id"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("lambda --help does not mention %q:\n%s", want, out)
		}
	}
	// The plain build must not carry the lambda command.
	if out, _ := exec.CommandContext(ctx, binary, "lambda", "--help").CombinedOutput(); strings.Contains(string(out), "AWS Lambda") {
		t.Errorf("the plain binary serves the lambda command")
	}
}
