//go:build !generate

// Command baton-miro syncs a Miro Enterprise organization into a c1z file, or runs
// against ConductorOne in service mode.
package main

import (
	"context"
	"os"
	"runtime/debug"

	cfg "github.com/conductorone/baton-miro/pkg/config"
	"github.com/conductorone/baton-miro/pkg/connector"
	"github.com/conductorone/baton-sdk/pkg/config"
	"github.com/conductorone/baton-sdk/pkg/connectorrunner"
)

// Set by the release build (-ldflags "-X main.version=... -X main.commit=...").
var (
	version = "dev"
	commit  = "none"
)

func main() {
	if supervised(os.Args[1:], os.Getenv) {
		os.Exit(supervise())
	}
	runSDK()
}

// runSDK runs baton-sdk: the runner (under the supervisor), the connector
// process it starts, or a subcommand. The runner stops on SIGINT, which the
// supervisor sends for SIGINT, SIGTERM and SIGHUP alike.
func runSDK() {
	if limit, ok := memoryLimit(os.Getenv, os.ReadFile); ok {
		debug.SetMemoryLimit(limit)
	}
	flags := peekFlags(os.Args[1:], os.Getenv)
	extra := []connector.Option{connector.WithWorkers(flags.workers)}
	if flags.skipGrants {
		extra = append(extra, connector.WithoutPrefetch())
	}
	config.RunConnector(context.Background(), "baton-miro", version+" ("+commit+")", cfg.Config, connector.New(extra...),
		connectorrunner.WithSessionStoreEnabled(),
		connectorrunner.WithDefaultCapabilitiesConnectorBuilderV2(&connector.Connector{}),
	)
}
