//go:build !unix

package main

import (
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/types"
	"github.com/spf13/viper"
)

// Unsupervised, the SDK logs where the operator's configuration says, and a
// run ends as the SDK ends it: the error, if any, printed to standard error.
var stopping atomic.Bool

func relayLogs(*viper.Viper) error { return nil }

func relayServiceLogs(*viper.Viper) error { return nil }

func finish(_ *viper.Viper, _ time.Time, err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err.Error())
	}
}

func reportUsage(s types.ConnectorServer, _ connectorbuilder.ConnectorBuilderV2) types.ConnectorServer {
	return s
}
