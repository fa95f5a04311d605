// Command profsync runs an in-process sync of a simulated org with CPU and heap
// profiles, to find where time and memory go at scale (a development aid).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
	"github.com/conductorone/baton-miro/pkg/connector"
)

func main() {
	users := flag.Int("users", 100000, "")
	teams := flag.Int("teams", 5000, "")
	workers := flag.Int("workers", 4, "")
	latency := flag.Duration("latency", 0, "")
	out := flag.String("out", "/tmp/prof", "")
	flag.Parse()
	_ = os.MkdirAll(*out, 0o750)
	org := mirosim.Generate(mirosim.GenOptions{Seed: 2026, Users: *users, Teams: *teams})
	sim := mirosim.New(org, mirosim.Options{Token: "t", Credits: -1, Latency: *latency})
	if _, err := sim.Start(); err != nil {
		panic(err)
	}
	conn, _, err := simtest.NewConnectorWith(sim, "t", []connector.Option{connector.WithWorkers(*workers)})
	if err != nil {
		panic(err)
	}
	cpu, _ := os.Create(filepath.Join(*out, "cpu.pprof"))
	_ = pprof.StartCPUProfile(cpu)
	var peak uint64
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(500 * time.Millisecond)
		for {
			select {
			case <-done:
				return
			case <-t.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak {
					peak = ms.HeapInuse
					f, _ := os.Create(filepath.Join(*out, "heap.pprof"))
					_ = pprof.WriteHeapProfile(f)
					_ = f.Close()
				}
			}
		}
	}()
	start := time.Now()
	err = synctest.Sync(context.Background(), conn, filepath.Join(*out, "sync.c1z"), *workers)
	close(done)
	pprof.StopCPUProfile()
	fmt.Printf("err=%v wall=%s peakHeapInuse=%dMB calls=%d\n", err, time.Since(start), peak>>20, sim.TotalCount())
}
