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
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.uber.org/zap/zapcore"
	"k8s.io/apimachinery/pkg/runtime"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

// Config is the run's settings.
type Config struct {
	N           int             `json:"n"`
	Rates       []int           `json:"rates"`
	Seconds     int             `json:"secondsPerRate"`
	Gap         int             `json:"gapSeconds"`
	Workers     int             `json:"createWorkers"`
	RestartRate int             `json:"restartRate"`
	Outage      int             `json:"outageSeconds"`
	HungRate    int             `json:"hungRate"`
	Probes      int             `json:"capacityProbes"`
	Budget      time.Duration   `json:"budgetNs"`
	Scenarios   map[string]bool `json:"scenarios"`
	ManagerBin  string          `json:"managerBin,omitempty"`
	ExtraFlags  []string        `json:"extraManagerFlags,omitempty"`
}

var allScenarios = []string{"intake", "breaches", "capacity", "resources", "restart", "hung"}

func envInt(name string, def, lo, hi int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(strings.ReplaceAll(v, "_", ""))
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s=%q: want an integer in [%d, %d]", name, v, lo, hi)
	}
	return n, nil
}

func loadConfig() (Config, error) {
	var c Config
	var err error
	if c.N, err = envInt("BENCH_N", 10000, 1, 200000); err != nil {
		return c, err
	}
	if c.Seconds, err = envInt("BENCH_SECONDS", 20, 1, 600); err != nil {
		return c, err
	}
	if c.Gap, err = envInt("BENCH_GAP", 10, 0, 600); err != nil {
		return c, err
	}
	if c.Workers, err = envInt("BENCH_WORKERS", 16, 1, 256); err != nil {
		return c, err
	}
	if c.RestartRate, err = envInt("BENCH_RESTART_RATE", 50, 1, 5000); err != nil {
		return c, err
	}
	if c.Outage, err = envInt("BENCH_OUTAGE", 30, 10, 600); err != nil {
		return c, err
	}
	if c.HungRate, err = envInt("BENCH_HUNG_RATE", 50, 1, 5000); err != nil {
		return c, err
	}
	if c.Probes, err = envInt("BENCH_PROBES", 2, 0, 10); err != nil {
		return c, err
	}
	rates := os.Getenv("BENCH_RATES")
	if rates == "" {
		rates = "10,50,100,200"
	}
	for f := range strings.SplitSeq(rates, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 5000 {
			return c, fmt.Errorf("BENCH_RATES=%q: want a comma list of rates in [1, 5000]", rates)
		}
		c.Rates = append(c.Rates, n)
	}
	c.Budget = 13*time.Minute + 30*time.Second
	if v := os.Getenv("BENCH_BUDGET"); v != "" {
		if c.Budget, err = time.ParseDuration(v); err != nil || c.Budget < time.Minute {
			return c, fmt.Errorf("BENCH_BUDGET=%q: want a duration of at least 1m", v)
		}
	}
	c.Scenarios = map[string]bool{}
	sc := os.Getenv("BENCH_SCENARIOS")
	if sc == "" || sc == "all" {
		sc = strings.Join(allScenarios, ",")
	}
	for f := range strings.SplitSeq(sc, ",") {
		f = strings.TrimSpace(f)
		known := false
		for _, s := range allScenarios {
			known = known || s == f
		}
		if !known {
			return c, fmt.Errorf("BENCH_SCENARIOS: unknown scenario %q (known: %s)", f, strings.Join(allScenarios, ", "))
		}
		c.Scenarios[f] = true
	}
	// The open population of the intake burst is every later scenario's
	// background: it always runs.
	c.Scenarios["intake"] = true
	c.ManagerBin = os.Getenv("BENCH_MANAGER_BIN")
	c.ExtraFlags = strings.Fields(os.Getenv("BENCH_MANAGER_FLAGS"))
	return c, nil
}

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

// bench is one run.
type bench struct {
	cfg      Config
	res      *Result
	root     string
	dir      string
	deadline time.Time
	scheme   *runtime.Scheme
	secret   string

	cl   *cluster
	rcv  *receiver
	mgr  *manager
	escs *seenTimes
	escW *watcher

	cpPIDs map[string]int // kube-apiserver, etcd

	smu     sync.Mutex
	samples []Sample
	// intake figures the later scenarios size themselves by
	createRate, dueRate float64
	open                int
}

func run(ctx context.Context, cfg Config) (res *Result, err error) {
	root := testenv.RepoRoot()
	b := &bench{cfg: cfg, root: root, dir: filepath.Join(root, "bin", "bench"), deadline: started.Add(cfg.Budget)}
	b.res = &Result{Started: started, Config: cfg, Machine: Machine{NProc: goruntime.NumCPU(), GoVersion: goruntime.Version(), LoadAvgStart: loadAvg()}}
	if err := os.MkdirAll(b.dir, 0o755); err != nil {
		return nil, err
	}
	b.res.Commit, b.res.Dirty = gitCommit(root)
	defer b.cleanup()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
		b.res.Samples = b.samplesCopy()
		if r := b.rcv; r != nil {
			b.res.Receiver = map[string]int64{"requests": r.requests.Load(), "duplicates": r.duplicates.Load(),
				"badSignatures": r.badSignature.Load(), "malformed": r.malformed.Load(), "misrouted": r.misrouted.Load(),
				"hungRequests": r.hungTotal.Load()}
		}
	}()
	return b.res, b.run(ctx)
}

func (b *bench) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the sampler
	var err error
	if b.scheme, err = testenv.Scheme(); err != nil {
		return err
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	b.secret = "whsec_" + base64.StdEncoding.EncodeToString(key)

	bin := b.cfg.ManagerBin
	if bin == "" {
		bin = binPath(b.root)
		logf("building the manager: go build -o %s ./cmd", bin)
		if err := buildManager(ctx, b.root, bin); err != nil {
			return fmt.Errorf("building the manager: %w", err)
		}
	}
	runDir, err := os.MkdirTemp("", "servicedesk-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(runDir)

	logf("starting the control plane (envtest)")
	if b.cl, err = startCluster(ctx, runDir); err != nil {
		return err
	}
	b.res.Machine.Kubernetes = strings.SplitN(filepath.Base(b.cl.assets), "-", 2)[0]
	b.cpPIDs = controlPlanePIDs()
	if b.rcv, err = startReceiver(b.secret); err != nil {
		return err
	}
	if err := b.setupNamespaces(ctx); err != nil {
		return err
	}
	b.escs = newSeenTimes()
	if b.escW, err = watchEscalations(ctx, b.cl, b.scheme, b.escs); err != nil {
		return err
	}
	logPath := filepath.Join(b.dir, "manager-"+started.UTC().Format("20060102T150405Z")+".log")
	if b.mgr, err = newManager(bin, b.cl.kubeconfig, logPath, b.cfg.ExtraFlags); err != nil {
		return err
	}
	flags := make([]string, 0, len(b.mgr.args))
	for _, a := range b.mgr.args {
		if strings.HasPrefix(a, "--kubeconfig=") {
			a = "--kubeconfig=<bench user " + managerUser + ">"
		}
		flags = append(flags, a)
	}
	b.res.Manager = Manager{Binary: bin, Flags: flags, User: managerUser + " (ClusterRole manager-role of config/rbac/role.yaml)",
		ClientQPS: "controller-runtime default: QPS -1 (no client-side limit; the API server's priority and fairness applies)", Log: logPath}
	logf("starting the manager (log: %s)", logPath)
	if _, _, err := b.mgr.start(ctx, 60*time.Second); err != nil {
		return err
	}
	b.res.Manager.Starts = b.mgr.starts
	go b.sample(ctx)

	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"intake", b.intake},
		{"resources", b.idle},
		{"capacity", b.capacity},
		// The restart runs before scenario 2, whose highest rates leave a
		// backlog of minutes the restart would otherwise measure.
		{"restart", b.restart},
		{"breaches", b.breaches},
		{"hung", b.hung},
	}
	for _, s := range steps {
		if !b.cfg.Scenarios[s.name] {
			continue
		}
		if need := b.minNeeded(s.name) + b.reserveAfter(s.name); b.left() < need {
			b.note("%s skipped: %s left of BENCH_BUDGET, it needs about %s", s.name, b.left().Round(time.Second), need.Round(time.Second))
			continue
		}
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		b.res.Manager.Starts = b.mgr.starts
	}
	if b.cfg.Scenarios["capacity"] && b.res.Ceiling == nil {
		// No restart outage to measure it in: stop the manager for good.
		logf("stopping the manager to measure the write ceiling")
		b.mgr.kill(syscall.SIGTERM, 15*time.Second)
		if err := b.ceiling(ctx, "after the scenarios, manager stopped"); err != nil {
			return err
		}
	}
	b.finish()
	return nil
}

func (b *bench) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	logf("note: %s", msg)
	b.res.Notes = append(b.res.Notes, msg)
}

func (b *bench) left() time.Duration { return time.Until(b.deadline) }

// minNeeded is about the least time a scenario takes.
func (b *bench) minNeeded(name string) time.Duration {
	s := time.Second
	switch name {
	case "resources":
		return 20 * s
	case "breaches":
		windows := len(b.cfg.Rates)*(b.cfg.Seconds+b.cfg.Gap) - b.cfg.Gap
		return time.Duration(windows+45) * s
	case "restart":
		return time.Duration(b.cfg.Outage+90) * s
	case "hung":
		return time.Duration(b.cfg.Seconds+60) * s
	case "capacity":
		return time.Duration(b.cfg.Probes*(b.cfg.Seconds+40)) * s
	}
	return 30 * s
}

// reserveAfter is the time the scenarios after name need, and the end.
func (b *bench) reserveAfter(name string) time.Duration {
	order := []string{"intake", "resources", "capacity", "restart", "breaches", "hung"}
	d := 20 * time.Second // the end: stopping, the ceiling when no restart, the report
	if b.cfg.Scenarios["capacity"] && !b.cfg.Scenarios["restart"] {
		d += 15 * time.Second
	}
	after := false
	for _, s := range order {
		if after && b.cfg.Scenarios[s] {
			d += b.minNeeded(s)
		}
		after = after || s == name
	}
	return d
}

// capped is want, shortened so the scenarios after name still fit the budget.
func (b *bench) capped(want time.Duration, name string) time.Duration {
	left := b.left() - b.reserveAfter(name)
	return max(min(want, left), 5*time.Second)
}

func (b *bench) cleanup() {
	if b.mgr != nil {
		b.mgr.kill(syscall.SIGTERM, 10*time.Second)
	}
	b.escW.stop()
	b.rcv.close()
	if b.cl != nil {
		logf("stopping the control plane")
		b.cl.stop()
	}
}

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

// waitFor polls cond every 100 ms until it holds, ctx ends or wait passes.
func waitFor(ctx context.Context, wait time.Duration, cond func() bool) (bool, error) {
	deadline := time.Now().Add(wait)
	for {
		if cond() {
			return true, nil
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// settle waits until the manager's work queues are empty and idle twice in
// a row, half a second apart, at most wait.
func (b *bench) settle(ctx context.Context, wait time.Duration) (bool, error) {
	calm := 0
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		mm, err := b.mgr.scrape(ctx)
		if err == nil && mm.depth == 0 && mm.busy == 0 {
			calm++
			if calm == 2 {
				return true, nil
			}
		} else {
			calm = 0
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return false, nil
}

// sleepUntil sleeps until t or ctx ends.
func sleepUntil(ctx context.Context, t time.Time) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(t)):
		return nil
	}
}

func gitCommit(root string) (string, bool) {
	out, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown", false
	}
	st, _ := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output()
	return strings.TrimSpace(string(out)), len(strings.TrimSpace(string(st))) > 0
}

func loadAvg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
