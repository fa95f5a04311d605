package main

import (
	"io"
	"strconv"

	"github.com/spf13/pflag"
)

// skipsGrants reports whether this run was told to sync no entitlements and
// grants (the SDK's --skip-entitlements-and-grants or its environment variable).
// The connector then fetches no team pages ahead: the SDK would never ask for
// them. The SDK parses the flag itself; this only peeks at it.
func skipsGrants(args []string, getenv func(string) string) bool {
	fs := pflag.NewFlagSet("peek", pflag.ContinueOnError)
	fs.ParseErrorsAllowlist.UnknownFlags = true
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	skip := fs.Bool("skip-entitlements-and-grants", false, "")
	if err := fs.Parse(args); err == nil && fs.Changed("skip-entitlements-and-grants") {
		return *skip
	}
	v, err := strconv.ParseBool(getenv("BATON_SKIP_ENTITLEMENTS_AND_GRANTS"))
	return err == nil && v
}
