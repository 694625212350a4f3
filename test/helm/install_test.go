//go:build helm

package helm_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

// The kinds of the operator, and the namespace of the records.
var (
	complaintGVK = schema.GroupVersionKind{Group: "support.servicedesk.dev", Version: "v1alpha1", Kind: "Complaint"}
	policyGVK    = schema.GroupVersionKind{Group: "support.servicedesk.dev", Version: "v1alpha1", Kind: "ServicePolicy"}
	crdGVK       = schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}
	crdNames     = []string{"complaints.support.servicedesk.dev", "escalations.support.servicedesk.dev", "servicepolicies.support.servicedesk.dev"}
)

const recordsNS = "support"

// cluster is an API server (envtest, no CRDs: the chart installs them) with
// a kubeconfig for helm and kubectl and a client.
type cluster struct {
	env        *envtest.Environment
	kubeconfig string
	c          client.Client
}

// startCluster starts an API server for an Ordered container and stops it
// after.
func startCluster() *cluster {
	cl := &cluster{env: &envtest.Environment{BinaryAssetsDirectory: assetsDir()}}
	cfg, err := cl.env.Start()
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Expect(cl.env.Stop()).To(Succeed()) })
	user, err := cl.env.AddUser(envtest.User{Name: "helm-admin", Groups: []string{"system:masters"}}, nil)
	Expect(err).NotTo(HaveOccurred())
	b, err := user.KubeConfig()
	Expect(err).NotTo(HaveOccurred())
	cl.kubeconfig = filepath.Join(GinkgoT().TempDir(), "kubeconfig")
	Expect(os.WriteFile(cl.kubeconfig, b, 0o600)).To(Succeed())
	scheme, err := testenv.Scheme()
	Expect(err).NotTo(HaveOccurred())
	cl.c, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	return cl
}

// helm runs helm against the cluster.
func (cl *cluster) helm(args ...string) string {
	GinkgoHelper()
	out, err := helm(append(args, "--kubeconfig", cl.kubeconfig)...)
	Expect(err).NotTo(HaveOccurred())
	return out
}

// kubectl runs envtest's kubectl against the cluster.
func (cl *cluster) kubectl(args ...string) string {
	GinkgoHelper()
	cmd := exec.Command(filepath.Join(assetsDir(), "kubectl"), append(args, "--kubeconfig", cl.kubeconfig, "--cache-dir", filepath.Join(helmHome, "kube-cache"))...)
	out, err := cmd.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "kubectl %s: %s", strings.Join(args, " "), out)
	return string(out)
}

// crd returns the CRD named name, or nil when there is none.
func (cl *cluster) crd(ctx context.Context, name string) *unstructured.Unstructured {
	GinkgoHelper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(crdGVK)
	err := cl.c.Get(ctx, client.ObjectKey{Name: name}, u)
	if apierrors.IsNotFound(err) {
		return nil
	}
	Expect(err).NotTo(HaveOccurred())
	return u
}

// expectCRDsServed waits until each CRD is established and returns their
// UIDs by name.
func (cl *cluster) expectCRDsServed(ctx context.Context) map[string]string {
	GinkgoHelper()
	uids := map[string]string{}
	for _, name := range crdNames {
		Eventually(func(g Gomega) {
			u := cl.crd(ctx, name)
			g.Expect(u).NotTo(BeNil(), name)
			conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
			g.Expect(conds).To(ContainElement(And(HaveKeyWithValue("type", "Established"), HaveKeyWithValue("status", "True"))), name)
			uids[name] = string(u.GetUID())
		}).Should(Succeed())
	}
	return uids
}

// records returns "Kind/name uid spec" of every ServicePolicy and Complaint
// in the records namespace, sorted.
func (cl *cluster) records(ctx context.Context) []string {
	GinkgoHelper()
	var out []string
	for _, gvk := range []schema.GroupVersionKind{policyGVK, complaintGVK} {
		l := &unstructured.UnstructuredList{}
		l.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		Expect(cl.c.List(ctx, l, client.InNamespace(recordsNS))).To(Succeed())
		for _, o := range l.Items {
			spec, err := yaml.Marshal(o.Object["spec"])
			Expect(err).NotTo(HaveOccurred())
			out = append(out, gvk.Kind+"/"+o.GetName()+" "+string(o.GetUID())+" "+string(spec))
		}
	}
	sort.Strings(out)
	return out
}

// createRecords creates the sample policies and complaints of config/samples
// in the records namespace; withFinalizer also holds one complaint by the
// archive finalizer, as the operator does. It returns how many.
func (cl *cluster) createRecords(ctx context.Context, withFinalizer bool) int {
	GinkgoHelper()
	Expect(client.IgnoreAlreadyExists(cl.c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: recordsNS}}))).To(Succeed())
	var paths []string
	for _, pattern := range []string{"*servicepolicy*.yaml", "*complaint*.yaml"} {
		m, err := filepath.Glob(filepath.Join(testenv.RepoRoot(), "config", "samples", pattern))
		Expect(err).NotTo(HaveOccurred())
		paths = append(paths, m...)
	}
	Expect(len(paths)).To(BeNumerically(">=", 3))
	held := false
	for _, p := range paths {
		b, err := os.ReadFile(p)
		Expect(err).NotTo(HaveOccurred())
		u := &unstructured.Unstructured{}
		Expect(yaml.Unmarshal(b, &u.Object)).To(Succeed())
		u.SetNamespace(recordsNS)
		if withFinalizer && !held && u.GetKind() == "Complaint" {
			u.SetFinalizers([]string{"support.servicedesk.dev/archive"})
			held = true
		}
		Expect(cl.c.Create(ctx, u)).To(Succeed(), p)
	}
	return len(paths)
}

// chartCopy copies dist/chart into a temporary directory, with edit applied
// to each file (path relative to the chart, content) and returns its path.
func chartCopy(edit func(rel string, b []byte) []byte) string {
	dir := filepath.Join(GinkgoT().TempDir(), "servicedesk-operator")
	Expect(filepath.WalkDir(chartDir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(chartDir, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), edit(filepath.ToSlash(rel), b), 0o644)
	})).To(Succeed())
	return dir
}

var _ = Describe("helm install, upgrade and uninstall with complaints present", Ordered, func() {
	const ns = "servicedesk-system"
	var (
		cl       *cluster
		crdUIDs  map[string]string
		records  []string
		nRecords int
	)
	BeforeAll(func() { cl = startCluster() })

	It("installs an older chart (no --wait: envtest runs no pods)", func(ctx SpecContext) {
		// The previous release: chart 0.0.1, whose Complaint CRD lacks
		// the short name cmp.
		old := chartCopy(func(rel string, b []byte) []byte {
			s := string(b)
			switch rel {
			case "Chart.yaml":
				s = replaceLine(s, "version: ", "version: 0.0.1")
			case "templates/crds/support.servicedesk.dev_complaints.yaml":
				Expect(s).To(ContainSubstring("    shortNames:\n    - cmp\n"))
				s = strings.Replace(s, "    shortNames:\n    - cmp\n", "", 1)
			}
			return []byte(s)
		})
		out := cl.helm("install", release, old, "--namespace", ns, "--create-namespace", "--timeout", "2m")
		Expect(out).To(ContainSubstring("STATUS: deployed"))
		crdUIDs = cl.expectCRDsServed(ctx)
		Expect(field(cl.crd(ctx, "complaints.support.servicedesk.dev").Object, "spec", "names", "shortNames")).To(BeNil())

		d := &unstructured.Unstructured{}
		d.SetAPIVersion("apps/v1")
		d.SetKind("Deployment")
		Expect(cl.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: release}, d)).To(Succeed())
	})

	It("keeps every record through helm upgrade, which upgrades the CRDs", func(ctx SpecContext) {
		nRecords = cl.createRecords(ctx, true)
		records = cl.records(ctx)
		Expect(records).To(HaveLen(nRecords))

		out := cl.helm("upgrade", release, chartDir, "--namespace", ns, "--set", "workers.complaints=16", "--timeout", "2m")
		Expect(out).To(ContainSubstring("STATUS: deployed"))
		Expect(out).To(ContainSubstring("REVISION: 2"))

		Expect(cl.expectCRDsServed(ctx)).To(Equal(crdUIDs), "the CRDs are updated in place, not replaced")
		crd := cl.crd(ctx, "complaints.support.servicedesk.dev")
		Expect(field(crd.Object, "spec", "names", "shortNames")).To(Equal([]any{"cmp"}), "the CRD of the new chart")
		Expect(crd.GetLabels()).To(HaveKeyWithValue("helm.sh/chart", "servicedesk-operator-0.1.0"))
		Expect(crd.GetAnnotations()).To(HaveKeyWithValue("helm.sh/resource-policy", "keep"))

		d := &unstructured.Unstructured{}
		d.SetAPIVersion("apps/v1")
		d.SetKind("Deployment")
		Expect(cl.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: release}, d)).To(Succeed())
		Expect(args(d)).To(ContainElement("--complaint-workers=16"))
		vap := &unstructured.Unstructured{}
		vap.SetAPIVersion("admissionregistration.k8s.io/v1")
		vap.SetKind("ValidatingAdmissionPolicyBinding")
		Expect(cl.c.Get(ctx, client.ObjectKey{Name: release + "-approvals"}, vap)).To(Succeed(), "the admission policy is installed")
		Expect(field(vap.Object, "spec", "policyName")).To(Equal(release + "-approvals"))

		Expect(cl.records(ctx)).To(Equal(records))
		Eventually(func() string { return cl.kubectl("get", "cmp", "-n", recordsNS, "-o", "name") }).
			Should(ContainSubstring("complaint.support.servicedesk.dev/"), "the new short name is served")
	})

	It("keeps the CRDs and every record through helm uninstall", func(ctx SpecContext) {
		out := cl.helm("uninstall", release, "--namespace", ns, "--timeout", "2m")
		Expect(out).To(ContainSubstring("uninstalled"))

		// The release's objects are gone ...
		for _, o := range []struct{ apiVersion, kind, ns, name string }{
			{"apps/v1", "Deployment", ns, release},
			{"rbac.authorization.k8s.io/v1", "ClusterRole", "", release + "-manager-role"},
			{"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "", release + "-manager-rolebinding"},
			{"admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy", "", release + "-approvals"},
			{"admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicyBinding", "", release + "-approvals"},
			{"v1", "ServiceAccount", ns, release},
		} {
			u := &unstructured.Unstructured{}
			u.SetAPIVersion(o.apiVersion)
			u.SetKind(o.kind)
			Eventually(func() error { return cl.c.Get(ctx, client.ObjectKey{Namespace: o.ns, Name: o.name}, u) }).
				Should(Satisfy(apierrors.IsNotFound), "%s %s", o.kind, o.name)
		}
		Expect(cl.helm("list", "--namespace", ns, "--short")).To(BeEmpty())

		// ... the CRDs and the records are not.
		Expect(cl.expectCRDsServed(ctx)).To(Equal(crdUIDs))
		Consistently(func() []string { return cl.records(ctx) }, "2s").Should(Equal(records))
	})

	It("adopts the kept CRDs when installed again", func(ctx SpecContext) {
		out := cl.helm("install", release, chartDir, "--namespace", ns, "--timeout", "2m")
		Expect(out).To(ContainSubstring("STATUS: deployed"))
		Expect(cl.expectCRDsServed(ctx)).To(Equal(crdUIDs))
		Expect(cl.records(ctx)).To(Equal(records))
	})
})

var _ = Describe("helm uninstall with crds.keep=false", Ordered, func() {
	const ns = "desk-throwaway"
	var cl *cluster
	BeforeAll(func() { cl = startCluster() })

	It("deletes the CRDs and every record with them", func(ctx SpecContext) {
		cl.helm("install", "throwaway", chartDir, "--namespace", ns, "--create-namespace", "--set", "crds.keep=false", "--timeout", "2m")
		cl.expectCRDsServed(ctx)
		for _, name := range crdNames {
			Expect(cl.crd(ctx, name).GetAnnotations()).NotTo(HaveKey("helm.sh/resource-policy"))
		}
		// No finalizers: nothing runs here to release them (with the
		// operator gone, a held complaint would hold its CRD; see
		// docs/install.md).
		n := cl.createRecords(ctx, false)
		Expect(cl.records(ctx)).To(HaveLen(n))

		out := cl.helm("uninstall", "throwaway", "--namespace", ns, "--timeout", "2m")
		Expect(out).To(ContainSubstring("uninstalled"))
		for _, name := range crdNames {
			Eventually(func() *unstructured.Unstructured { return cl.crd(ctx, name) }).Should(BeNil(), name)
		}
		l := &unstructured.UnstructuredList{}
		l.SetGroupVersionKind(complaintGVK.GroupVersion().WithKind("ComplaintList"))
		Eventually(func() error { return cl.c.List(ctx, l, client.InNamespace(recordsNS)) }).
			Should(Satisfy(func(err error) bool { return meta.IsNoMatchError(err) || apierrors.IsNotFound(err) }))
	})
})

// replaceLine replaces the line of s starting with prefix by line.
func replaceLine(s, prefix, line string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			lines[i] = line
			return strings.Join(lines, "\n")
		}
	}
	Fail("no line starting with " + prefix)
	return s
}
