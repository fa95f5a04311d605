package connector_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"google.golang.org/grpc/codes"

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
