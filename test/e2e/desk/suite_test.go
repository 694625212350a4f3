// Package desk_test is the end-to-end suite of the kubectl desk plugin: it
// builds kubectl-desk, starts a real API server (envtest) with the
// admission policy servicedesk-approvals and the operator running
// in-process, and runs the binary as agents and leads do.
package desk_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

// update rewrites the golden files: go test ./test/e2e/desk/ -args -update
var update = flag.Bool("update", false, "rewrite testdata/*.golden from what the plugin prints")

var (
	ctx       context.Context
	cancel    context.CancelFunc
	testEnv   *envtest.Environment
	k8sClient client.Client
	scheme    *runtime.Scheme
	// binary is the kubectl-desk built for the suite.
	binary string
	// kubeconfigs of the two people of the story.
	agentKubeconfig, leadKubeconfig string
	// warehouseKubeconfig and billingKubeconfig are two departments' users,
	// allowed nothing but what the ClusterRole fulfillerRole grants where a
	// namespace binds it (bindFulfiller).
	warehouseKubeconfig, billingKubeconfig string
	// fulfillerRole is the ClusterRole of config/rbac/remedy_fulfiller_role.yaml.
	fulfillerRole string
	// receiver takes webhooks: 200 on /ok, 410 Gone on /gone.
	receiver *httptest.Server
	mgrDone  chan struct{}
)

func TestDesk(t *testing.T) {
	RegisterFailHandler(Fail)
	SetDefaultEventuallyTimeout(20 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)
	RunSpecs(t, "kubectl desk e2e suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.Background())
	dir := GinkgoT().TempDir()

	By("building kubectl-desk")
	binary = filepath.Join(dir, "kubectl-desk")
	build := exec.Command("go", "build", "-o", binary, "./cmd/kubectl-desk")
	build.Dir = testenv.RepoRoot()
	out, err := build.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(out))

	By("starting the API server with the CRDs")
	scheme, err = testenv.Scheme()
	Expect(err).NotTo(HaveOccurred())
	testEnv = testenv.New()
	restCfg, err := testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	k8sClient, err = client.New(restCfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	By("installing the admission policy servicedesk-approvals as config/default ships it")
	_, err = testenv.InstallAdmissionPolicy(ctx, k8sClient, testenv.AdmissionEnforced(k8sClient, "default"))
	Expect(err).NotTo(HaveOccurred(), "the admission policy is not enforced")

	By("writing a kubeconfig for an agent and one for a lead")
	agentKubeconfig = writeKubeconfig(dir, "agent-bob")
	leadKubeconfig = writeKubeconfig(dir, "lead-carol")

	By("writing kubeconfigs for a warehouse and a billing user with no role but the remedy fulfiller's, as config/default names it")
	role, err := testenv.FulfillerRole()
	Expect(err).NotTo(HaveOccurred())
	role.Name = "servicedesk-" + role.Name
	Expect(k8sClient.Create(ctx, role)).To(Succeed())
	fulfillerRole = role.Name
	warehouseKubeconfig = writeUserKubeconfig(dir, "warehouse-wendy")
	billingKubeconfig = writeUserKubeconfig(dir, "billing-bea")

	By("starting a webhook receiver")
	receiver = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/gone" {
			w.WriteHeader(http.StatusGone)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))

	By("running the operator in-process")
	opts := controllers.Options{
		DeliveryBackoff: webhook.Backoff{Base: 200 * time.Millisecond, Max: time.Second},
		// The test receivers listen on loopback, refused by default.
		WebhookDestinations: webhook.AddressPolicy{Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}},
	}
	mgrOpts := controllers.NewManagerOptions(scheme, opts)
	mgrOpts.Controller = config.Controller{SkipNameValidation: ptr.To(true)}
	mgr, err := ctrl.NewManager(restCfg, mgrOpts)
	Expect(err).NotTo(HaveOccurred())
	Expect(controllers.SetupWithManager(mgr, opts)).To(Succeed())
	mgrDone = make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(mgrDone)
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
})

var _ = AfterSuite(func() {
	if cancel != nil {
		cancel()
	}
	if mgrDone != nil {
		Eventually(mgrDone, 30*time.Second).Should(BeClosed())
	}
	if receiver != nil {
		receiver.Close()
	}
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

// writeKubeconfig writes the kubeconfig of a new user of the API server
// (in system:masters, so allowed everything) and returns its path.
func writeKubeconfig(dir, name string) string {
	return writeUserKubeconfig(dir, name, "system:masters")
}

// writeUserKubeconfig writes the kubeconfig of a new user of the API
// server in groups (none: allowed what RBAC grants the user by name, and
// what every authenticated user may, such as asking who they are) and
// returns its path.
func writeUserKubeconfig(dir, name string, groups ...string) string {
	user, err := testEnv.AddUser(envtest.User{Name: name, Groups: groups}, nil)
	Expect(err).NotTo(HaveOccurred())
	b, err := user.KubeConfig()
	Expect(err).NotTo(HaveOccurred())
	path := filepath.Join(dir, name+".kubeconfig")
	Expect(os.WriteFile(path, b, 0o600)).To(Succeed())
	return path
}

// bindFulfiller binds the remedy fulfiller's ClusterRole to the warehouse
// and the billing user in namespace ns, as a team binds it for its
// departments.
func bindFulfiller(ns string) {
	GinkgoHelper()
	for _, user := range []string{"warehouse-wendy", "billing-bea"} {
		Expect(k8sClient.Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: user + "-remedies", Namespace: ns},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: fulfillerRole},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
		})).To(Succeed())
	}
}

// result is what a run of kubectl-desk printed and how it exited.
type result struct {
	stdout, stderr string
	code           int
}

// deskIn is a run of kubectl desk as the person of *kubeconfig in the
// namespace *ns. Both are read when it runs: the suite and a BeforeAll set
// them after the Describe made the closure.
func deskIn(kubeconfig, ns *string) func(args ...string) result {
	return func(args ...string) result {
		GinkgoHelper()
		return desk(*kubeconfig, append([]string{"-n", *ns}, args...)...)
	}
}

// complaintIn reads a complaint of the namespace *ns (read when it runs,
// like deskIn's).
func complaintIn(ns *string) func(name string) *supportv1.Complaint {
	return func(name string) *supportv1.Complaint {
		GinkgoHelper()
		c := &supportv1.Complaint{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: *ns, Name: name}, c)).To(Succeed())
		return c
	}
}

// ok expects a run of kubectl desk to have succeeded and returns what it
// printed.
func ok(r result) string {
	GinkgoHelper()
	Expect(r.code).To(BeZero(), "stderr: %s", r.stderr)
	return r.stdout
}

// desk runs kubectl-desk with kubeconfig and args, piped (no terminal).
func desk(kubeconfig string, args ...string) result {
	GinkgoHelper()
	cmd := exec.CommandContext(ctx, binary, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		r.code = exit.ExitCode()
	} else {
		Expect(err).NotTo(HaveOccurred())
	}
	GinkgoWriter.Printf("$ kubectl desk %v\n%s%s(exit %d)\n", args, r.stdout, r.stderr, r.code)
	return r
}

// nextSecond waits for the next whole second: the operator stamps steps to
// the second, so a step taken after it sorts after the steps before it
// whatever the machine's speed (the golden timelines depend on that order).
func nextSecond() {
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
}
