package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

// cluster is the control plane of the run: envtest's etcd and
// kube-apiserver, an admin client for the load generator and a kubeconfig
// for the manager's own user.
type cluster struct {
	env        *envtest.Environment
	cfg        *rest.Config
	c          client.Client
	cs         *kubernetes.Clientset
	kubeconfig string // the manager's, bound to the operator's ClusterRole
	assets     string
}

const managerUser = testenv.ManagerUser

func startCluster(ctx context.Context, dir string) (*cluster, error) {
	env := testenv.New()
	if env.BinaryAssetsDirectory == "" {
		return nil, fmt.Errorf("no envtest binaries: run `make envtest` or set KUBEBUILDER_ASSETS")
	}
	for _, bin := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(env.BinaryAssetsDirectory, bin)); err != nil {
			return nil, fmt.Errorf("%s missing in %s: run `make envtest`", bin, env.BinaryAssetsDirectory)
		}
	}
	// envtest binds etcd and the API server to 127.0.0.1. The API server's
	// own limits stay at their defaults (priority and fairness); the
	// figures report any 429 it answered.
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting the control plane: %w", err)
	}
	cl := &cluster{env: env, assets: env.BinaryAssetsDirectory}
	// The load generator is one client-go process; its client-side limits
	// are far above what the API server can take.
	cfg.QPS, cfg.Burst = 5000, 10000
	cfg.Timeout = 60 * time.Second
	cl.cfg = cfg
	scheme, err := testenv.Scheme()
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	if cl.c, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		_ = env.Stop()
		return nil, err
	}
	if cl.cs, err = kubernetes.NewForConfig(cfg); err != nil {
		_ = env.Stop()
		return nil, err
	}
	if err := cl.managerUser(ctx, dir); err != nil {
		_ = env.Stop()
		return nil, err
	}
	return cl, nil
}

// managerUser gives the manager a user of its own with the operator's
// generated ClusterRole (testenv.AddManagerUser).
func (cl *cluster) managerUser(ctx context.Context, dir string) (err error) {
	cl.kubeconfig, err = testenv.AddManagerUser(ctx, cl.env, cl.c, dir)
	return err
}

func (cl *cluster) stop() {
	if cl == nil || cl.env == nil {
		return
	}
	if err := cl.env.Stop(); err != nil {
		logf("stopping the control plane: %v", err)
	}
	cl.env = nil
}

// apiCounts are the API server's own request counters.
type apiCounts struct {
	// writes by "resource[/subresource] VERB", for the operator's kinds
	// and Events.
	writes counters
	// throttled counts responses 429 (too many requests) of any request.
	throttled float64
	// requests counts every request to the operator's kinds and Events by
	// verb; durSum and durCount are their apiserver_request_duration_seconds.
	requests, durSum, durCount counters
}

// writeVerbs are the verbs apiserver_request_total reports for writes.
var writeVerbs = map[string]bool{"POST": true, "PUT": true, "PATCH": true, "APPLY": true, "DELETE": true, "DELETECOLLECTION": true}

func (cl *cluster) counts(ctx context.Context) (apiCounts, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	raw, err := cl.cs.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return apiCounts{}, fmt.Errorf("reading the API server's /metrics: %w", err)
	}
	ac := apiCounts{writes: counters{}, requests: counters{}, durSum: counters{}, durCount: counters{}}
	keep := func(n string) bool {
		return n == "apiserver_request_total" || n == "apiserver_request_duration_seconds_sum" || n == "apiserver_request_duration_seconds_count"
	}
	for _, m := range parseProm(raw, keep) {
		if m.name == "apiserver_request_total" && m.labels["code"] == "429" {
			ac.throttled += m.value
		}
		res := m.labels["resource"]
		ours := m.labels["group"] == "support.servicedesk.dev" || res == "events"
		if !ours {
			continue
		}
		if sub := m.labels["subresource"]; sub != "" {
			res += "/" + sub
		}
		verb := m.labels["verb"]
		switch m.name {
		case "apiserver_request_duration_seconds_sum":
			ac.durSum[res+" "+verb] += m.value
			continue
		case "apiserver_request_duration_seconds_count":
			ac.durCount[res+" "+verb] += m.value
			continue
		}
		ac.requests[res+" "+verb] += m.value
		if writeVerbs[verb] {
			ac.writes[res+" "+verb] += m.value
		}
	}
	return ac, nil
}

// delta is after − before.
func (after apiCounts) delta(before apiCounts) apiCounts {
	return apiCounts{writes: after.writes.sub(before.writes), throttled: after.throttled - before.throttled,
		requests: after.requests.sub(before.requests), durSum: after.durSum.sub(before.durSum), durCount: after.durCount.sub(before.durCount)}
}

// meanMs is the API server's mean time per request, by resource and verb
// (watches excluded: they last as long as they are open).
func (d apiCounts) meanMs() map[string]float64 {
	out := map[string]float64{}
	for k, n := range d.durCount {
		if n > 0 && !strings.HasSuffix(k, " WATCH") {
			out[k] = round3(d.durSum[k] / n * 1000)
		}
	}
	return out
}

// describe prints the largest write series, e.g. "complaints/status UPDATE 2.00".
func describe(c counters, per float64, top int) string {
	var parts []string
	for i, k := range c.sortedKeys() {
		if i == top {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("%s %.2f", k, c[k]/per))
	}
	return strings.Join(parts, ", ")
}
