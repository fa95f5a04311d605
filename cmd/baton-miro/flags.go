package main

import (
	sdksync "github.com/conductorone/baton-sdk/pkg/sync"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"
)

// runFlags is what the supervisor needs to know of a run before it starts
// it: the mode, where the output and temporary files go. It is read from the
// configuration as the SDK resolves it (flag, BATON_* variable, config file
// named by BATON_CONFIG_PATH or ./.baton.yaml), after cobra parsed the command
// line with the SDK's own flag definitions.
type runFlags struct {
	service   bool   // client-id set: ConductorOne service mode
	operation bool   // a one-shot operation on an existing c1z (grant, revoke, action, …)
	file      string // -f/--file, the c1z of a one-shot run
	tempDir   string // c1z-temp-dir, "" when unset
}

// operationStrings and operationBools select a one-shot operation instead of
// a sync: the cases of the SDK's switch in MakeMainCommand, by how it reads
// them (v.GetString(…) != "" or v.GetBool(…)); TestOperationsPinned checks
// them against the SDK's source.
var (
	operationStrings = []string{
		"grant-entitlement", "revoke-grant", "create-account-profile", "create-account-login", "invoke-action",
		"delete-resource", "rotate-credentials",
	}
	operationBools = []string{
		"event-feed", "list-action-schemas", "create-ticket", "bulk-create-ticket", "list-ticket-schemas", "get-ticket",
		"diff-syncs", "compact-syncs",
	}
)

// connectorServiceCommand is the SDK's hidden subcommand for the connector
// process its runner starts (pinned by TestSDKNamesPinned).
const connectorServiceCommand = "_connector-service"

// resolve decides from the structure of the command line, as cobra parses it
// with the SDK's flag definitions, whether this invocation runs a connector
// (sync, operation or service mode: supervised) or something else (a
// subcommand, --help, --version, a command line the SDK will reject), and
// reads the run's flags from the resolved configuration. An argument's value
// never decides: "-f config" is a file named config, not the config
// subcommand.
func resolve(root *cobra.Command, v *viper.Viper, args []string) (bool, runFlags) {
	cmd, _, err := root.Find(args)
	if err != nil || cmd != root {
		return false, runFlags{}
	}
	root.InitDefaultHelpFlag()
	root.InitDefaultVersionFlag()
	if err := root.ParseFlags(args); err != nil {
		return false, runFlags{} // the SDK reports the bad flag
	}
	flags := root.Flags()
	for _, name := range []string{"help", "version"} {
		if on, err := flags.GetBool(name); err == nil && on {
			return false, runFlags{}
		}
	}
	if err := v.BindPFlags(flags); err != nil {
		return false, runFlags{}
	}
	return true, modeOf(v)
}

// modeOf reads the run's flags from the resolved configuration.
func modeOf(v *viper.Viper) runFlags {
	f := runFlags{
		service: v.GetString("client-id") != "",
		file:    v.GetString("file"),
		tempDir: v.GetString("c1z-temp-dir"),
	}
	if f.file == "" {
		f.file = "sync.c1z"
	}
	for _, name := range operationStrings {
		f.operation = f.operation || v.GetString(name) != ""
	}
	for _, name := range operationBools {
		f.operation = f.operation || v.GetBool(name)
	}
	return f
}

// isConnectorService reports whether args run the SDK's connector service.
func isConnectorService(root *cobra.Command, args []string) bool {
	cmd, _, err := root.Find(args)
	return err == nil && cmd.Name() == connectorServiceCommand
}

// workersOf is the sync's worker count as the SDK resolves it: its runner
// (a non-zero --workers wins; --parallel-sync means -1, auto), then its
// syncer (sdksync.NormalizeWorkerCount: -1 = min(GOMAXPROCS, 4), else at
// least 1). The connector sizes its calls in flight and its prefetcher by it.
func workersOf(v *viper.Viper) int {
	n := v.GetInt("workers") // a value that is not a number reads as 0, as the SDK reads it
	if n == 0 && v.GetBool("parallel-sync") {
		n = -1
	}
	return sdksync.NormalizeWorkerCount(n)
}
