package miro

import (
	"strings"
	"testing"
)

func TestParseBaseURLAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"https://api.miro.com", "https://api.miro.com"},
		{"https://api.miro.com/", "https://api.miro.com"},
		{"https://api.miro.com///", "https://api.miro.com"},
		{"  https://api.miro.com  ", "https://api.miro.com"},
		{"https://miro.com/api/v1/scim/", "https://miro.com/api/v1/scim"},
		{"HTTPS://api.miro.com", "https://api.miro.com"},
		{"https://10.0.0.1:8443", "https://10.0.0.1:8443"},          // https: anything goes
		{"https://169.254.1.1", "https://169.254.1.1"},              // https: anything goes
		{"https://api.example.com/x/", "https://api.example.com/x"}, // https: anything goes
		{"http://localhost", "http://localhost"},
		{"http://LocalHost:8080/", "http://LocalHost:8080"},
		{"http://127.0.0.1:9999", "http://127.0.0.1:9999"},
		{"http://127.1.2.3", "http://127.1.2.3"},
		{"http://127.255.255.254:1/base/", "http://127.255.255.254:1/base"},
		{"http://[::1]", "http://[::1]"},
		{"http://[::1]:8080/", "http://[::1]:8080"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			u, err := ParseBaseURL(tt.in)
			if err != nil {
				t.Fatalf("ParseBaseURL(%q): %v", tt.in, err)
			}
			if got := u.String(); got != tt.want {
				t.Errorf("ParseBaseURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if strings.HasSuffix(u.Path, "/") {
				t.Errorf("path %q keeps a trailing slash", u.Path)
			}
		})
	}
}

func TestParseBaseURLRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		wantMsg  []string // substrings of the error
	}{
		{"plain http to a public host", "http://api.example.com", []string{"plain http://", "https://"}},
		{"plain http to a private address", "http://10.0.0.1", []string{"plain http://", "https://"}},
		{"plain http to link-local", "http://169.254.1.1", []string{"plain http://", "https://"}},
		{"plain http to the unspecified address", "http://0.0.0.0:8080", []string{"plain http://"}},
		{"plain http to a name that only starts like localhost", "http://localhost.example.com", []string{"plain http://"}},
		{"plain http to a name that embeds a loopback address", "http://127.0.0.1.nip.io", []string{"plain http://"}},
		{"plain http to an IPv6 address that is not loopback", "http://[::2]", []string{"plain http://"}},
		{"plain http to miro", "http://api.miro.com", []string{"plain http://", "https://"}},
		{"ftp", "ftp://api.miro.com", []string{"https://"}},
		{"ws", "ws://localhost", []string{"https://"}},
		{"no scheme", "api.miro.com", []string{"https://"}},
		{"no host", "https://", []string{"https://"}},
		{"no host with a path", "https:///v2", []string{"https://"}},
		{"empty", "", []string{"https://"}},
		{"userinfo", "https://admin@api.miro.com", []string{"https://"}},
		{"query", "https://api.miro.com?token=x", []string{"https://"}},
		{"fragment", "https://api.miro.com#x", []string{"https://"}},
		{"unparseable", "http://[::1", []string{"not a URL"}},
		{"control character", "https://api.miro.com/\x7f", []string{"not a URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, err := ParseBaseURL(tt.in)
			if err == nil {
				t.Fatalf("ParseBaseURL(%q) = %v, want an error", tt.in, u)
			}
			for _, want := range tt.wantMsg {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("ParseBaseURL(%q) error %q does not mention %q", tt.in, err, want)
				}
			}
		})
	}
}

// A password typed into a base URL must not be echoed into logs.
func TestParseBaseURLDoesNotEchoPasswords(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"https://user:hunter2-pw@api.miro.com",
		"http://user:hunter2-pw@api.example.com",
		"https://user:hunter2-pw@[bad",
	} {
		_, err := ParseBaseURL(in)
		if err == nil {
			t.Fatalf("ParseBaseURL(%q) accepted credentials", in)
		}
		if strings.Contains(err.Error(), "hunter2-pw") {
			t.Errorf("ParseBaseURL(%q) error echoes the password: %v", in, err)
		}
	}
}

func TestNewValidatesURLs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		o       Options
		wantErr string
	}{
		{"no token", Options{}, "access token is required"},
		{"bad REST URL", Options{AccessToken: "x", APIURL: "http://api.example.com"}, "REST API URL"},
		{"bad SCIM URL", Options{AccessToken: "x", SCIMURL: "http://scim.example.com"}, "SCIM URL"},
		{"defaults", Options{AccessToken: "x"}, ""},
		{"loopback simulator", Options{AccessToken: "x", APIURL: "http://127.0.0.1:1", SCIMURL: "http://localhost:1/scim/"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(tt.o)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New() error = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(): %v", err)
			}
			if tt.o.APIURL == "" && c.api.String() != "https://api.miro.com" {
				t.Errorf("default REST URL = %s", c.api)
			}
			if tt.o.SCIMURL == "" && c.scim.String() != "https://miro.com/api/v1/scim" {
				t.Errorf("default SCIM URL = %s", c.scim)
			}
			if c.maxAttempts != 8 || c.max429 != 6 || c.pacer == nil || c.http == nil {
				t.Errorf("defaults not applied: attempts %d, max429 %d, pacer %v, http %v", c.maxAttempts, c.max429, c.pacer, c.http)
			}
			if c.HasSCIM() {
				t.Error("HasSCIM() = true without a SCIM token")
			}
		})
	}
}

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		host string
		want bool
	}{
		{"localhost", true},
		{"LOCALHOST", true},
		{"127.0.0.1", true},
		{"127.1.2.3", true},
		{"127.255.255.255", true},
		{"::1", true},
		{"0:0:0:0:0:0:0:1", true},
		{"::ffff:127.0.0.1", true}, // IPv4-mapped loopback
		{"", false},
		{"[::1]", false}, // a Hostname() never has brackets
		{"localhost.example.com", false},
		{"127.0.0.1.nip.io", false},
		{"128.0.0.1", false},
		{"10.0.0.1", false},
		{"169.254.1.1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"::2", false},
		{"api.miro.com", false},
		{"2130706433", false}, // 127.0.0.1 as a decimal integer: not an IP literal
	}
	for _, tt := range tests {
		if got := IsLoopback(tt.host); got != tt.want {
			t.Errorf("IsLoopback(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}
