package connector_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/pkg/miro"
)

// TestResetSessions: the action signs any member with an email out (guests
// and external users too, since it is REST), changes the simulator's state
// once per call, and is success twice; a stranger is NotFound.
func TestResetSessions(t *testing.T) {
	e := newProvEnv(t, false) // no SCIM token needed
	for _, who := range []string{alice, ext, guest, carol} {
		for i := 1; i <= 2; i++ {
			resp, err := e.invoke("reset_sessions", who)
			if err := actionError(resp, err); err != nil {
				t.Fatalf("reset_sessions %s (#%d): %v", who, i, err)
			}
			if !resp.GetResponse().GetFields()["success"].GetBoolValue() {
				t.Errorf("reset_sessions %s: response %v", who, resp.GetResponse())
			}
			if n := e.sim.SessionResets(who); n != i {
				t.Errorf("after %d resets of %s the simulator counts %d", i, who, n)
			}
		}
	}
	e.refused(t, codes.NotFound, func() error { return actionError(e.invoke("reset_sessions", stranger)) }, "not a member")
}

// TestResetSessionsErrors: a token without sessions:delete names the scope;
// Miro's 404 for an email it does not know says so.
func TestResetSessionsErrors(t *testing.T) {
	scopes := []string{"organizations:read", "organizations:teams:read", "organizations:teams:write"}
	e := newProvEnvWith(t, false, mirosim.Options{Scopes: scopes}, nil)
	e.refused(t, codes.PermissionDenied, func() error { return actionError(e.invoke("reset_sessions", alice)) },
		"sessions:delete", "docs/setup.md")
	if n := e.sim.SessionResets(alice); n != 0 {
		t.Errorf("refused reset counted %d", n)
	}

	// A proxy that answers the reset as Miro does for an email no member has.
	e = newProvEnvWith(t, false, mirosim.Options{}, func(o *miro.Options) {
		target, err := url.Parse(o.APIURL)
		if err != nil {
			t.Fatal(err)
		}
		proxy := httputil.NewSingleHostReverseProxy(target)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/sessions/reset_all" {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(`{"status":404,"code":"notFound","message":"User not found","type":"error"}`))
				return
			}
			proxy.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		o.APIURL = srv.URL
	})
	e.refused(t, codes.NotFound, func() error { return actionError(e.invoke("reset_sessions", alice)) },
		"no organization member with the email", "alice@example.com")
}

// TestResetSessionsSchema: the action is registered on the user type.
func TestResetSessionsSchema(t *testing.T) {
	e := newProvEnv(t, false)
	schemas, err := e.srv.ListActionSchemas(e.ctx, v2.ListActionSchemasRequest_builder{ResourceTypeId: "user"}.Build())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range schemas.GetSchemas() {
		names = append(names, s.GetName())
		if s.GetName() == "reset_sessions" && s.GetDisplayName() != "Sign out of all sessions" {
			t.Errorf("reset_sessions display name %q", s.GetDisplayName())
		}
	}
	if !slices.Contains(names, "reset_sessions") {
		t.Errorf("user actions %v lack reset_sessions", names)
	}
}

// invokeArgs runs a user action with arguments beside user_id.
func (e *provEnv) invokeArgs(action, userID string, extra map[string]any) (*v2.InvokeActionResponse, error) {
	m := map[string]any{"user_id": map[string]any{"resource_type_id": "user", "resource_id": userID}}
	for k, v := range extra {
		m[k] = v
	}
	args, err := structpb.NewStruct(m)
	if err != nil {
		return nil, err
	}
	return e.srv.InvokeAction(e.ctx, v2.InvokeActionRequest_builder{
		Name: action, ResourceTypeId: "user", Args: args, InlineWait: durationpb.New(time.Minute)}.Build())
}

// TestUpdateProfile: the SCIM PATCH sets every profile attribute in the
// simulator; the same update again is success without a write; one
// attribute changes only that one; guests, external users and strangers
// are refused, and so is an update naming nothing.
func TestUpdateProfile(t *testing.T) {
	e := newProvEnv(t, true)
	full := map[string]any{"given_name": "Alice", "family_name": "Liddell", "display_name": "Alice L.",
		"department": "Wonderland", "employee_number": "E-1865", "cost_center": "CC-7",
		"manager": map[string]any{"resource_type_id": "user", "resource_id": admin1}}
	type prof struct{ given, family, display, dept, number, cost, manager string }
	stored := func() prof {
		m := e.sim.Org().Member(alice)
		return prof{m.GivenName, m.FamilyName, m.DisplayName, m.Department, m.EmployeeNumber, m.CostCenter, m.ManagerID}
	}
	update := func(args map[string]any, wantAlready bool) {
		t.Helper()
		resp, err := e.invokeArgs("update_profile", alice, args)
		if err := actionError(resp, err); err != nil {
			t.Fatalf("update_profile: %v", err)
		}
		f := resp.GetResponse().GetFields()
		if !f["success"].GetBoolValue() || f["already_up_to_date"].GetBoolValue() != wantAlready {
			t.Errorf("update_profile %v: response %v, want already_up_to_date=%v", args, resp.GetResponse(), wantAlready)
		}
	}
	want := prof{"Alice", "Liddell", "Alice L.", "Wonderland", "E-1865", "CC-7", admin1}
	update(full, false)
	if got := stored(); got != want {
		t.Fatalf("stored profile %+v, want %+v", got, want)
	}
	patches := e.sim.Count("scim_patch_user")
	update(full, true)
	if n := e.sim.Count("scim_patch_user"); n != patches {
		t.Errorf("the same update again patched %d times", n-patches)
	}
	update(map[string]any{"department": "Looking-Glass"}, false)
	want.dept = "Looking-Glass"
	if got := stored(); got != want {
		t.Fatalf("after a department change the profile is %+v, want %+v", got, want)
	}
	for _, who := range []string{ext, guest} {
		e.refused(t, codes.FailedPrecondition, func() error { return actionError(e.invokeArgs("update_profile", who, full)) },
			"SCIM", "guests or external users")
	}
	e.refused(t, codes.NotFound, func() error { return actionError(e.invokeArgs("update_profile", stranger, full)) }, "not a member")
	e.refusedBeforeAnyCall(t, codes.InvalidArgument, func() error { return actionError(e.invokeArgs("update_profile", alice, nil)) },
		"at least one attribute")
}

// TestUpdateProfileWithoutSCIM: no SCIM token is refused before any call.
func TestUpdateProfileWithoutSCIM(t *testing.T) {
	e := newProvEnv(t, false)
	e.refusedBeforeAnyCall(t, codes.FailedPrecondition, func() error {
		return actionError(e.invokeArgs("update_profile", alice, map[string]any{"department": "x"}))
	}, "SCIM token")
}
