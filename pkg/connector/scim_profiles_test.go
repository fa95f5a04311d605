package connector_test

import (
	"path/filepath"
	"testing"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/pkg/miro"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
)

// TestSyncEnrichesFromSCIM: with a SCIM token, users SCIM knows get their real
// name and HR attributes from one pass over SCIM pages of 1,000; guests and
// external users keep their email. The REST budget is unchanged.
func TestSyncEnrichesFromSCIM(t *testing.T) {
	ctx, cancel := syncContext(t)
	defer cancel()
	sim, org := startSim(t, mirosim.GenOptions{Seed: 31, Users: 2500, Teams: 40}, mirosim.Options{Credits: -1, SCIMToken: "scim-secret"})
	got, err := simtest.SyncAndRead(ctx, sim, simToken, filepath.Join(t.TempDir(), "sync.c1z"), 4,
		func(o *miro.Options) { o.SCIMToken = "scim-secret" })
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	if diff := simtest.Expect(org).Diff(got); diff != "" {
		t.Fatalf("c1z differs from the org:\n%s", diff)
	}
	visible, enriched := 0, 0
	for _, m := range org.Members {
		r := got.Resources["user"][m.ID]
		ut, err := rs.GetUserTrait(r)
		if err != nil {
			t.Fatal(err)
		}
		p := r.GetProfile().AsMap()
		guest := m.Role == "organization_external_user" || m.Role == "organization_team_guest_user"
		if guest {
			if r.GetDisplayName() != m.Email || p["department"] != nil {
				t.Errorf("guest %s: name %q, department %v; want the email and no SCIM data", m.ID, r.GetDisplayName(), p["department"])
			}
			continue
		}
		visible++
		if m.DisplayName != "" && r.GetDisplayName() == m.DisplayName {
			enriched++
		}
		if m.Department != "" && p["department"] != m.Department {
			t.Errorf("user %s: department %v, want %q", m.ID, p["department"], m.Department)
		}
		if m.EmployeeNumber != "" && (len(ut.GetEmployeeIds()) != 1 || ut.GetEmployeeIds()[0] != m.EmployeeNumber) {
			t.Errorf("user %s: employee ids %v, want %q", m.ID, ut.GetEmployeeIds(), m.EmployeeNumber)
		}
		if m.GivenName != "" && ut.GetStructuredName().GetGivenName() != m.GivenName {
			t.Errorf("user %s: given name %q, want %q", m.ID, ut.GetStructuredName().GetGivenName(), m.GivenName)
		}
		if m.ManagerID != "" && p["manager_id"] != m.ManagerID {
			t.Errorf("user %s: manager %v, want %q", m.ID, p["manager_id"], m.ManagerID)
		}
	}
	if enriched == 0 || enriched < visible*9/10 {
		t.Errorf("only %d of %d SCIM-visible users got their SCIM display name", enriched, visible)
	}
	// One pass of SCIM pages of 1,000, plus Validate's one-user check.
	if want := (visible+999)/1000 + 1; sim.Count("scim_list_users") != want {
		t.Errorf("scim_list_users = %d, want %d", sim.Count("scim_list_users"), want)
	}
	if n := sim.Count("scim_get_user"); n != 0 {
		t.Errorf("%d per-user SCIM calls", n)
	}
	for route, n := range simtest.MinCalls(org) {
		if sim.Count(route) != n {
			t.Errorf("route %s: %d calls, budget %d", route, sim.Count(route), n)
		}
	}
}
