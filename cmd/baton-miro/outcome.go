package main

import (
	"bytes"
	"encoding/json"
	"strings"
)

// failureMessages are the log messages with which baton-sdk v0.25.0 reports
// that a run failed. The first is logged before the runner's context ends, so
// it reaches the log even when the SDK then exits 0 (see supervise); the
// second after. A failed task in service mode logs "runner: error processing
// task" instead and the process keeps serving: that is not a failed run.
var failureMessages = []string{
	"runner: error processing on-demand task",
	"error running connector",
}

// maxLogLine bounds how much of one log line is kept for parsing; the rest
// of a longer line is still passed through, just not examined.
const maxLogLine = 256 << 10

// failureIn returns the error text of a line that reports a failed run, in
// the SDK's JSON or console log format, and whether the line is one.
func failureIn(line []byte) (string, bool) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return "", false
	}
	if line[0] == '{' { // JSON format: {"level":"error",...,"msg":"...","error":"..."}
		var entry struct {
			Msg   string `json:"msg"`
			Error string `json:"error"`
		}
		if json.Unmarshal(line, &entry) != nil || !isFailureMessage(entry.Msg) {
			return "", false
		}
		return entry.Error, true
	}
	// Console format: time, level, caller and message separated by tabs, then
	// the fields as one JSON object.
	parts := bytes.Split(line, []byte{'\t'})
	for i, p := range parts {
		if !isFailureMessage(string(p)) {
			continue
		}
		var fields struct {
			Error string `json:"error"`
		}
		if i+1 < len(parts) {
			_ = json.Unmarshal(parts[len(parts)-1], &fields)
		}
		return fields.Error, true
	}
	return "", false
}

func isFailureMessage(msg string) bool {
	for _, m := range failureMessages {
		if msg == m {
			return true
		}
	}
	return false
}

// grpcCodes are the exit codes baton-sdk gives errors: the gRPC code, by the
// name the error text carries ("rpc error: code = PermissionDenied desc = …").
var grpcCodes = map[string]int{
	"Canceled": 1, "Unknown": 2, "InvalidArgument": 3, "DeadlineExceeded": 4, "NotFound": 5,
	"AlreadyExists": 6, "PermissionDenied": 7, "ResourceExhausted": 8, "FailedPrecondition": 9,
	"Aborted": 10, "OutOfRange": 11, "Unimplemented": 12, "Internal": 13, "Unavailable": 14,
	"DataLoss": 15, "Unauthenticated": 16,
}

// exitCodeOf derives the SDK's exit code from an error text: the first gRPC
// code it names, NotFound for a record missing from the c1z, 1 for a
// cancelled context, else 2 (Unknown), as the SDK's exit package does for the
// error itself.
func exitCodeOf(errText string) int {
	const marker = "rpc error: code = "
	if i := strings.Index(errText, marker); i >= 0 {
		name, _, _ := strings.Cut(errText[i+len(marker):], " ")
		if code, ok := grpcCodes[name]; ok {
			return code
		}
	}
	if strings.HasSuffix(errText, "pebble: not found") { // the SDK's store: not in the c1z
		return grpcCodes["NotFound"]
	}
	if strings.Contains(errText, "context canceled") {
		return grpcCodes["Canceled"]
	}
	return grpcCodes["Unknown"]
}

// outcome is what the supervisor saw of one run of the SDK.
type outcome struct {
	childCode int    // the child's exit status (128+n when killed by signal n)
	failed    bool   // a failure line was logged
	failure   string // its error text
	signal    int    // the signal that asked us to stop (0 = none)
	service   bool   // service mode: a stop signal is the normal way to end
	killed    bool   // the child had to be killed (grace period over, or a second signal)
}

// exitCode decides the exit status of baton-miro from what happened, never
// from the child's exit status alone: the SDK may exit 0 after a failure.
//   - interrupted one-shot run: 128+signal (130 SIGINT, 143 SIGTERM);
//   - service mode stopped by a signal: 0 if the child stopped within the
//     grace period, else 128+signal;
//   - a logged failure: the child's code, or the failure's code when the
//     child exited 0;
//   - otherwise the child's code.
func (o outcome) exitCode() int {
	switch {
	case o.signal != 0 && o.service && !o.killed:
		return 0
	case o.signal != 0:
		return 128 + o.signal
	case o.failed && o.childCode == 0:
		return exitCodeOf(o.failure)
	}
	return o.childCode
}
