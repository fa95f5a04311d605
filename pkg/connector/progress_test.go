package connector

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/pkg/miro"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestMemberWalkProgress: the org-member walk logs at info every 10 s of its
// clock (members, pages, credits, and an expected end when the org's size is
// known) and once when it ends. Each page takes 4 s of a fake clock.
func TestMemberWalkProgress(t *testing.T) {
	const pages = 10
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := int(served.Add(1))
		next := ""
		if n < pages {
			next = "c" + strconv.Itoa(n)
		}
		data := make([]miro.Member, 0, miro.PageSize)
		for i := range miro.PageSize {
			data = append(data, miro.Member{ID: fmt.Sprintf("%d-%d", n, i)})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"cursor": next, "data": data})
	}))
	defer srv.Close()
	client, err := miro.New(miro.Options{APIURL: srv.URL, AccessToken: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	m := &memberIndex{client: client, orgID: func(context.Context) (string, error) { return "1", nil }}
	m.progress.now = func() time.Time { return t0.Add(time.Duration(served.Load()) * 4 * time.Second) }
	m.progress.sizeHint = func() int { return 2000 }
	core, logs := observer.New(zapcore.InfoLevel)
	ctx := ctxzap.ToContext(context.Background(), zap.New(core))
	listed := 0
	if err := m.walk(ctx, nil, &syncScope{id: "s1"}, func(miro.Member) { listed++ }); err != nil {
		t.Fatal(err)
	}
	if listed != pages*miro.PageSize {
		t.Fatalf("listed %d members", listed)
	}
	progress := logs.FilterMessage("listing organization members").All()
	// Pages arrive at 4, 8, ... 40 s: reports at 12, 24 and 36 s.
	if len(progress) != 3 {
		t.Fatalf("%d progress lines, want 3: %v", len(progress), logs.All())
	}
	for i, e := range progress {
		f := e.ContextMap()
		wantPages := int64(3 * (i + 1))
		if e.Level != zapcore.InfoLevel || f["pages"] != wantPages || f["members"] != wantPages*100 || f["credits"] != wantPages*500 {
			t.Errorf("line %d: %v %v", i, e.Level, f)
		}
		// 300 members in 12 s: 1,700 more take 68 s.
		if i == 0 {
			if end, ok := f["expected_end"].(time.Time); !ok || !end.Equal(t0.Add(80*time.Second)) {
				t.Errorf("expected_end = %v, want %v", f["expected_end"], t0.Add(80*time.Second))
			}
		}
	}
	if n := logs.FilterMessage("listed every organization member").Len(); n != 1 {
		t.Errorf("%d end lines, want 1", n)
	}
}

// TestLogWait: a long wait of the client is one info line saying what is
// awaited, why and until when.
func TestLogWait(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	ctx := ctxzap.ToContext(context.Background(), zap.New(core))
	until := time.Date(2026, 5, 1, 13, 0, 0, 0, time.UTC)
	LogWait(ctx, miro.Wait{For: "Miro's rate-limit reset", Until: until, Why: "Miro answered HTTP 429 (too many requests)"})
	LogWait(ctx, miro.Wait{For: "Miro's answer", Call: "GET /v2/orgs/1/members", Why: "no complete answer after 5s (attempt 1 of 8)"})
	all := logs.All()
	if len(all) != 2 {
		t.Fatalf("%d lines, want 2", len(all))
	}
	if e := all[0]; e.Level != zapcore.InfoLevel || e.Message != "waiting for Miro's rate-limit reset until 2026-05-01T13:00:00Z" || e.ContextMap()["reason"] != "Miro answered HTTP 429 (too many requests)" {
		t.Errorf("line 1: %v %q %v", e.Level, e.Message, e.ContextMap())
	}
	if e := all[1]; e.Message != "waiting for Miro's answer (no deadline)" || e.ContextMap()["call"] != "GET /v2/orgs/1/members" {
		t.Errorf("line 2: %q %v", e.Message, e.ContextMap())
	}
}
