// Command c1z-summary prints what a baton-miro c1z holds: resources per type and
// grants per entitlement (team grants are summed per team role).
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/conductorone/baton-miro/internal/synctest"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: c1z-summary FILE.c1z")
		os.Exit(2)
	}
	c, err := synctest.Read(context.Background(), os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "c1z-summary:", err)
		os.Exit(1)
	}
	fmt.Printf("%s\n\nResources per type:\n", os.Args[1])
	for _, typ := range synctest.SortedKeys(c.Resources) {
		fmt.Printf("  %-12s %7d\n", typ, len(c.Resources[typ]))
	}
	perEntitlement := map[string]int{}
	for _, g := range c.Grants {
		id := g.GetEntitlement().GetId()
		if strings.HasPrefix(id, "team:") {
			id = "team:*:" + id[strings.LastIndex(id, ":")+1:]
		}
		perEntitlement[id]++
	}
	fmt.Printf("\nEntitlements: %d\nGrants: %d, per entitlement:\n", len(c.Entitlements), len(c.Grants))
	for _, id := range synctest.SortedKeys(perEntitlement) {
		fmt.Printf("  %-50s %7d\n", id, perEntitlement[id])
	}
}
