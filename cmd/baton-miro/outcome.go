package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The runner process (our main, running the SDK's command) writes one
// outcome record when the SDK's command returns: the exit code and the error
// text. The supervisor decides the exit status from it, never from log text,
// so no logging configuration (level, format, paths, line length) changes the
// exit status.

// Environment variables between the supervisor and its processes.
const (
	childEnv   = "BATON_MIRO_SUPERVISED"  // a process of a supervised run (runner, shim, service)
	serviceEnv = "BATON_MIRO_SERVICE"     // the connector service the shim started
	privateEnv = "BATON_MIRO_PRIVATE_DIR" // the supervisor's private directory
)

// outcomeEnv names the file the runner writes its outcome record to.
const outcomeEnv = "BATON_MIRO_OUTCOME"

type outcomeRecord struct {
	Code  int    `json:"code"`
	Error string `json:"error,omitempty"`
}

func writeOutcome(path string, code int, err error) error {
	rec := outcomeRecord{Code: code}
	if err != nil {
		rec.Error = err.Error()
	}
	return writeJSONFile(path, rec)
}

// writeJSONFile writes v as JSON to path whole or not at all (a rename).
func writeJSONFile(path string, v any) error {
	data, jerr := json.Marshal(v)
	if jerr != nil {
		return jerr
	}
	tmp, cerr := os.CreateTemp(filepath.Dir(path), ".record-*")
	if cerr != nil {
		return cerr
	}
	name := tmp.Name()
	if _, werr := tmp.Write(data); werr != nil {
		_ = tmp.Close()
		_ = os.Remove(name) // #nosec G703 -- a temporary file of ours
		return werr
	}
	if cerr := tmp.Close(); cerr != nil {
		_ = os.Remove(name) // #nosec G703 -- a temporary file of ours
		return cerr
	}
	return os.Rename(name, path) // #nosec G703 -- in the supervisor's private directory
}

// actionRecord, in the private directory, is the outcome of a failed
// action, written by the connector service (see connector.WithActionFailures):
// the SDK's runner reports a failed action without its code.
const actionRecord = "action.json"

func recordActionFailure(dir string, err error) {
	_ = writeOutcome(filepath.Join(dir, actionRecord), exitCode(err), err)
}

func readOutcome(path string) (outcomeRecord, bool) {
	data, err := os.ReadFile(path) // #nosec G304 G703 -- in the supervisor's private directory
	if err != nil {
		return outcomeRecord{}, false
	}
	var rec outcomeRecord
	if json.Unmarshal(data, &rec) != nil {
		return outcomeRecord{}, false
	}
	return rec, true
}

// exitCode is the SDK's exit code for an error (pkg/exit, v0.25.0): the gRPC
// code, Canceled and DeadlineExceeded for context errors, else Unknown.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if st, ok := status.FromError(err); ok {
		if st.Code() == codes.OK {
			return int(codes.Internal)
		}
		return int(st.Code())
	}
	if errors.Is(err, context.Canceled) {
		return int(codes.Canceled)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return int(codes.DeadlineExceeded)
	}
	return int(codes.Unknown)
}

// exitNoOutcome is the exit status of a run whose runner ended with 0 but
// without its outcome record: the SDK exited before the run's result was
// known (baton-sdk's racy os.Exit(0), see supervise.go), so it is a failure.
const exitNoOutcome = 1

// outcome is what the supervisor saw of one run of the SDK.
type outcome struct {
	childCode    int           // the runner's exit status (128+n when killed by signal n)
	record       outcomeRecord // the runner's outcome record
	recorded     bool          // … if it wrote one
	signal       int           // the signal that asked us to stop (0 = none)
	service      bool          // service mode: a stop signal is the normal way to end
	serviceQuit  string        // the connector service ended on its own while the runner ran: how
	killedOnStop bool          // the one-shot runner had to be killed (grace period over, or a second signal)
}

// exitCode decides the exit status of baton-miro:
//   - service mode stopped by a signal: 0 (the runner is stopped at once);
//   - an interrupted one-shot run: 128+signal (130 SIGINT, 143 SIGTERM);
//   - the connector service quit unexpectedly: 1, as the SDK does;
//   - the outcome record's code when there is one;
//   - else the runner's code, or exitNoOutcome if that was 0.
func (o outcome) exitCode() int {
	switch {
	case o.signal != 0 && o.service:
		return 0
	case o.signal != 0:
		return 128 + o.signal
	case o.serviceQuit != "":
		return 1
	case o.recorded:
		return o.record.Code
	case o.childCode == 0:
		return exitNoOutcome
	}
	return o.childCode
}
