package controllers_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/servicedesk-operator/servicedesk-operator/controllers"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

var (
	ctx       context.Context
	cancel    context.CancelFunc
	testEnv   *envtest.Environment
	cfg       *rest.Config
	k8sClient client.Client
	scheme    *runtime.Scheme
	stopMgr   func()
	// testOptions run the operator with short webhook retries, three
	// requests at most in flight to one destination, and loopback receivers
	// allowed (the test servers listen on 127.0.0.1).
	testOptions = controllers.Options{DeliveryBackoff: webhook.Backoff{Base: 200 * time.Millisecond, Max: time.Second}, DeliveryPerDestination: 3,
		WebhookDestinations: webhook.AddressPolicy{Allowed: loopback}, Metrics: testMetrics}
	// testMetrics are the operator's metrics, registered with
	// controller-runtime's registry as cmd/main.go does; every manager of
	// the suite records in them.
	testMetrics = controllers.NewMetrics()
	// loopback is 127.0.0.0/8 and ::1, allowed for the test receivers.
	loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
)

func TestControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	SetDefaultEventuallyTimeout(20 * time.Second)
	SetDefaultEventuallyPollingInterval(50 * time.Millisecond)
	RunSpecs(t, "Controllers suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.Background())
	var err error
	scheme, err = testenv.Scheme()
	Expect(err).NotTo(HaveOccurred())
	testEnv, cfg, k8sClient, err = testenv.Start(scheme)
	Expect(err).NotTo(HaveOccurred())
	ctrlmetrics.Registry.MustRegister(testMetrics.Collectors()...)
	stopMgr = startManager(testOptions)
})

var _ = AfterSuite(func() {
	if stopMgr != nil {
		stopMgr()
	}
	cancel()
	Expect(testEnv.Stop()).To(Succeed())
})

// startManager runs the operator in-process as cmd/main.go does, and returns
// a function that stops it and waits until it has stopped.
func startManager(opts controllers.Options) func() {
	return startManagerAs(cfg, opts)
}

// startManagerAs runs the operator with its own rest config (a replica of
// its own: tests tell replicas apart by the config's UserAgent, which the
// API server records as the field manager of their writes).
func startManagerAs(cfg *rest.Config, opts controllers.Options) func() {
	mgrOpts := controllers.NewManagerOptions(scheme, opts)
	mgrOpts.Logger = reconciles.logger(logf.Log)
	mgrOpts.Controller = ctrlConfig()
	mgr, err := ctrl.NewManager(cfg, mgrOpts)
	Expect(err).NotTo(HaveOccurred())
	Expect(controllers.SetupWithManager(mgr, opts)).To(Succeed())
	mctx, mcancel := context.WithCancel(ctx)
	managerStarted = time.Now()
	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(done)
		Expect(mgr.Start(mctx)).To(Succeed())
	}()
	return func() {
		mcancel()
		Eventually(done, 30*time.Second).Should(BeClosed())
	}
}

// managerStarted is when the last manager was started.
var managerStarted time.Time

// afterInlineGrace waits until the manager may send inline (its first
// delivery.DefaultInlineGrace sends nothing before the write), for specs
// that expect a notification recorded in the write that queued it.
func afterInlineGrace() {
	time.Sleep(time.Until(managerStarted.Add(delivery.DefaultInlineGrace)))
}

// newNamespace creates a namespace of its own for one test.
func newNamespace() string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "t-" + rand.String(8)}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	return ns.Name
}
