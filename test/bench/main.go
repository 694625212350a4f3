// Command bench is the end-to-end benchmark of the operator (issue 8): it
// starts its own control plane (the envtest binaries of `make envtest`),
// runs the manager binary as its own process with its real flags, a signed
// webhook receiver on loopback and a load generator, then prints one table
// and writes the figures as JSON to bin/bench/<timestamp>.json and
// bin/bench/latest.json.
//
// Scenarios: 1 intake burst, 2 steady breaches at each rate, 3 breach
// capacity against the API server's write ceiling, 4 the manager's memory
// and CPU, 5 restart after a SIGKILL, 6 one hung webhook destination among
// ten. Settings (environment): BENCH_N (10000), BENCH_RATES
// ("10,50,100,200"), BENCH_SECONDS (20 per rate), BENCH_GAP (10 s between
// rates), BENCH_SCENARIOS (comma list of intake, breaches, capacity,
// resources, restart, hung; default all), BENCH_WORKERS (16 creating
// goroutines), BENCH_RESTART_RATE (50/s), BENCH_OUTAGE (30 s),
// BENCH_HUNG_RATE (50/s), BENCH_PROBES (2 capacity probes bisecting the
// first two rates), BENCH_BUDGET (13m30s: later waits are shortened,
// or scenarios skipped, to finish within it), BENCH_MANAGER_BIN (use this
// binary instead of building ./cmd), BENCH_MANAGER_FLAGS (extra manager
// flags, space separated). See docs/performance.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"go.uber.org/zap/zapcore"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

var started = time.Now()

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[bench %6.1fs] %s\n", time.Since(started).Seconds(), fmt.Sprintf(format, args...))
}

func main() {
	cfg, err := loadConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	// Errors of the harness's own clients only; progress goes to stderr.
	ctrllog.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, runErr := run(ctx, cfg)
	if res == nil {
		fmt.Fprintln(os.Stderr, "bench:", runErr)
		os.Exit(1)
	}
	if runErr != nil {
		res.Error = runErr.Error()
	}
	res.WallSeconds = time.Since(started).Seconds()
	if v := os.Getenv("BENCH_STARTED_AT"); v != "" {
		if sec, err := strconv.ParseInt(v, 10, 64); err == nil {
			res.MakeWallSeconds = float64(time.Since(time.Unix(sec, 0)).Round(time.Second) / time.Second)
		}
	}
	res.Machine.LoadAvgEnd = loadAvg()
	res.Table = res.table()
	fmt.Print(res.Table)
	dir := filepath.Join(testenv.RepoRoot(), "bin", "bench")
	if path, err := res.write(dir); err != nil {
		logf("writing the figures: %v", err)
	} else if res.Error != "" {
		logf("figures of the failed run written to %s (latest.json left as it was)", path)
	} else {
		logf("figures written to %s and %s", path, filepath.Join(dir, "latest.json"))
	}
	if runErr != nil {
		os.Exit(1)
	}
}
