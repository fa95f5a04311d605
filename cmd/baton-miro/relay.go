//go:build unix

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/conductorone/baton-sdk/pkg/logging"
	"github.com/spf13/viper"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// On a stop (SIGINT, which the supervisor sends for SIGINT, SIGTERM and
// SIGHUP) the SDK's runner logs the cancellations of the calls it was making
// at error level ("ratelimit: report failed … context canceled", "runner:
// error processing on-demand task", …). A normal stop must log nothing at
// error level, so the runner's logger writes to the relay below instead of
// the operator's destinations: it passes every entry on to a logger built
// from the operator's configuration (format, level, paths) and, once a stop
// signal has arrived, logs error-level entries at warn. The exit status does
// not depend on any of this (see outcome.go).

// relayScheme is the zap sink the SDK's logger writes to in the runner.
const relayScheme = "baton-miro-relay"

var (
	relayTarget        atomic.Pointer[zap.Logger] // the operator's logger
	relayReachesStderr atomic.Bool                // … writes to standard error
	relayJSON          atomic.Bool                // … in JSON
	stopping           atomic.Bool                // a stop signal arrived
)

func init() {
	_ = zap.RegisterSink(relayScheme, func(*url.URL) (zap.Sink, error) { return relaySink{}, nil })
}

// relayLogs, in the runner, takes the operator's log configuration as the
// SDK would use it, builds that logger, and points the SDK's at the relay.
func relayLogs(v *viper.Viper) error {
	target, paths, err := operatorLogger(v)
	if err != nil {
		return err
	}
	relayReachesStderr.Store(len(paths) == 0 || slices.Contains(paths, "stderr") || slices.Contains(paths, "/dev/stderr"))
	relayJSON.Store(v.GetString("log-format") != logging.LogFormatConsole)
	relayTarget.Store(target)
	// Go's standard logger (Pebble's "Found 0 WALs") is storage chatter: debug.
	log.SetFlags(0)
	log.SetOutput(stdLogRelay{})
	v.Set("log-format", logging.LogFormatJSON)
	v.Set("log-path", []string{relayScheme + ":"})
	stops := make(chan os.Signal, 1)
	signal.Notify(stops, os.Interrupt)
	go func() {
		<-stops
		stopping.Store(true)
	}()
	return nil
}

// operatorLogger builds the logger the operator's configuration asks for
// (format, level, --log-path, default standard error) as the SDK's
// logging.Init would, and returns the paths it writes to.
func operatorLogger(v *viper.Viper) (*zap.Logger, []string, error) {
	opts := []logging.Option{logging.WithLogFormat(v.GetString("log-format")), logging.WithLogLevel(v.GetString("log-level"))}
	paths := v.GetStringSlice("log-path")
	if len(paths) > 0 {
		opts = append(opts, logging.WithOutputPaths(paths))
	}
	zc := zap.NewProductionConfig() // as the SDK's logging.buildConfig
	zc.Sampling = nil
	zc.DisableStacktrace = true
	for _, o := range opts {
		o(&zc)
	}
	target, err := zc.Build()
	return target, paths, err
}

type stdLogRelay struct{}

func (stdLogRelay) Write(p []byte) (int, error) {
	if t := relayTarget.Load(); t != nil {
		t.Debug(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

type relaySink struct{}

func (relaySink) Sync() error {
	if t := relayTarget.Load(); t != nil {
		_ = t.Sync()
	}
	return nil
}

func (relaySink) Close() error { return nil }

// Write receives one JSON-encoded entry (zap writes each entry whole).
func (relaySink) Write(p []byte) (int, error) {
	t := relayTarget.Load()
	if t == nil {
		return len(p), nil
	}
	for _, line := range bytes.Split(bytes.TrimSpace(p), []byte{'\n'}) {
		// A cancellation is logged before the stop signal may have reached the
		// goroutine that sets stopping: it is not an error either way.
		relayEntryTo(t.Core(), line, stopping.Load() || bytes.Contains(line, []byte("context canceled")))
	}
	return len(p), nil
}

// relayEntryTo decodes one entry of zap's production JSON encoding (keys
// level, ts, logger, caller, msg, stacktrace, then the fields in order) and
// writes it to core, an error at warn if demote.
func relayEntryTo(core zapcore.Core, line []byte, demote bool) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return
	}
	var ent zapcore.Entry
	var fields []zap.Field
	grpcInternal := false // gRPC's own logging (grpc_zap marks it "grpc_log": true)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return
		}
		var s string
		switch key {
		case "level":
			if json.Unmarshal(raw, &s) == nil {
				if lvl, err := zapcore.ParseLevel(s); err == nil {
					ent.Level = lvl
				}
			}
		case "ts":
			if f, err := strconv.ParseFloat(string(raw), 64); err == nil {
				sec := int64(f)
				ent.Time = time.Unix(sec, int64((f-float64(sec))*1e9))
			}
		case "logger":
			_ = json.Unmarshal(raw, &ent.LoggerName)
		case "msg":
			_ = json.Unmarshal(raw, &ent.Message)
		case "stacktrace":
			_ = json.Unmarshal(raw, &ent.Stack)
		case "caller":
			if json.Unmarshal(raw, &s) == nil {
				if i := strings.LastIndexByte(s, ':'); i > 0 {
					if n, err := strconv.Atoi(s[i+1:]); err == nil {
						ent.Caller = zapcore.EntryCaller{Defined: true, File: s[:i], Line: n}
					}
				}
			}
		default:
			if key == "grpc_log" && string(raw) == "true" {
				grpcInternal = true
			}
			fields = append(fields, zap.Reflect(key, raw))
		}
	}
	if !core.Enabled(zapcore.DebugLevel) {
		if debugOnly(ent, grpcInternal) {
			return
		}
		if detailed[ent.Message] {
			fields = slices.DeleteFunc(fields, func(f zap.Field) bool { return f.Key != "sync_id" && f.Key != "sync_type" })
		}
	}
	if ent.Level >= zapcore.ErrorLevel && ent.Level < zapcore.DPanicLevel && demote {
		ent.Level = zapcore.WarnLevel // cancellations are not errors
	}
	if ce := core.Check(ent, nil); ce != nil {
		ce.Write(fields...)
	}
}

// A person reads the log. Below --log-level debug the relay leaves out what
// is said elsewhere or is only for debugging the SDK (with debug, everything
// passes as the SDK logged it):
//   - echoes: an error passed on to a caller that says it. The interceptors
//     log every failed call on both sides of the connector's gRPC ("finished
//     unary call with code …", "ratelimit: error running client request"),
//     then the runner logs the run's error as it returns it up ("runner:
//     error processing on-demand task", "error running connector"); the
//     run's end says it once (finish). A failed task of service mode is
//     said once, by the task manager as it reports the task ("finishTask():
//     finishing task with error"), which stays;
//   - internals below warn: gRPC's channel and transport chatter ([core]
//     lines, a quarter of a default sync's log), the c1z store's engine
//     (Pebble: spill sorters, index builds, digests), the grant expansion's
//     plan and the session store's statistics;
//   - the detail of the SDK's end-of-sync entries (step durations and call
//     statistics on one 2,000-character line): their sync id and type stay,
//     and the run's summary line says what a person needs.
var echoes = map[string]bool{
	"ratelimit: error running client request": true,
	"runner: error processing on-demand task": true,
	"error running connector":                 true,
}

// internals are the SDK's entries about its own machinery, for debugging it.
var internals = map[string]bool{
	"starting session store server":         true,
	"MemorySessionCache Stats":              true,
	"connector session store cleanup stats": true,
	"Finished loading entitlement graph":    true,
}

var detailed = map[string]bool{"Sync complete.": true, "sync data collection complete": true}

func debugOnly(ent zapcore.Entry, grpcInternal bool) bool {
	if echoes[ent.Message] || strings.HasPrefix(ent.Message, "finished unary call with code ") ||
		strings.HasPrefix(ent.Message, "finished stream call with code ") {
		return true
	}
	internal := grpcInternal || internals[ent.Message] || strings.HasPrefix(ent.Caller.File, "pebble/") || strings.HasPrefix(ent.Caller.File, "expand/")
	return internal && ent.Level < zapcore.WarnLevel
}

// relayServiceLogs, in the connector service, passes its log output through
// the same relay: the SDK's logger there writes JSON to standard error, which
// becomes a pipe read here. An error-level entry caused by a cancelled call
// ("context canceled": the runner stopping, or giving up on a call because
// the run failed elsewhere, which the runner reports) is logged at warn.
// The entries go where the operator's configuration says, --log-path
// included (the SDK's connector service ignores it and writes to standard
// error). Anything that is not a log entry passes to standard error.
func relayServiceLogs(v *viper.Viper) error {
	target, _, err := operatorLogger(v) // opened before standard error becomes the pipe
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	stderr := os.Stderr
	v.Set("log-format", logging.LogFormatJSON)
	os.Stderr = w
	go func() {
		br := bufio.NewReader(r)
		for {
			line, err := br.ReadBytes('\n') // no line limit
			if t := bytes.TrimSpace(line); len(t) > 0 {
				if t[0] == '{' {
					relayEntryTo(target.Core(), t, bytes.Contains(t, []byte("context canceled")))
				} else {
					_, _ = stderr.Write(line)
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return nil
}
