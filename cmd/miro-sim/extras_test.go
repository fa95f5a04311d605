package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startRun runs the command with args until the test ends and returns the ready file's values.
func startRun(t *testing.T, args ...string) (map[string]string, *syncBuf, func()) {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready")
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuf{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append(args, "--ready-file", ready), out) }()
	stop := func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(10 * time.Second):
			t.Error("run did not stop")
		}
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(ready); err == nil {
			info := map[string]string{}
			for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				k, v, _ := strings.Cut(line, "=")
				info[k] = v
			}
			return info, out, stop
		}
	}
	stop()
	t.Fatal("no ready file")
	return nil, nil, nil
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, http.NoBody)
	req.Header.Set("Authorization", "Bearer sim-access-token")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func TestRunGroupsAndBoardsFlags(t *testing.T) {
	info, out, stop := startRun(t, "--users", "120", "--teams", "6", "--groups", "4", "--boards")
	base := info["base_url"]
	var tokenInfo struct{ Organization struct{ ID string } }
	getJSON(t, base+"/v1/oauth-token", &tokenInfo)
	var groups struct{ Size int }
	getJSON(t, base+"/v2/orgs/"+tokenInfo.Organization.ID+"/groups", &groups)
	var boards struct{ Total int }
	getJSON(t, base+"/v2/boards", &boards)
	stop()
	if groups.Size != 4 || boards.Total == 0 {
		t.Fatalf("%d groups, %d boards", groups.Size, boards.Total)
	}
	if !strings.Contains(out.String(), "list_groups") || !strings.Contains(out.String(), "list_boards") {
		t.Fatalf("counts not printed: %s", out.String())
	}

	// Without the flags there are neither groups nor boards.
	info, _, stop = startRun(t, "--users", "60", "--teams", "3")
	defer stop()
	getJSON(t, info["base_url"]+"/v1/oauth-token", &tokenInfo)
	getJSON(t, info["base_url"]+"/v2/orgs/"+tokenInfo.Organization.ID+"/groups", &groups)
	getJSON(t, info["base_url"]+"/v2/boards", &boards)
	if groups.Size != 0 || boards.Total != 0 {
		t.Fatalf("defaults: %d groups, %d boards", groups.Size, boards.Total)
	}
}

func TestRunGroupSharesAndTeamSettingsFlags(t *testing.T) {
	info, _, stop := startRun(t, "--users", "120", "--teams", "6", "--groups", "4", "--boards", "--group-shares",
		"--team-settings")
	defer stop()
	base := info["base_url"]
	var tokenInfo struct{ Organization struct{ ID string } }
	getJSON(t, base+"/v1/oauth-token", &tokenInfo)
	orgp := base + "/v2/orgs/" + tokenInfo.Organization.ID
	var boards struct{ Data []struct{ ID string } }
	getJSON(t, base+"/v2/boards?sort=alphabetically&limit=50", &boards)
	shared := 0
	for _, b := range boards.Data {
		var groups struct{ Size int }
		getJSON(t, orgp+"/boards/"+b.ID+"/groups", &groups)
		shared += min(groups.Size, 1)
	}
	var teams struct{ Data []struct{ ID string } }
	getJSON(t, orgp+"/teams", &teams)
	public := map[string]bool{}
	for _, tm := range teams.Data {
		var st struct {
			TeamSharingPolicySettings struct{ SharingViaPublicLink string }
		}
		getJSON(t, orgp+"/teams/"+tm.ID+"/settings", &st)
		public[st.TeamSharingPolicySettings.SharingViaPublicLink] = true
	}
	if shared == 0 || len(public) < 2 {
		t.Fatalf("%d of %d boards shared with groups; public-link settings %v", shared, len(boards.Data), public)
	}
}
