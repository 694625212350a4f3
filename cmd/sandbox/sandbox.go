package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"time"

	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/servicedesk-operator/servicedesk-operator/controllers"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
	"github.com/servicedesk-operator/servicedesk-operator/internal/version"
)

// sandbox is one run: the control plane, the operator and the receiver.
type sandbox struct {
	opts options
	root string
	out  io.Writer

	cp         *controlPlane
	client     client.Client
	recv       *receiver
	mgrCancel  context.CancelFunc
	mgrStopped chan struct{} // closed when the manager returned
	mgrErr     error
	demo       demoReport
	storyStop  context.CancelFunc
	storyDone  chan struct{} // closed when the story returned
}

func (sb *sandbox) say(format string, args ...any) {
	fmt.Fprintf(sb.out, "sandbox: "+format+"\n", args...)
}

// path is a file of the state directory.
func (sb *sandbox) path(name string) string { return filepath.Join(sb.opts.dir, name) }

// start brings everything up in order; stop undoes what was done.
func (sb *sandbox) start(ctx context.Context) error {
	sb.say("servicedesk-operator %s", version.Get())
	assets, err := sb.assets()
	if err != nil {
		return err
	}
	if err := sb.logToFile(); err != nil {
		return err
	}
	if err := sb.startControlPlane(assets); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := sb.startOperator(); err != nil {
		return err
	}
	if err := sb.applyObjects(ctx); err != nil {
		return err
	}
	sb.printNext()
	sb.startStory()
	return nil
}

// startStory tells the demo's story (story.go) while the sandbox runs:
// one complaint's whole life, step by step, again when it is deleted. Its
// end, or a step the operator did not take, is told; the sandbox goes on
// either way.
func (sb *sandbox) startStory() {
	if !sb.opts.demo {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	sb.storyStop, sb.storyDone = cancel, make(chan struct{})
	st := newStory(sb.client, sb.out, sb.demo.firstResponse)
	go func() {
		defer close(sb.storyDone)
		st.tell(ctx)
	}()
}

// assets finds the envtest binaries, building them when there are none.
func (sb *sandbox) assets() (string, error) {
	l := assetsLookup{getenv: os.Getenv, root: sb.root, goos: goruntime.GOOS, goarch: goruntime.GOARCH}
	dir, ok, err := l.find()
	if err != nil || ok {
		return dir, err
	}
	sb.say("no kube-apiserver and etcd found (KUBEBUILDER_ASSETS, bin/k8s, %s): getting them with hack/build-envtest.sh, which downloads them (about a minute) or, without the internet, builds them from source (15-25 minutes the first time)", l.cacheDir())
	return buildAssets(sb.root)
}

// logToFile sends the operator's (and client-go's) logs to operator.log.
func (sb *sandbox) logToFile() error {
	f, err := os.OpenFile(sb.path("operator.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "---- sandbox started %s ----\n", time.Now().Format(time.RFC3339))
	logger := zap.New(zap.WriteTo(f), zap.ConsoleEncoder())
	ctrl.SetLogger(logger)
	klog.SetLogger(logger.WithName("klog"))
	return nil
}

func (sb *sandbox) startControlPlane(assets string) error {
	kubeconfig := sb.path("kubeconfig")
	prev := previousPort(kubeconfig)
	port, err := choosePort(sb.opts.port, prev)
	if errors.Is(err, errPortInUse) {
		return fmt.Errorf("port %d on 127.0.0.1 is already in use, so the API server cannot listen there: choose another with --port, or --port 0 for any free one", port)
	}
	if err != nil {
		return err
	}
	if sb.opts.port == 0 && prev != 0 && port == 0 {
		sb.say("port %d of the last run is taken: using another (the kubeconfig is rewritten)", prev)
	}
	binDir, err := prepareWrapper(sb.path("run"), assets)
	if err != nil {
		return err
	}
	sb.say("starting etcd and kube-apiserver from %s (etcd data: %s)", sb.rel(assets), sb.rel(sb.path("etcd")))
	sb.cp, err = startControlPlane(planeOptions{assets: assets, binDir: binDir, dataDir: sb.path("etcd"), logDir: sb.opts.dir,
		crdDir: filepath.Join(sb.root, "config", "crd", "bases"), port: port})
	if err != nil {
		return fmt.Errorf("starting the control plane: %w", err)
	}
	if err := writeKubeconfig(sb.cp.cfg, kubeconfig); err != nil {
		return err
	}
	sb.say("API server on https://127.0.0.1:%d, CRDs installed", sb.cp.port)
	return nil
}

// startOperator runs the operator in this process, with the real clock.
func (sb *sandbox) startOperator() error {
	scheme, err := controllers.NewScheme()
	if err != nil {
		return err
	}
	if sb.client, err = client.New(sb.cp.cfg, client.Options{Scheme: scheme}); err != nil {
		return err
	}
	opts := controllers.Options{
		// The sandbox's receiver listens on loopback, refused by default.
		WebhookDestinations: webhook.AddressPolicy{Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}},
		Metrics:             controllers.NewMetrics(),
	}
	mgrOpts := controllers.NewManagerOptions(scheme, opts)
	mgrOpts.HealthProbeBindAddress = "0"
	mgr, err := ctrl.NewManager(sb.cp.cfg, mgrOpts)
	if err != nil {
		return err
	}
	if err := controllers.SetupWithManager(mgr, opts); err != nil {
		return err
	}
	mctx, cancel := context.WithCancel(context.Background())
	sb.mgrCancel, sb.mgrStopped = cancel, make(chan struct{})
	go func() {
		defer close(sb.mgrStopped)
		sb.mgrErr = mgr.Start(mctx)
	}()
	sb.say("operator running (log: %s)", sb.rel(sb.path("operator.log")))
	return nil
}

// applyObjects applies the samples and the demo, starting the receiver.
func (sb *sandbox) applyObjects(ctx context.Context) error {
	if sb.opts.samples {
		created, kept, err := applySamples(ctx, sb.client, filepath.Join(sb.root, "config", "samples"))
		if err != nil {
			return fmt.Errorf("applying config/samples: %w", err)
		}
		sb.say("samples in namespace %s: %d created, %d kept from an earlier run", SamplesNamespace, created, kept)
	}
	if !sb.opts.demo {
		return nil
	}
	var err error
	if sb.recv, err = listenReceiver(); err != nil {
		return err
	}
	if sb.demo, err = ensureDemo(ctx, sb.client, sb.opts.firstResponse, sb.recv.base()); err != nil {
		return fmt.Errorf("creating the demo: %w", err)
	}
	if err := sb.recv.serve(sb.demo.signingKey, sb.path("webhooks.log"), sb.out); err != nil {
		return err
	}
	sb.say("webhook receiver on %s (log: %s)", sb.recv.base(), sb.rel(sb.path("webhooks.log")))
	sb.sayDemo()
	return nil
}

func (sb *sandbox) sayDemo() {
	d := sb.demo
	if len(d.created) > 0 {
		sb.say("demo in namespace %s: policy %s (first response %s, ladder team-lead then manager), complaints created: %s",
			DemoNamespace, DemoPolicy, d.firstResponse, strings.Join(d.created, ", "))
	}
	sb.say("demo story: policy %s (approval, agreement, departments warehouse and billing) for demo/%s, told once ready",
		StoryPolicy, StoryComplaint)
	if len(d.kept) > 0 {
		sb.say("demo complaints kept from an earlier run: %s (delete them, or %s, for fresh ones)", strings.Join(d.kept, ", "), sb.resetHint())
	}
}

// escalated is closed once the demo receiver verified an Escalated
// delivery of a ladder; nil (never ready) without the demo, and unless
// --until-escalated asks to stop there: a sandbox runs until Ctrl-C.
func (sb *sandbox) escalated() <-chan struct{} {
	if sb.recv == nil || sb.opts.untilEscalated <= 0 {
		return nil
	}
	return sb.recv.escalated
}

// stop stops the story, the operator, the receiver and the control plane,
// in that order.
func (sb *sandbox) stop() {
	if sb.storyStop != nil {
		sb.storyStop()
		<-sb.storyDone
	}
	if sb.mgrCancel != nil {
		sb.mgrCancel()
		select {
		case <-sb.mgrStopped:
		case <-time.After(45 * time.Second):
			sb.say("the operator did not stop within 45s")
		}
	}
	if sb.recv != nil {
		sb.recv.close()
	}
	if sb.cp == nil {
		return
	}
	if err := sb.cp.stop(); err != nil {
		sb.say("stopping the control plane: %v", err)
		return
	}
	sb.say("stopped; state kept in %s (%s wipes it)", sb.rel(sb.opts.dir), sb.resetHint())
}

// rel shows path relative to the working directory when it is below it.
func (sb *sandbox) rel(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	r, err := filepath.Rel(wd, path)
	if err != nil || strings.HasPrefix(r, "..") {
		return path
	}
	return r
}

// resetHint is how to wipe the state directory.
func (sb *sandbox) resetHint() string {
	if sb.opts.dir == filepath.Join(sb.root, "bin", "sandbox") {
		return "make sandbox-reset"
	}
	return "rm -rf " + sb.opts.dir
}
