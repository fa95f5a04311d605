//go:build !generate

// Command baton-miro syncs a Miro Enterprise organization into a c1z file, or runs
// against ConductorOne in service mode.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"github.com/conductorone/baton-sdk/pkg/cli"
	"github.com/conductorone/baton-sdk/pkg/config"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/connectorrunner"
	"github.com/conductorone/baton-sdk/pkg/types"
	"github.com/spf13/cast"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	cfg "github.com/conductorone/baton-miro/pkg/config"
	"github.com/conductorone/baton-miro/pkg/connector"
)

// Set by the release build (-ldflags "-X main.version=... -X main.commit=...").
var (
	version = "dev"
	commit  = "none"
)

func main() {
	os.Exit(dispatch(os.Args[1:]))
}

// command builds baton-sdk's command line as config.RunConnector does (see
// TestRunConnectorPinned), keeping the error of a run for main instead of
// exiting with it: the exit status and the outcome record are decided here.
func command() (*cobra.Command, *viper.Viper, error) {
	var v *viper.Viper
	newConnector := func(ctx context.Context, c *cfg.Miro, o *cli.ConnectorOpts) (connectorbuilder.ConnectorBuilderV2, []connectorbuilder.Opt, error) {
		extra := []connector.Option{connector.WithWorkers(workersOf(v))}
		if v.GetBool("skip-entitlements-and-grants") { // resolved: flag, BATON_* variable or config file
			extra = append(extra, connector.WithoutPrefetch())
		}
		if dir := os.Getenv(privateEnv); dir != "" && v.GetString("invoke-action") != "" {
			extra = append(extra, connector.WithActionFailures(func(err error) { recordActionFailure(dir, err) }))
		}
		return connector.New(extra...)(ctx, c, o)
	}
	//nolint:staticcheck // RunConnector is this plus an os.Exit that would lose the run's error
	v, root, err := config.DefineConfigurationV2(context.Background(), "baton-miro", getConnector(newConnector), cfg.Config,
		connectorrunner.WithSessionStoreEnabled(),
		connectorrunner.WithDefaultCapabilitiesConnectorBuilderV2(&connector.Connector{}),
	)
	if err != nil {
		return nil, nil, err
	}
	root.Version = version + " (" + commit + ")"
	beforeSDK(root, v, func() error {
		if err := checkStartAt(v); err != nil {
			return err
		}
		if os.Getenv(childEnv) != "" && os.Getenv(serviceEnv) == "" { // the supervised runner
			return relayLogs(v)
		}
		return nil
	})
	for _, sub := range root.Commands() {
		if sub.Name() == connectorServiceCommand {
			beforeSDK(sub, v, func() error {
				if os.Getenv(serviceEnv) != "" { // the connector service of a supervised runner
					return relayServiceLogs(v)
				}
				return nil
			})
		}
	}
	return root, v, nil
}

// beforeSDK makes cmd run before, with its flags bound to v, ahead of the
// SDK's own PreRunE.
func beforeSDK(cmd *cobra.Command, v *viper.Viper, before func() error) {
	sdkPreRun := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		if err := v.BindPFlags(c.Flags()); err != nil {
			return err
		}
		if err := before(); err != nil {
			return err
		}
		if sdkPreRun != nil {
			return sdkPreRun(c, args)
		}
		return nil
	}
}

// checkStartAt refuses an --event-feed-start-at the SDK cannot read: it
// would read it as no start at all (all 90 days) and exit 0.
func checkStartAt(v *viper.Viper) error {
	const key = "event-feed-start-at"
	if v.GetString(key) == "" {
		return nil
	}
	if _, err := cast.ToTimeE(v.Get(key)); err != nil { // how the SDK's v.GetTime reads it
		return status.Errorf(codes.InvalidArgument,
			"--%s %q is not a time: give one like 2026-11-30T09:00:00Z (RFC 3339) or 2026-11-30", key, v.GetString(key))
	}
	return nil
}

// getConnector is baton-sdk v0.25.0's runConnectorFunc (unexported there).
func getConnector(cf cli.NewConnector[*cfg.Miro]) cli.GetConnectorFunc2[*cfg.Miro] {
	return func(ctx context.Context, c *cfg.Miro, rt cli.RunTimeOpts) (types.ConnectorServer, error) {
		b, opts, err := cf(ctx, c, &cli.ConnectorOpts{
			TokenSource:         rt.TokenSource,
			SelectedAuthMethod:  rt.SelectedAuthMethod,
			SyncResourceTypeIDs: rt.SyncResourceTypeIDs,
			EgressPolicy:        rt.EgressPolicy,
		})
		if err != nil {
			return nil, err
		}
		opts = append(opts, connectorbuilder.WithSessionStore(rt.SessionStore))
		s, err := connectorbuilder.NewConnector(ctx, b, opts...)
		if err != nil {
			return nil, err // the run's error: said once, at its end
		}
		return reportUsage(s, b), nil
	}
}

// runSDK runs baton-sdk: the runner (under the supervisor, which then reads
// the outcome record this writes), the connector service it starts, or a
// subcommand. The runner stops on SIGINT, which the supervisor sends for
// SIGINT, SIGTERM and SIGHUP alike.
func runSDK() int {
	if limit, ok := memoryLimit(os.Getenv, os.ReadFile); ok {
		debug.SetMemoryLimit(limit)
	}
	started := time.Now()
	record := os.Getenv(outcomeEnv)
	_ = os.Unsetenv(outcomeEnv) // the runner's record only: not the connector service's
	root, v, err := command()
	if err == nil {
		err = root.Execute()
	}
	code := exitCode(err)
	if !stopping.Load() { // a stop's cancellation is no news: the supervisor says it stopped
		finish(v, started, err)
	}
	if record != "" {
		if werr := writeOutcome(record, code, err); werr != nil {
			fmt.Fprintln(os.Stderr, "baton-miro: cannot record the run's outcome:", werr)
		}
	}
	return code
}
