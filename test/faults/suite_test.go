//go:build faults

// Package faults is the fault suite (make test-faults): the operator's real
// binary, run as its own processes with its own RBAC user against a real
// control plane, is SIGKILLed, loses its API server, fails over to a second
// replica, meets hostile webhook receivers and competing writers, and the
// promises of docs/guarantees.md are checked after each.
//
// It is behind the build tag "faults" so that `go test ./...` (make test)
// does not run it. Sizes are env-tunable: FAULTS_COMPLAINTS (scenario 1),
// FAULTS_KILLS, FAULTS_APISERVER_COMPLAINTS, FAULTS_LEADER_COMPLAINTS,
// FAULTS_WRITERS_COMPLAINTS.
package faults

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

var (
	ctx     context.Context
	cancel  context.CancelFunc
	env     *envtest.Environment
	cfg     *rest.Config
	k8s     client.Client
	scheme  *runtime.Scheme
	workdir string
	// managerBin is the binary built from ./cmd; kubeconfig is its user's.
	managerBin, kubeconfig string
	// managerFlags are passed to every manager process (beyond the
	// addresses and the kubeconfig).
	managerFlags []string
	rcv          *receiver
)

// leaseNS holds the leader election leases.
const leaseNS = "faults-leases"

func TestFaults(t *testing.T) {
	RegisterFailHandler(Fail)
	SetDefaultEventuallyTimeout(60 * time.Second)
	SetDefaultEventuallyPollingInterval(200 * time.Millisecond)
	RunSpecs(t, "fault suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.Background())
	var err error
	workdir, err = os.MkdirTemp("", "faults-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() {
		if !anyFailed && os.Getenv("FAULTS_KEEP") == "" {
			_ = os.RemoveAll(workdir)
		} else {
			GinkgoWriter.Printf("manager logs kept in %s\n", workdir)
		}
	})

	By("building the manager binary")
	managerBin = filepath.Join(workdir, "manager")
	Expect(testenv.BuildManager(ctx, managerBin)).To(Succeed())
	if testenv.HasFlag(managerBin, "webhook-allowed-cidrs") {
		// Loopback webhooks are refused by default; the receivers here are on loopback.
		managerFlags = append(managerFlags, "--webhook-allowed-cidrs=127.0.0.0/8,::1/128")
	}

	By("starting etcd and the API server with fixed data, certificate dirs and ports (restartable)")
	scheme, err = testenv.Scheme()
	Expect(err).NotTo(HaveOccurred())
	env, cfg, err = startControlPlane(workdir)
	Expect(err).NotTo(HaveOccurred())
	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	Expect(ensureNamespace(leaseNS)).To(Succeed())
	kubeconfig, err = testenv.AddManagerUser(ctx, env, k8s, workdir, leaseNS)
	Expect(err).NotTo(HaveOccurred())

	By("starting the webhook receiver")
	rcv, err = startReceiver()
	Expect(err).NotTo(HaveOccurred())
})

// anyFailed keeps the managers' logs of a failed run.
var anyFailed bool

var _ = ReportAfterEach(func(r SpecReport) {
	anyFailed = anyFailed || r.Failed()
})

var _ = AfterSuite(func() {
	if rcv != nil {
		rcv.close()
	}
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
	if cancel != nil {
		cancel()
	}
})
