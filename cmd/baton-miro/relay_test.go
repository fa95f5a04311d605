//go:build unix

package main

import (
	"testing"

	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestRelayEntry: entries pass on with their level, message and fields; an
// error is a warning once a stop began; gRPC's own info chatter shows only at
// debug, its warnings always.
func TestRelayEntry(t *testing.T) {
	const (
		sdkInfo   = `{"level":"info","ts":1.5,"msg":"Sync complete.","n":3}`
		sdkError  = `{"level":"error","ts":1.5,"msg":"ratelimit: report failed","error":"context canceled"}`
		grpcInfo  = `{"level":"info","ts":1.5,"msg":"[core] Channel switches to new LB policy","system":"grpc","grpc_log":true}`
		grpcWarn  = `{"level":"warn","ts":1.5,"msg":"[core] addrConn.createTransport failed","system":"grpc","grpc_log":true}`
		notJSONed = `not a log entry`
	)
	for _, tc := range []struct {
		name   string
		level  zapcore.Level
		line   string
		demote bool
		want   []zapcore.Level // levels written; nil = dropped
	}{
		{"info passes", zapcore.InfoLevel, sdkInfo, false, []zapcore.Level{zapcore.InfoLevel}},
		{"error passes", zapcore.InfoLevel, sdkError, false, []zapcore.Level{zapcore.ErrorLevel}},
		{"error in a stop is a warning", zapcore.InfoLevel, sdkError, true, []zapcore.Level{zapcore.WarnLevel}},
		{"gRPC info dropped at info", zapcore.InfoLevel, grpcInfo, false, nil},
		{"gRPC info kept at debug", zapcore.DebugLevel, grpcInfo, false, []zapcore.Level{zapcore.InfoLevel}},
		{"gRPC warning kept", zapcore.InfoLevel, grpcWarn, false, []zapcore.Level{zapcore.WarnLevel}},
		{"not an entry", zapcore.DebugLevel, notJSONed, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			core, logs := observer.New(tc.level)
			relayEntryTo(core, []byte(tc.line), tc.demote)
			var got []zapcore.Level
			for _, e := range logs.All() {
				got = append(got, e.Level)
			}
			if len(got) != len(tc.want) || (len(got) == 1 && got[0] != tc.want[0]) {
				t.Fatalf("levels written %v, want %v", got, tc.want)
			}
			if len(got) == 1 && tc.line == sdkInfo {
				if e := logs.All()[0]; e.Message != "Sync complete." || e.ContextMap()["n"] == nil {
					t.Errorf("entry %q %v lost its message or fields", e.Message, e.ContextMap())
				}
			}
		})
	}
}
