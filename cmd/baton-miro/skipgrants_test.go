package main

import "testing"

func TestSkipsGrants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  string
		want bool
	}{
		{"flag", []string{"--workers", "4", "--skip-entitlements-and-grants", "-f", "x.c1z"}, "", true},
		{"flag=true", []string{"--skip-entitlements-and-grants=true"}, "", true},
		{"flag=false beats the environment", []string{"--skip-entitlements-and-grants=false"}, "true", false},
		{"environment", []string{"--workers", "4"}, "1", true},
		{"environment false", nil, "false", false},
		{"neither", []string{"--miro-access-token", "t", "-f", "sync.c1z"}, "", false},
		{"other flags only", []string{"--skip-full-sync", "--sync-resources", "team:1"}, "", false},
		{"help", []string{"--help"}, "", false},
		{"a subcommand", []string{"capabilities"}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			getenv := func(k string) string {
				if k == "BATON_SKIP_ENTITLEMENTS_AND_GRANTS" {
					return tt.env
				}
				return ""
			}
			if got := skipsGrants(tt.args, getenv); got != tt.want {
				t.Errorf("skipsGrants(%q, env %q) = %v, want %v", tt.args, tt.env, got, tt.want)
			}
		})
	}
}
