//go:build !generate

// Command baton-miro syncs a Miro Enterprise organization into a c1z file, or runs
// against ConductorOne in service mode.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

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
	if limit, ok := memoryLimit(os.Getenv, os.ReadFile); ok {
		debug.SetMemoryLimit(limit)
	}
	// The SDK's runner only traps SIGINT; Kubernetes stops pods with SIGTERM.
	// Cancelling the context on either lets the sync checkpoint and exit cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var extra []connector.Option
	if skipsGrants(os.Args[1:], os.Getenv) {
		extra = append(extra, connector.WithoutPrefetch())
	}
	config.RunConnector(ctx, "baton-miro", version+" ("+commit+")", cfg.Config, connector.NewWith(extra...),
		connectorrunner.WithSessionStoreEnabled(),
		connectorrunner.WithDefaultCapabilitiesConnectorBuilderV2(&connector.Connector{}),
	)
}
