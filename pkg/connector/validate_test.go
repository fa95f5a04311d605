package connector_test

import (
	"context"
	"strings"
	"testing"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestValidate: Validate makes at most two cheap calls and turns each way a
// token can be wrong into a code and a message the user can act on.
func TestValidate(t *testing.T) {
	cases := []struct {
		name     string
		opts     mirosim.Options
		token    string
		wantCode codes.Code
		wantMsg  []string
	}{
		{"valid", mirosim.Options{}, simToken, codes.OK, nil},
		{"wrong token", mirosim.Options{}, "not-the-token", codes.Unauthenticated, []string{"--miro-access-token", "BATON_MIRO_ACCESS_TOKEN"}},
		{"not a company admin", mirosim.Options{NotAdmin: true}, simToken, codes.PermissionDenied,
			[]string{"Company Admin", "Enterprise", "organizations:read", "organizations:teams:read"}},
		{"not enterprise", mirosim.Options{NotEnterprise: true}, simToken, codes.PermissionDenied, []string{"Enterprise"}},
		{"missing scope", mirosim.Options{Scopes: []string{"organizations:teams:read"}}, simToken, codes.PermissionDenied,
			[]string{"organizations:read"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, _ := startSim(t, mirosim.GenOptions{Seed: 1, Users: 20, Teams: 2}, tc.opts)
			conn, _, err := simtest.NewConnector(sim, tc.token)
			if err != nil {
				t.Fatal(err)
			}
			_, err = conn.Validate(context.Background())
			if got := status.Code(err); got != tc.wantCode {
				t.Fatalf("code = %v, want %v (err: %v)", got, tc.wantCode, err)
			}
			for _, m := range tc.wantMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("message does not mention %q: %v", m, err)
				}
			}
			if err != nil && strings.Contains(err.Error(), tc.token) {
				t.Errorf("message contains the token: %v", err)
			}
			if n := sim.TotalCount(); n > 2 {
				t.Errorf("Validate made %d calls, want at most 2: %v", n, sim.Counts())
			}
		})
	}
}
