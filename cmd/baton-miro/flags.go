package main

import (
	"io"
	"strconv"
	"strings"

	sdksync "github.com/conductorone/baton-sdk/pkg/sync"
	"github.com/spf13/pflag"
)

// runFlags is what main needs to know of a command line before the SDK parses
// it: the mode, where the output and temporary files go, where logs go. The
// SDK parses the flags itself; this only peeks at them (flag, then the
// BATON_* environment variable, as the SDK's viper does; a config file is not
// read here).
type runFlags struct {
	service       bool     // --client-id set: ConductorOne service mode
	operation     bool     // a one-shot operation on an existing c1z (grant, revoke, action, …)
	skipGrants    bool     // --skip-entitlements-and-grants
	workers       int      // the sync's worker count: --workers (or --parallel-sync) as the SDK resolves it
	file          string   // -f/--file, the c1z of a one-shot run
	tempDir       string   // --c1z-temp-dir, "" when unset
	tempDirIsFlag bool     // set on the command line (which beats the environment)
	logLevel      string   // --log-level, "" when unset
	logPaths      []string // --log-path, "" = stderr
}

// operationFlags and operationSwitches select a one-shot operation instead of
// a sync (the SDK's hidden flags; --event-feed is a string in v0.25.0).
var (
	operationFlags = []string{
		"grant-entitlement", "revoke-grant", "create-account-login", "create-account-email", "delete-resource",
		"rotate-credentials", "invoke-action", "list-resource-actions", "invoke-resource-action", "event-feed",
		"base-sync-id",
	}
	operationSwitches = []string{
		"list-action-schemas", "compact-syncs", "create-ticket", "bulk-create-ticket", "get-ticket", "list-ticket-schemas",
	}
)

func peekFlags(args []string, getenv func(string) string) runFlags {
	fs := pflag.NewFlagSet("peek", pflag.ContinueOnError)
	fs.ParseErrorsAllowlist.UnknownFlags = true
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	for _, name := range append([]string{"client-id", "c1z-temp-dir", "log-level", "workers"}, operationFlags...) {
		fs.String(name, "", "")
	}
	for _, name := range append([]string{"skip-entitlements-and-grants", "parallel-sync"}, operationSwitches...) {
		fs.Bool(name, false, "")
	}
	fs.StringP("file", "f", "", "")
	logPaths := fs.StringSlice("log-path", nil, "")
	_ = fs.Parse(args) // an error leaves what was parsed; the SDK reports bad flags

	// value is the flag's value if given, else its environment variable's.
	value := func(name string) string {
		if fs.Changed(name) {
			return fs.Lookup(name).Value.String()
		}
		return getenv(envName(name))
	}
	isTrue := func(name string) bool {
		b, err := strconv.ParseBool(value(name))
		return err == nil && b
	}
	f := runFlags{
		service:       value("client-id") != "",
		skipGrants:    isTrue("skip-entitlements-and-grants"),
		workers:       workerCount(value("workers"), isTrue("parallel-sync")),
		file:          value("file"),
		tempDir:       value("c1z-temp-dir"),
		tempDirIsFlag: fs.Changed("c1z-temp-dir"),
		logLevel:      value("log-level"),
	}
	if f.file == "" {
		f.file = "sync.c1z"
	}
	if fs.Changed("log-path") {
		f.logPaths = *logPaths
	} else if env := getenv("BATON_LOG_PATH"); env != "" {
		f.logPaths = strings.Fields(env)
	}
	for _, name := range operationFlags {
		if v := value(name); v != "" && v != "false" { // "--event-feed=true", an entitlement id, …
			f.operation = true
		}
	}
	for _, name := range operationSwitches {
		f.operation = f.operation || isTrue(name)
	}
	return f
}

// workerCount resolves --workers and --parallel-sync as the SDK's runner does
// (a non-zero --workers wins; --parallel-sync means -1, auto) and then as its
// syncer does (sdksync.NormalizeWorkerCount: -1 = min(GOMAXPROCS, 4), else at
// least 1). A value that is not a number counts as 0, as viper reads it.
func workerCount(workers string, parallel bool) int {
	n, err := strconv.Atoi(strings.TrimSpace(workers))
	if err != nil {
		n = 0
	}
	if n == 0 && parallel {
		n = -1
	}
	return sdksync.NormalizeWorkerCount(n)
}

// envName is the environment variable the SDK reads for a flag.
func envName(flag string) string {
	return "BATON_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}
