//go:build unix

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"os/signal"
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
	relayTarget atomic.Pointer[zap.Logger] // the operator's logger
	stopping    atomic.Bool                // a stop signal arrived
)

func init() {
	_ = zap.RegisterSink(relayScheme, func(*url.URL) (zap.Sink, error) { return relaySink{}, nil })
}

// relayLogs, in the runner, takes the operator's log configuration as the
// SDK would use it, builds that logger, and points the SDK's at the relay.
func relayLogs(v *viper.Viper) error {
	opts := []logging.Option{logging.WithLogFormat(v.GetString("log-format")), logging.WithLogLevel(v.GetString("log-level"))}
	if paths := v.GetStringSlice("log-path"); len(paths) > 0 {
		opts = append(opts, logging.WithOutputPaths(paths))
	}
	zc := zap.NewProductionConfig() // as the SDK's logging.buildConfig
	zc.Sampling = nil
	zc.DisableStacktrace = true
	for _, o := range opts {
		o(&zc)
	}
	target, err := zc.Build()
	if err != nil {
		return err
	}
	relayTarget.Store(target)
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
	// gRPC's channel and transport chatter ([core] lines, a quarter of a
	// default sync's log) is for debugging gRPC: below warn it shows only when
	// the operator asked for debug.
	if grpcInternal && ent.Level < zapcore.WarnLevel && !core.Enabled(zapcore.DebugLevel) {
		return
	}
	if ent.Level >= zapcore.ErrorLevel && ent.Level < zapcore.DPanicLevel && demote {
		ent.Level = zapcore.WarnLevel // cancellations are not errors
	}
	if ce := core.Check(ent, nil); ce != nil {
		ce.Write(fields...)
	}
}

// relayServiceLogs, in the connector service, passes its log output through
// the same relay: the SDK's logger there writes JSON to standard error, which
// becomes a pipe read here. An error-level entry caused by a cancelled call
// ("context canceled": the runner stopping, or giving up on a call because
// the run failed elsewhere, which the runner reports) is logged at warn.
// Anything that is not a log entry passes through unchanged.
func relayServiceLogs(v *viper.Viper) error {
	zc := zap.NewProductionConfig()
	zc.Sampling = nil
	zc.DisableStacktrace = true
	for _, o := range []logging.Option{logging.WithLogFormat(v.GetString("log-format")), logging.WithLogLevel(v.GetString("log-level"))} {
		o(&zc)
	}
	target, err := zc.Build() // to the real standard error
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
