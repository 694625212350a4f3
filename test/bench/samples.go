package main

import (
	"context"
	"time"
)

// sample records the manager's resident set, CPU time and queue depth every second.
func (b *bench) sample(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cpu, rss, _, running := b.mgr.usage()
		s := Sample{T: time.Since(started).Seconds(), RSSMiB: mib(rss), CPUSeconds: cpu.Seconds(), Running: running}
		if running {
			if mm, err := b.mgr.scrape(ctx); err == nil {
				s.QueueDepth = mm.depth
			}
		}
		b.smu.Lock()
		b.samples = append(b.samples, s)
		b.smu.Unlock()
	}
}

func (b *bench) samplesCopy() []Sample {
	b.smu.Lock()
	defer b.smu.Unlock()
	return append([]Sample(nil), b.samples...)
}

// peaks returns the largest RSS and queue depth sampled between from and to.
func (b *bench) peaks(from, to time.Time) (rssMiB, depth float64) {
	a, z := from.Sub(started).Seconds(), to.Sub(started).Seconds()
	for _, s := range b.samplesCopy() {
		if s.T >= a && s.T <= z {
			rssMiB = max(rssMiB, s.RSSMiB)
			depth = max(depth, s.QueueDepth)
		}
	}
	return rssMiB, depth
}

// mib is b bytes in MiB.
func mib(b int64) float64 { return float64(b) / (1 << 20) }
