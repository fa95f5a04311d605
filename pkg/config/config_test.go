package config

import (
	"encoding/json"
	"strings"
	"testing"
)

// schemaField is the part of the exported schema ConductorOne renders.
type schemaField struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
	Description string `json:"description"`
	IsRequired  bool   `json:"isRequired"`
	IsSecret    bool   `json:"isSecret"`
	IsOps       bool   `json:"isOps"`
	StringField *struct {
		DefaultValue string `json:"defaultValue"`
		Rules        *struct {
			WellKnown string `json:"wellKnown"`
		} `json:"rules"`
	} `json:"stringField"`
}

// TestSchemaQuality checks the schema as exported (what `baton-miro config`
// prints and ConductorOne renders): every field named and explained, secrets
// secret, the test-and-proxy URL fields validated as URLs and kept off the
// customer form, and the connector's identity set.
func TestSchemaQuality(t *testing.T) {
	data, err := Config.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		DisplayName string        `json:"displayName"`
		HelpURL     string        `json:"helpUrl"`
		IconURL     string        `json:"iconUrl"`
		Fields      []schemaField `json:"fields"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.DisplayName != "Miro" || doc.HelpURL == "" || doc.IconURL == "" {
		t.Errorf("connector display name %q, help URL %q, icon URL %q must be set", doc.DisplayName, doc.HelpURL, doc.IconURL)
	}
	want := map[string]struct{ secret, required, url bool }{
		"miro-access-token":      {secret: true, required: true},
		"miro-scim-access-token": {secret: true},
		"miro-api-url":           {url: true},
		"miro-scim-url":          {url: true},
	}
	seen := 0
	for _, f := range doc.Fields {
		w, ok := want[f.Name] // other fields: named, explained, not secret, not required
		if ok {
			seen++
		}
		if f.DisplayName == "" || len(f.Description) < 60 {
			t.Errorf("%s: display name %q / description %q too thin for a Miro admin", f.Name, f.DisplayName, f.Description)
		}
		if f.IsSecret != w.secret || f.IsRequired != w.required {
			t.Errorf("%s: secret=%v required=%v, want %v %v", f.Name, f.IsSecret, f.IsRequired, w.secret, w.required)
		}
		if w.url {
			if !f.IsOps {
				t.Errorf("%s is for proxies and tests: it must be an operator field, not on the customer form", f.Name)
			}
			// The connector validates it (miro.ParseBaseURL, which redacts a password); the
			// SDK's URI rule echoes the whole value, password included, when it fails.
			if f.StringField != nil && f.StringField.Rules != nil && f.StringField.Rules.WellKnown != "" {
				t.Errorf("%s carries the SDK's %s rule, whose error prints the URL with its password", f.Name, f.StringField.Rules.WellKnown)
			}
			if f.StringField == nil || !strings.HasPrefix(f.StringField.DefaultValue, "https://") {
				t.Errorf("%s default is not an https URL", f.Name)
			}
		} else if f.IsOps {
			t.Errorf("%s must be on the customer form", f.Name)
		}
	}
	if seen != len(want) {
		t.Errorf("only %d of the %d connector fields are exported", seen, len(want))
	}
	for _, f := range doc.Fields {
		switch f.Name {
		case "miro-access-token":
			for _, s := range []string{"organizations:read", "organizations:teams:read", "Company Admin", "Enterprise"} {
				if !strings.Contains(f.Description, s) {
					t.Errorf("access token description does not mention %q", s)
				}
			}
		case "miro-scim-access-token":
			if !strings.Contains(strings.ToLower(f.Description), "account lifecycle") {
				t.Errorf("SCIM token description must say it is for account lifecycle only: %q", f.Description)
			}
		}
	}
}
