package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

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
			b.res.DuplicatesByNamespace = r.duplicatesByNamespace()
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
	defer func() {
		if err := os.RemoveAll(runDir); err != nil {
			logf("removing %s: %v", runDir, err)
		}
	}()
	if err := b.startWorld(ctx, runDir); err != nil {
		return err
	}
	if err := b.startManager(ctx, bin); err != nil {
		return err
	}
	go b.sample(ctx)
	if err := b.scenarios(ctx); err != nil {
		return err
	}
	b.finish()
	return nil
}

// startWorld starts what the manager works in: the control plane, the
// webhook receiver, the namespaces with their policies, and the watch on
// Escalations.
func (b *bench) startWorld(ctx context.Context, runDir string) error {
	logf("starting the control plane (envtest)")
	var err error
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
	b.escW, err = watchEscalations(ctx, b.cl, b.scheme, b.escs)
	return err
}

// startManager starts the manager binary bin and records how it runs.
func (b *bench) startManager(ctx context.Context, bin string) error {
	logPath := filepath.Join(b.dir, "manager-"+started.UTC().Format("20060102T150405Z")+".log")
	var err error
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
	return nil
}

// scenarios runs the scenarios of BENCH_SCENARIOS that fit in the budget,
// then, when no restart outage measured it, the write ceiling.
func (b *bench) scenarios(ctx context.Context) error {
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
	return nil
}

func (b *bench) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	logf("note: %s", msg)
	b.res.Notes = append(b.res.Notes, msg)
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
