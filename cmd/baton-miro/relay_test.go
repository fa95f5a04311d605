//go:build unix

package main

import (
	"slices"
	"testing"

	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestRelayEntry: entries pass on with their level, message and fields; an
// error is a warning once a stop began; below debug the SDK's echoes of an
// error and its internals are left out (their warnings always show) and its
// end-of-sync entries keep only the sync's id and type.
func TestRelayEntry(t *testing.T) {
	const (
		sdkInfo     = `{"level":"info","ts":1.5,"msg":"Synced resources","n":3}`
		sdkError    = `{"level":"error","ts":1.5,"msg":"ratelimit: report failed","error":"context canceled"}`
		grpcInfo    = `{"level":"info","ts":1.5,"msg":"[core] Channel switches to new LB policy","system":"grpc","grpc_log":true}`
		grpcWarn    = `{"level":"warn","ts":1.5,"msg":"[core] addrConn.createTransport failed","system":"grpc","grpc_log":true}`
		echo        = `{"level":"error","ts":1.5,"msg":"error running connector","error":"rpc error: code = Unauthenticated desc = x"}`
		serverEcho  = `{"level":"info","ts":1.5,"msg":"finished unary call with code Unauthenticated","error":"x"}`
		taskFailed  = `{"level":"error","ts":1.5,"msg":"c1_api_task_manager.finishTask(): finishing task with error","error":"x"}`
		pebbleInfo  = `{"level":"info","ts":1.5,"caller":"pebble/bulk_import.go:1207","msg":"spill sorter: merge complete"}`
		pebbleWarn  = `{"level":"warn","ts":1.5,"caller":"pebble/bulk_import.go:1207","msg":"disk is slow"}`
		sessionInfo = `{"level":"info","ts":1.5,"caller":"session/memory_cache.go:62","msg":"MemorySessionCache Stats","hits":3}`
		complete    = `{"level":"info","ts":1.5,"msg":"Sync complete.","sync_id":"s1","sync_type":"full","sync_step_durations_ms":{"list-grants":253}}`
		notJSONed   = `not a log entry`
	)
	info, warn, errorLevel := []zapcore.Level{zapcore.InfoLevel}, []zapcore.Level{zapcore.WarnLevel}, []zapcore.Level{zapcore.ErrorLevel}
	for _, tc := range []struct {
		name   string
		level  zapcore.Level
		line   string
		demote bool
		want   []zapcore.Level // levels written; nil = dropped
		fields []string        // the fields the entry keeps, when written
	}{
		{"info passes", zapcore.InfoLevel, sdkInfo, false, info, []string{"n"}},
		{"error passes", zapcore.InfoLevel, sdkError, false, errorLevel, []string{"error"}},
		{"error in a stop is a warning", zapcore.InfoLevel, sdkError, true, warn, nil},
		{"gRPC info dropped at info", zapcore.InfoLevel, grpcInfo, false, nil, nil},
		{"gRPC info kept at debug", zapcore.DebugLevel, grpcInfo, false, info, nil},
		{"gRPC warning kept", zapcore.InfoLevel, grpcWarn, false, warn, nil},
		{"an echo of the run's error dropped at info", zapcore.InfoLevel, echo, false, nil, nil},
		{"an echo kept at debug", zapcore.DebugLevel, echo, false, errorLevel, []string{"error"}},
		{"a server's echo dropped at info", zapcore.InfoLevel, serverEcho, false, nil, nil},
		{"a failed task of service mode kept", zapcore.InfoLevel, taskFailed, false, errorLevel, []string{"error"}},
		{"Pebble's info dropped at info", zapcore.InfoLevel, pebbleInfo, false, nil, nil},
		{"Pebble's warning kept", zapcore.InfoLevel, pebbleWarn, false, warn, nil},
		{"session statistics dropped at info", zapcore.InfoLevel, sessionInfo, false, nil, nil},
		{"Sync complete. without its detail at info", zapcore.InfoLevel, complete, false, info, []string{"sync_id", "sync_type"}},
		{"Sync complete. whole at debug", zapcore.DebugLevel, complete, false, info, []string{"sync_id", "sync_type", "sync_step_durations_ms"}},
		{"not an entry", zapcore.DebugLevel, notJSONed, false, nil, nil},
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
			if len(got) == 1 && tc.fields != nil {
				var keys []string
				for _, f := range logs.All()[0].Context {
					keys = append(keys, f.Key)
				}
				if !slices.Equal(keys, tc.fields) {
					t.Errorf("fields %v, want %v", keys, tc.fields)
				}
			}
		})
	}
}
