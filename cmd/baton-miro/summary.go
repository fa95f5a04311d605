//go:build unix

package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	reader_v2 "github.com/conductorone/baton-sdk/pb/c1/reader/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
	"github.com/conductorone/baton-sdk/pkg/types"
	"github.com/spf13/viper"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/conductorone/baton-miro/pkg/miro"
)

// A supervised run ends with one line, the last of the operator's log, that
// says how it went: for a one-shot sync what the c1z holds (resources and
// grants per type), what the run asked of Miro (API calls, credits, 429s)
// and how long it took; for a failure the error, said once (the relay keeps
// the SDK's echoes of it at debug, see relayRules). When the log does not
// reach standard error, the line is written there too, plain, so that a
// terminal sees it; a failure is printed there too when the log's level
// leaves it out.

// usageEnv names the file, in the private directory of a one-shot sync,
// where the connector service records its Miro usage (miro.Usage as JSON) at
// the end of the sync.
const usageEnv = "BATON_MIRO_USAGE"

// reportUsage wraps the connector's server so that each Cleanup (the SDK's
// last call of a sync) records the connector's Miro usage for the runner's
// summary. The runner builds a server too, but the SDK sends every call to
// the connector service's, so only that one records. Outside a one-shot sync
// it returns s as it is.
func reportUsage(s types.ConnectorServer, b connectorbuilder.ConnectorBuilderV2) types.ConnectorServer {
	path := os.Getenv(usageEnv)
	u, ok := b.(interface{ Usage() miro.Usage })
	if path == "" || !ok {
		return s
	}
	return usageReporter{s, func() { _ = writeJSONFile(path, u.Usage()) }}
}

type usageReporter struct {
	types.ConnectorServer
	record func()
}

func (r usageReporter) Cleanup(ctx context.Context, req *v2.ConnectorServiceCleanupRequest) (*v2.ConnectorServiceCleanupResponse, error) {
	resp, err := r.ConnectorServer.Cleanup(ctx, req)
	r.record()
	return resp, err
}

// finish, in the runner, says how the run went once it ended with err.
// Unsupervised, or when the run failed before its logs were
// relayed, the error is printed to standard error as the SDK would.
func finish(v *viper.Viper, started time.Time, err error) {
	target := relayTarget.Load()
	if target == nil || v == nil {
		if err != nil {
			fmt.Fprintln(os.Stderr, err.Error()) // as the SDK's exit.LogExit
		}
		return
	}
	defer func() { _ = target.Sync() }()
	mode := modeOf(v)
	oneShotSync := !mode.service && !mode.operation
	if err != nil {
		what, why := "the run", plainError(err.Error())
		if oneShotSync {
			what = "the sync"
		}
		// A failed action: the SDK's error holds the action's response as
		// text; the connector recorded the error itself (and its exit code,
		// which the supervisor uses).
		if action, ok := readOutcome(filepath.Join(os.Getenv(privateEnv), actionRecord)); ok && action.Error != "" && mode.operation {
			what, why = "the action", plainError(action.Error)
		}
		say(target, zapcore.ErrorLevel, fmt.Sprintf("%s failed: %s", what, why))
		return
	}
	if !oneShotSync {
		return
	}
	ctx := context.Background()
	stats, statsErr := finishedSyncStats(ctx, mode.file, started)
	usage, usageErr := readUsage(os.Getenv(usageEnv))
	msg := summaryLine(mode.file, time.Since(started), stats, statsErr, usage, usageErr)
	var fields []zap.Field
	if relayJSON.Load() { // numbers a log pipeline can read without parsing the sentence
		fields = append(fields, zap.Int64("resources", stats.GetResources()), zap.Int64("grants", stats.GetGrants()),
			zap.Int64("api_calls", usage.Calls), zap.Int64("credits", usage.Credits), zap.Int64("throttled", usage.Throttled),
			zap.Int64("duration_ms", time.Since(started).Milliseconds()))
	}
	say(target, zapcore.InfoLevel, msg, fields...)
}

// say logs the run's last line, and prints it plain on standard error when
// the log does not reach it, or when the line is a failure the log's level
// leaves out (--log-level fatal): a failed run always says why.
func say(target *zap.Logger, level zapcore.Level, msg string, fields ...zap.Field) {
	logged := false
	if ce := target.Check(level, msg); ce != nil {
		ce.Write(fields...)
		logged = true
	}
	if !relayReachesStderr.Load() || !logged && level >= zapcore.ErrorLevel {
		fmt.Fprintln(os.Stderr, "baton-miro: "+msg)
	}
}

// finishedSyncStats reads the counts of the sync this run finished in file.
func finishedSyncStats(ctx context.Context, file string, started time.Time) (*reader_v2.SyncStats, error) {
	tmp := cmp.Or(os.Getenv(privateEnv), os.TempDir())
	store, err := dotc1z.NewStore(ctx, file, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(tmp))
	if err != nil {
		return nil, err
	}
	defer func() { _ = store.Close(ctx) }()
	run, err := store.SyncMeta().LatestFinishedSyncOfAnyType(ctx)
	if err != nil {
		return nil, err
	}
	if run == nil || run.EndedAt == nil || run.EndedAt.Before(started.Add(-time.Second)) {
		return nil, errors.New("it holds no sync finished by this run")
	}
	return store.SyncMeta().StatsV2(ctx, run.Type, run.ID)
}

func readUsage(path string) (miro.Usage, error) {
	var u miro.Usage
	if path == "" {
		return u, errors.New("not recorded")
	}
	data, err := os.ReadFile(path) // #nosec G304 G703 -- in the supervisor's private directory
	if err != nil {
		return u, errors.New("not recorded")
	}
	err = json.Unmarshal(data, &u)
	return u, err
}

// summaryLine is the sentence a one-shot sync ends with, e.g. "synced
// sync.c1z in 2.1s: 1,000 users, 50 teams; 5,634 grants (2,345 on teams,
// …); Miro: 156 API calls, 7,800 credits, 0 throttled (429)".
func summaryLine(file string, took time.Duration, st *reader_v2.SyncStats, statsErr error, u miro.Usage, usageErr error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "synced %s in %s", file, roundDuration(took))
	if statsErr != nil {
		fmt.Fprintf(&b, " (its contents could not be read back: %v)", statsErr)
	} else {
		b.WriteString(": ")
		b.WriteString(perType(st.GetResourcesByResourceType(), func(typ string, n int64) string { return count(n, typeName(typ)) }))
		fmt.Fprintf(&b, "; %s", count(st.GetGrants(), "grant"))
		if g := st.GetGrantsByResourceType(); len(g) > 0 {
			fmt.Fprintf(&b, " (%s)", perType(g, func(typ string, n int64) string { return group(n) + " on " + typeName(typ) + "s" }))
		}
	}
	if usageErr != nil {
		fmt.Fprintf(&b, "; Miro usage %v", usageErr)
	} else {
		fmt.Fprintf(&b, "; Miro: %s, %s credits, %s throttled (429)", count(u.Calls, "API call"), group(u.Credits), group(u.Throttled))
	}
	return b.String()
}

// perType lists counts per resource type, largest first.
func perType(counts map[string]int64, say func(typ string, n int64) string) string {
	ids := make([]string, 0, len(counts))
	for typ := range counts {
		ids = append(ids, typ)
	}
	slices.SortFunc(ids, func(a, b string) int { return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b)) })
	parts := make([]string, len(ids))
	for i, typ := range ids {
		parts[i] = say(typ, counts[typ])
	}
	return strings.Join(parts, ", ")
}

// typeName is a resource type id as words: "user_group" → "user group".
func typeName(id string) string { return strings.ReplaceAll(id, "_", " ") }

// count says n things: "1 team", "1,000 teams".
func count(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return group(n) + " " + noun + "s"
}

// group writes n with thousands separators: 1234567 → "1,234,567".
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

func roundDuration(d time.Duration) time.Duration {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// plainError is an error's text without the SDK's wrappers: the message of
// the innermost gRPC status ("runner: error processing task: rpc error: code
// = Unauthenticated desc = validate failed: rpc error: code = Unauthenticated
// desc = checking the Miro access token: …" → "checking the Miro access
// token: …"), which is the connector's own.
func plainError(s string) string {
	if i := strings.LastIndex(s, " desc = "); i >= 0 && strings.Contains(s[:i], "rpc error: code = ") {
		s = s[i+len(" desc = "):]
	}
	return strings.TrimPrefix(s, "runner: error processing task: ")
}
