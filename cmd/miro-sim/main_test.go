package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuf lets the test read what run prints while run is still going.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestRunServesAndReportsCounts(t *testing.T) {
	ready := filepath.Join(t.TempDir(), "ready")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuf{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--users", "60", "--teams", "5", "--token", "tok-1", "--ready-file", ready}, out)
	}()

	var info map[string]string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, err := os.ReadFile(ready)
		if err == nil {
			info = map[string]string{}
			for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				k, v, _ := strings.Cut(line, "=")
				info[k] = v
			}
			break
		}
	}
	if info["token"] != "tok-1" || info["scim_token"] != "sim-scim-token" ||
		info["scim_url"] != info["base_url"]+"/api/v1/scim" || !strings.HasPrefix(info["base_url"], "http://127.0.0.1:") {
		t.Fatalf("ready file %v", info)
	}
	req, _ := http.NewRequest(http.MethodGet, info["base_url"]+"/v1/oauth-token", http.NoBody)
	req.Header.Set("Authorization", "Bearer tok-1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("oauth-token: %d", res.StatusCode)
	}
	if !strings.Contains(out.String(), "base_url="+info["base_url"]) {
		t.Fatalf("stdout lacks the base URL: %s", out.String())
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
	if !strings.Contains(out.String(), "oauth_token") || !strings.Contains(out.String(), "total=1") {
		t.Fatalf("counts not printed: %s", out.String())
	}
}

func TestRunRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:80", "example.com:80", "nonsense"} {
		err := run(context.Background(), []string{"--addr", addr}, io.Discard)
		if err == nil {
			t.Errorf("--addr %s accepted", addr)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0", "localhost:0"} {
		if err := checkLoopback(addr); err != nil {
			t.Errorf("%s refused: %v", addr, err)
		}
	}
}
