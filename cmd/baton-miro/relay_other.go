//go:build !unix

package main

import (
	"sync/atomic"

	"github.com/spf13/viper"
)

// Unsupervised, the SDK logs where the operator's configuration says.
var stopping atomic.Bool

func relayLogs(*viper.Viper) error { return nil }

func relayServiceLogs(*viper.Viper) error { return nil }
