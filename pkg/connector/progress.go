package connector

import (
	"context"
	"sync"
	"time"

	"github.com/conductorone/baton-miro/pkg/miro"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
)

// progressEvery is how often the org-member walk reports its progress.
const progressEvery = 10 * time.Second

// walkProgress reports the org-member walk, the longest phase of a large sync
// (500 credits a page, so at Miro's budget ~200 pages a minute): every
// progressEvery at info, as pages arrive from Miro, and once at its end. The
// state of each sync's walk lives in its scope (walkState).
type walkProgress struct {
	now func() time.Time // nil = time.Now
	// sizeHint returns the expected number of org members (SCIM's count, which
	// leaves out guests), or 0 when unknown; with it the report names an
	// expected end.
	sizeHint func() int
}

// walkState is one sync's org-member walk, as far as it has come.
type walkState struct {
	mu             sync.Mutex
	start, last    time.Time
	pages, members int
	waits0         int // the pacer's waits when the walk began
	done           bool
}

func (p *walkProgress) clock() time.Time {
	if p.now != nil {
		return p.now()
	}
	return time.Now()
}

// begin notes that a page is about to be fetched.
func (p *walkProgress) begin(w *walkState, st miro.PacerStats) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.start.IsZero() {
		return
	}
	now := p.clock()
	w.start, w.last, w.waits0 = now, now, st.Waits
}

// fetched counts a page fetched from Miro and logs when it is time.
func (p *walkProgress) fetched(ctx context.Context, w *walkState, members int, last bool, st miro.PacerStats) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.start.IsZero() || w.done {
		return
	}
	w.pages++
	w.members += members
	now := p.clock()
	if !last && now.Sub(w.last) < progressEvery {
		return
	}
	w.last, w.done = now, last
	elapsed := now.Sub(w.start)
	fields := []zap.Field{
		zap.Int("members", w.members), zap.Int("pages", w.pages), zap.Int("credits", w.pages*miro.Level3),
		zap.Duration("elapsed", elapsed.Round(time.Second)),
		zap.Bool("credit_bound", st.Waits > w.waits0), zap.Int("credit_waits", st.Waits-w.waits0),
	}
	log := ctxzap.Extract(ctx)
	if last {
		log.Info("listed every organization member", fields...)
		return
	}
	if minutes := elapsed.Minutes(); minutes > 0 {
		fields = append(fields, zap.Int("members_per_minute", int(float64(w.members)/minutes)))
	}
	if p.sizeHint != nil && w.members > 0 {
		if total := p.sizeHint(); total > w.members {
			left := time.Duration(float64(elapsed) * float64(total-w.members) / float64(w.members))
			fields = append(fields, zap.Int("expected_members", total), zap.Time("expected_end", now.Add(left).Round(time.Second)))
		}
	}
	log.Info("listing organization members", fields...)
}
