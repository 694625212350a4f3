//go:build helm

package helm_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

// chartName is the name the chart (release servicedesk-operator) gives the
// object kustomize build config/default names kname ("" for none).
func chartName(kind, kname string) string {
	switch kind {
	case "Namespace":
		return "" // helm install --create-namespace
	case "CustomResourceDefinition":
		return kname
	case "Service":
		return release + "-metrics"
	case "ServiceAccount", "Deployment", "NetworkPolicy":
		return release
	}
	return release + "-" + strings.TrimPrefix(kname, "servicedesk-")
}

// clusterScoped says whether the chart's objects of kind have no namespace.
func clusterScoped(kind string) bool {
	return kind == "CustomResourceDefinition" || strings.HasPrefix(kind, "Cluster") || strings.HasPrefix(kind, "ValidatingAdmissionPolicy")
}

// kustomizedObj returns the object of kind of config/default that the
// chart's object of kind named name stands for.
func kustomizedObj(kind, name string) *unstructured.Unstructured {
	for _, k := range kustomized {
		if k.GetKind() == kind && chartName(kind, k.GetName()) == name {
			return k
		}
	}
	Fail("config/default has no " + kind + " for the chart's " + name)
	return nil
}

// stripped returns a copy of obj.Object without the fields at paths.
func stripped(obj map[string]any, paths ...[]string) map[string]any {
	c := runtimeDeepCopy(obj)
	for _, p := range paths {
		unstructured.RemoveNestedField(c, p...)
	}
	return c
}

func runtimeDeepCopy(m map[string]any) map[string]any {
	return (&unstructured.Unstructured{Object: m}).DeepCopy().Object
}

// labelsOf returns the labels of obj at path (metadata.labels by default).
func labelsOf(obj map[string]any, path ...string) map[string]string {
	if len(path) == 0 {
		path = []string{"metadata", "labels"}
	}
	m, _, _ := unstructured.NestedStringMap(obj, path...)
	return m
}

// subset checks every entry of small is in big.
func subset(small, big map[string]string) {
	GinkgoHelper()
	for k, v := range small {
		Expect(big).To(HaveKeyWithValue(k, v))
	}
}

var _ = Describe("helm lint", func() {
	It("passes on the chart with its defaults", func() {
		out, err := helm("lint", "--strict", chartDir)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring("0 chart(s) failed"))
	})
	It("passes with every toggle on", func() {
		out, err := helm("lint", "--strict", chartDir, "-f", valuesFile(allOn))
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring("0 chart(s) failed"))
	})
})

// allOn turns on everything that is off by default.
const allOn = `
replicaCount: 2
podDisruptionBudget: {enabled: true}
metrics:
  serviceMonitor: {enabled: true, additionalLabels: {release: kube-prometheus-stack}, interval: 30s}
  prometheusRule: {enabled: true, additionalLabels: {release: kube-prometheus-stack}}
grafana:
  dashboard: {enabled: true}
webhook:
  clusterCIDRs: [10.96.0.0/12, 10.244.0.0/16]
workers: {complaints: 16}
`

var _ = Describe("helm template with the defaults", func() {
	var objs []*unstructured.Unstructured
	BeforeEach(func() { objs = mustRender("") })

	It("renders what config/default installs, and nothing else", func() {
		var want []string
		for _, k := range kustomized {
			if n := chartName(k.GetKind(), k.GetName()); n != "" {
				want = append(want, k.GetKind()+"/"+n)
			}
		}
		sort.Strings(want)
		Expect(ids(objs)).To(Equal(want))
		for _, o := range objs {
			if !clusterScoped(o.GetKind()) {
				Expect(o.GetNamespace()).To(Equal(namespace), "%s %s", o.GetKind(), o.GetName())
			}
			Expect(o.GetLabels()).To(HaveKeyWithValue("app.kubernetes.io/name", "servicedesk-operator"), "%s %s", o.GetKind(), o.GetName())
			Expect(o.GetLabels()).To(HaveKeyWithValue("app.kubernetes.io/managed-by", "Helm"), "%s %s", o.GetKind(), o.GetName())
		}
	})

	It("has the CRDs of config/crd/bases, kept on uninstall", func() {
		paths, err := filepath.Glob(filepath.Join(testenv.RepoRoot(), "config", "crd", "bases", "*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(paths).NotTo(BeEmpty())
		Expect(ofKind(objs, "CustomResourceDefinition")).To(HaveLen(len(paths)))
		for _, p := range paths {
			want := readYAML(strings.TrimPrefix(p, testenv.RepoRoot()+"/"))
			name := field(want, "metadata", "name").(string)
			got := find(objs, "CustomResourceDefinition", name)
			Expect(got).NotTo(BeNil(), name)
			Expect(got.GetAnnotations()).To(HaveKeyWithValue("helm.sh/resource-policy", "keep"))
			Expect(stripped(got.Object, []string{"metadata", "labels"}, []string{"metadata", "annotations", "helm.sh/resource-policy"})).
				To(Equal(want), "%s differs from %s: run make helm", name, p)
		}
	})

	It("has the RBAC of config/rbac", func() {
		for _, kind := range []string{"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"} {
			for _, o := range ofKind(objs, kind) {
				k := kustomizedObj(kind, o.GetName())
				if !strings.HasSuffix(kind, "Binding") {
					Expect(o.Object["rules"]).NotTo(BeEmpty(), "%s %s", kind, o.GetName())
					Expect(o.Object["rules"]).To(Equal(k.Object["rules"]), "%s %s", kind, o.GetName())
				}
				for key, v := range k.GetLabels() {
					if strings.HasPrefix(key, "rbac.authorization.k8s.io/") {
						Expect(o.GetLabels()).To(HaveKeyWithValue(key, v), "%s %s", kind, o.GetName())
					}
				}
				if !strings.HasSuffix(kind, "Binding") {
					continue
				}
				Expect(field(o.Object, "roleRef", "kind")).To(Equal(field(k.Object, "roleRef", "kind")))
				Expect(field(o.Object, "roleRef", "name")).To(Equal(chartName("Role", field(k.Object, "roleRef", "name").(string))))
				Expect(o.Object["subjects"]).To(Equal([]any{map[string]any{"kind": "ServiceAccount", "name": release, "namespace": namespace}}))
			}
		}
	})

	It("has the admission policy of config/admission, its binding naming it", func() {
		p := find(objs, "ValidatingAdmissionPolicy", release+"-approvals")
		Expect(p).NotTo(BeNil())
		Expect(p.Object["spec"]).To(Equal(kustomizedObj("ValidatingAdmissionPolicy", p.GetName()).Object["spec"]), "run make helm")
		b := find(objs, "ValidatingAdmissionPolicyBinding", release+"-approvals")
		Expect(b).NotTo(BeNil())
		k := kustomizedObj("ValidatingAdmissionPolicyBinding", b.GetName())
		Expect(field(k.Object, "spec", "policyName")).To(Equal("servicedesk-approvals"))
		Expect(field(b.Object, "spec", "policyName")).To(Equal(p.GetName()))
		Expect(stripped(field(b.Object, "spec").(map[string]any), []string{"policyName"})).
			To(Equal(stripped(field(k.Object, "spec").(map[string]any), []string{"policyName"})))
		Expect(field(b.Object, "spec", "validationActions")).To(Equal([]any{"Deny"}))
		for _, o := range []*unstructured.Unstructured{p, b} {
			Expect(o.GetNamespace()).To(BeEmpty(), "cluster-scoped")
		}
	})

	It("runs the manager as config/manager does", func() {
		d := find(objs, "Deployment", release)
		Expect(d).NotTo(BeNil())
		k := kustomizedObj("Deployment", release)

		c := container(d)
		Expect(c["image"]).To(Equal("servicedesk-operator:v0.1.0"), "the image tag is the chart's appVersion")
		Expect(c["imagePullPolicy"]).To(Equal("IfNotPresent"))
		Expect(field(d.Object, "spec", "template", "spec", "serviceAccountName")).To(Equal(release))
		subset(labelsOf(k.Object, "spec", "selector", "matchLabels"), labelsOf(d.Object, "spec", "selector", "matchLabels"))
		subset(labelsOf(d.Object, "spec", "selector", "matchLabels"), labelsOf(d.Object, "spec", "template", "metadata", "labels"))

		// Everything else of the pod, as config/manager/manager.yaml.
		norm := func(obj map[string]any) map[string]any {
			spec := runtimeDeepCopy(field(obj, "spec").(map[string]any))
			unstructured.RemoveNestedField(spec, "selector")
			unstructured.RemoveNestedField(spec, "template", "metadata", "labels")
			unstructured.RemoveNestedField(spec, "template", "spec", "serviceAccountName")
			cs := spec["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)
			for _, c := range cs {
				c := c.(map[string]any)
				delete(c, "image")
				delete(c, "imagePullPolicy")
				a := c["args"].([]any)
				sort.Slice(a, func(i, j int) bool { return a[i].(string) < a[j].(string) })
			}
			return spec
		}
		Expect(norm(d.Object)).To(Equal(norm(k.Object)))
	})

	It("serves metrics as config/default does", func() {
		s := find(objs, "Service", release+"-metrics")
		Expect(s).NotTo(BeNil())
		k := kustomizedObj("Service", s.GetName())
		Expect(field(s.Object, "spec", "ports")).To(Equal(field(k.Object, "spec", "ports")))
		d := find(objs, "Deployment", release)
		Expect(labelsOf(s.Object, "spec", "selector")).To(Equal(labelsOf(d.Object, "spec", "selector", "matchLabels")))
		Expect(s.GetLabels()).To(HaveKeyWithValue("app.kubernetes.io/name", "servicedesk-operator"), "the ServiceMonitor's job label")
	})

	It("has the NetworkPolicy of config/default", func() {
		np := find(objs, "NetworkPolicy", release)
		Expect(np).NotTo(BeNil())
		k := kustomizedObj("NetworkPolicy", release)
		Expect(stripped(field(np.Object, "spec").(map[string]any), []string{"podSelector"})).
			To(Equal(stripped(field(k.Object, "spec").(map[string]any), []string{"podSelector"})))
		d := find(objs, "Deployment", release)
		Expect(labelsOf(np.Object, "spec", "podSelector", "matchLabels")).To(Equal(labelsOf(d.Object, "spec", "selector", "matchLabels")))
	})

	It("needs no prometheus-operator or Grafana", func() {
		for _, o := range objs {
			Expect(o.GetAPIVersion()).NotTo(HavePrefix("monitoring.coreos.com/"))
			Expect(o.GetKind()).NotTo(Equal("ConfigMap"))
		}
	})
})

var _ = Describe("helm template with a value set", func() {
	// deployment renders values and returns the Deployment.
	deployment := func(values string) *unstructured.Unstructured {
		GinkgoHelper()
		d := find(mustRender(values), "Deployment", release)
		Expect(d).NotTo(BeNil())
		return d
	}

	It("metrics.serviceMonitor.enabled: the ServiceMonitor of config/prometheus", func() {
		objs := mustRender("metrics: {serviceMonitor: {enabled: true, interval: 30s, additionalLabels: {release: kps}}}")
		sm := find(objs, "ServiceMonitor", release)
		Expect(sm).NotTo(BeNil())
		Expect(sm.GetNamespace()).To(Equal(namespace))
		Expect(sm.GetLabels()).To(HaveKeyWithValue("release", "kps"))
		want := readYAML("config/prometheus/servicemonitor.yaml")
		Expect(field(sm.Object, "spec", "jobLabel")).To(Equal(field(want, "spec", "jobLabel")))
		ep := field(sm.Object, "spec", "endpoints").([]any)
		Expect(ep).To(HaveLen(1))
		Expect(ep[0]).To(HaveKeyWithValue("interval", "30s"))
		delete(ep[0].(map[string]any), "interval")
		Expect(ep).To(Equal(field(want, "spec", "endpoints")))
		// It selects the metrics Service, whose app.kubernetes.io/name is the job.
		s := find(objs, "Service", release+"-metrics")
		subset(labelsOf(sm.Object, "spec", "selector", "matchLabels"), s.GetLabels())
	})

	It("metrics.prometheusRule.enabled: the rules of config/prometheus", func() {
		objs := mustRender("metrics: {prometheusRule: {enabled: true, additionalLabels: {release: kps, role: custom}}}")
		pr := find(objs, "PrometheusRule", release)
		Expect(pr).NotTo(BeNil())
		Expect(pr.GetNamespace()).To(Equal(namespace))
		want := readYAML("config/prometheus/prometheusrule.yaml")
		Expect(pr.Object["spec"]).To(Equal(want["spec"]), "run make helm")
		Expect(pr.GetLabels()).To(HaveKeyWithValue("release", "kps"))
		Expect(pr.GetLabels()).To(HaveKeyWithValue("role", "custom"), "additionalLabels win")
		Expect(pr.GetLabels()).To(HaveKeyWithValue("prometheus", "k8s"))
	})

	It("grafana.dashboard.enabled: a ConfigMap for the sidecar with config/grafana's dashboard", func() {
		objs := mustRender("grafana: {dashboard: {enabled: true, namespace: monitoring, additionalLabels: {team: desk}}}")
		cm := find(objs, "ConfigMap", release+"-dashboard")
		Expect(cm).NotTo(BeNil())
		Expect(cm.GetNamespace()).To(Equal("monitoring"))
		Expect(cm.GetLabels()).To(HaveKeyWithValue("grafana_dashboard", "1"))
		Expect(cm.GetLabels()).To(HaveKeyWithValue("team", "desk"))
		Expect(cm.GetAnnotations()).To(HaveKeyWithValue("grafana_folder", "Service desk"))
		want, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "grafana", "servicedesk.json"))
		Expect(err).NotTo(HaveOccurred())
		got := field(cm.Object, "data", "servicedesk.json").(string)
		Expect(got).To(Equal(strings.TrimRight(string(want), "\n")))
		Expect(json.Valid([]byte(got))).To(BeTrue())
	})

	It("crds.install=false: no CRDs, the rest unchanged", func() {
		all, without := mustRender(""), mustRender("crds: {install: false}")
		Expect(ofKind(without, "CustomResourceDefinition")).To(BeEmpty())
		Expect(without).To(HaveLen(len(all) - len(ofKind(all, "CustomResourceDefinition"))))
	})

	It("crds.keep=false: the CRDs without helm.sh/resource-policy", func() {
		crds := ofKind(mustRender("crds: {keep: false}"), "CustomResourceDefinition")
		Expect(crds).NotTo(BeEmpty())
		for _, c := range crds {
			Expect(c.GetAnnotations()).NotTo(HaveKey("helm.sh/resource-policy"))
			Expect(c.GetAnnotations()).To(HaveKey("controller-gen.kubebuilder.io/version"))
		}
	})

	It("podDisruptionBudget.enabled: a PDB of the manager's pods", func() {
		objs := mustRender("podDisruptionBudget: {enabled: true}")
		pdb := find(objs, "PodDisruptionBudget", release)
		Expect(pdb).NotTo(BeNil())
		Expect(field(pdb.Object, "spec", "minAvailable")).To(BeEquivalentTo(1))
		Expect(labelsOf(pdb.Object, "spec", "selector", "matchLabels")).To(Equal(labelsOf(find(objs, "Deployment", release).Object, "spec", "selector", "matchLabels")))

		pdb = find(mustRender("podDisruptionBudget: {enabled: true, maxUnavailable: 50%}"), "PodDisruptionBudget", release)
		Expect(field(pdb.Object, "spec", "maxUnavailable")).To(Equal("50%"))
		Expect(field(pdb.Object, "spec", "minAvailable")).To(BeNil())
	})

	It("admission.enabled=false: no admission policy, the rest unchanged", func() {
		all, without := mustRender(""), mustRender("admission: {enabled: false}")
		Expect(ofKind(without, "ValidatingAdmissionPolicy")).To(BeEmpty())
		Expect(ofKind(without, "ValidatingAdmissionPolicyBinding")).To(BeEmpty())
		Expect(without).To(HaveLen(len(all) - 2))
	})

	It("networkPolicy.enabled=false: no NetworkPolicy", func() {
		Expect(ofKind(mustRender("networkPolicy: {enabled: false}"), "NetworkPolicy")).To(BeEmpty())
	})

	It("leaderElection.enabled=false: no --leader-elect", func() {
		Expect(args(deployment(""))).To(ContainElement("--leader-elect"))
		Expect(args(deployment("leaderElection: {enabled: false}"))).NotTo(ContainElement("--leader-elect"))
	})

	It("replicaCount", func() {
		Expect(field(deployment("replicaCount: 3").Object, "spec", "replicas")).To(BeEquivalentTo(3))
		_, err := render("replicaCount: 2\nleaderElection: {enabled: false}")
		Expect(err).To(MatchError(ContainSubstring("needs leaderElection.enabled")))
	})

	It("webhook CIDRs, workers, watchLabelSelector and extraArgs: manager flags", func() {
		a := args(deployment(`
webhook: {allowedCIDRs: [127.0.0.0/8, "::1/128"], clusterCIDRs: [10.96.0.0/12, 10.244.0.0/16], inlineDeliveryWait: 400ms}
workers: {complaints: 16, escalations: 5, policies: 3, delivery: 64, deliveryPerDestination: 8}
watchLabelSelector: '!support.servicedesk.dev/shard'
extraArgs: [--zap-log-level=debug, --reconcile-timeout=1m]
`))
		Expect(a).To(ContainElements(
			"--webhook-allowed-cidrs=127.0.0.0/8,::1/128",
			"--cluster-cidrs=10.96.0.0/12,10.244.0.0/16", "--inline-delivery-wait=400ms",
			"--complaint-workers=16", "--escalation-workers=5", "--policy-workers=3",
			"--delivery-workers=64", "--delivery-per-destination=8",
			"--watch-label-selector=!support.servicedesk.dev/shard"))
		Expect(a[len(a)-2:]).To(Equal([]string{"--zap-log-level=debug", "--reconcile-timeout=1m"}), "extraArgs come last")

		for _, a := range args(deployment("")) {
			for _, flag := range []string{"--webhook-allowed-cidrs", "--cluster-cidrs", "--complaint-workers", "--delivery-workers", "--watch-label-selector"} {
				Expect(a).NotTo(HavePrefix(flag), "not set by default")
			}
		}
	})

	It("image: tag, digest and pullPolicy", func() {
		c := container(deployment("image: {repository: registry.example/desk/servicedesk-operator, tag: v9.9.9, pullPolicy: Always}"))
		Expect(c["image"]).To(Equal("registry.example/desk/servicedesk-operator:v9.9.9"))
		Expect(c["imagePullPolicy"]).To(Equal("Always"))
		digest := "sha256:" + strings.Repeat("ab", 32)
		Expect(container(deployment("image: {digest: " + digest + "}"))["image"]).To(Equal("servicedesk-operator@" + digest))
	})

	It("extraEnv: after GOMEMLIMIT", func() {
		env := container(deployment("extraEnv: [{name: TZ, value: Europe/Berlin}]"))["env"].([]any)
		Expect(env).To(HaveLen(2))
		Expect(env[0]).To(HaveKeyWithValue("name", "GOMEMLIMIT"))
		Expect(env[1]).To(Equal(map[string]any{"name": "TZ", "value": "Europe/Berlin"}))
	})

	It("scheduling and security: as given", func() {
		d := deployment(`
imagePullSecrets: [{name: regcred}]
nodeSelector: {kubernetes.io/os: linux}
tolerations: [{key: dedicated, operator: Equal, value: desk, effect: NoSchedule}]
affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/arch, operator: In, values: [amd64]}]}]}}}
topologySpreadConstraints: [{maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway}]
priorityClassName: system-cluster-critical
podSecurityContext: {runAsNonRoot: true, runAsUser: 65532, seccompProfile: {type: RuntimeDefault}}
securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}, runAsGroup: 65532}
resources: {requests: {cpu: 200m, memory: 256Mi}, limits: {cpu: null, memory: 512Mi}}
podAnnotations: {example.com/scrape: "false"}
podLabels: {team: desk, control-plane: not-this}
`)
		pod := field(d.Object, "spec", "template", "spec").(map[string]any)
		Expect(pod["imagePullSecrets"]).To(Equal([]any{map[string]any{"name": "regcred"}}))
		Expect(pod["nodeSelector"]).To(Equal(map[string]any{"kubernetes.io/os": "linux"}))
		Expect(pod["tolerations"]).To(HaveLen(1))
		Expect(pod["affinity"]).To(HaveKey("nodeAffinity"))
		Expect(pod["topologySpreadConstraints"]).To(HaveLen(1))
		Expect(pod["priorityClassName"]).To(Equal("system-cluster-critical"))
		Expect(pod["securityContext"]).To(HaveKeyWithValue("runAsUser", BeEquivalentTo(65532)))
		c := container(d)
		Expect(c["securityContext"]).To(HaveKeyWithValue("runAsGroup", BeEquivalentTo(65532)))
		Expect(c["resources"]).To(Equal(map[string]any{"requests": map[string]any{"cpu": "200m", "memory": "256Mi"}, "limits": map[string]any{"memory": "512Mi"}}), "null drops a default")
		Expect(labelsOf(d.Object, "spec", "template", "metadata", "annotations")).To(HaveKeyWithValue("example.com/scrape", "false"))
		podLabels := labelsOf(d.Object, "spec", "template", "metadata", "labels")
		Expect(podLabels).To(HaveKeyWithValue("team", "desk"))
		Expect(podLabels).To(HaveKeyWithValue("control-plane", "controller-manager"), "podLabels cannot unselect the pods")
	})

	It("serviceAccount.create=false: binds the named account", func() {
		objs := mustRender("serviceAccount: {create: false, name: desk-manager}")
		Expect(ofKind(objs, "ServiceAccount")).To(BeEmpty())
		Expect(field(find(objs, "Deployment", release).Object, "spec", "template", "spec", "serviceAccountName")).To(Equal("desk-manager"))
		for _, kind := range []string{"RoleBinding", "ClusterRoleBinding"} {
			for _, b := range ofKind(objs, kind) {
				Expect(b.Object["subjects"]).To(Equal([]any{map[string]any{"kind": "ServiceAccount", "name": "desk-manager", "namespace": namespace}}))
			}
		}
		_, err := render("serviceAccount: {create: false}")
		Expect(err).To(MatchError(ContainSubstring("serviceAccount.name is required")))
	})

	It("fullnameOverride and other release names: every name follows", func() {
		objs := mustRender("fullnameOverride: desk")
		Expect(find(objs, "Deployment", "desk")).NotTo(BeNil())
		Expect(find(objs, "ClusterRole", "desk-manager-role")).NotTo(BeNil())
		Expect(find(objs, "ValidatingAdmissionPolicy", "desk-approvals")).NotTo(BeNil())
		Expect(field(find(objs, "ValidatingAdmissionPolicyBinding", "desk-approvals").Object, "spec", "policyName")).To(Equal("desk-approvals"))
		out, err := helm("template", "team-a", chartDir, "-n", "team-a")
		Expect(err).NotTo(HaveOccurred())
		objs, err = decode(out)
		Expect(err).NotTo(HaveOccurred())
		Expect(find(objs, "Deployment", "team-a-servicedesk-operator")).NotTo(BeNil())
		Expect(find(objs, "Service", "team-a-servicedesk-operator-metrics").GetLabels()).To(HaveKeyWithValue("app.kubernetes.io/name", "servicedesk-operator"))
	})
})

var _ = Describe("values.schema.json", func() {
	DescribeTable("refuses a wrong value in helm lint and helm template",
		func(values, complaint string) {
			f := valuesFile(values)
			_, err := helm("lint", chartDir, "-f", f)
			Expect(err).To(MatchError(ContainSubstring(complaint)), "helm lint")
			_, err = helm("template", release, chartDir, "-f", f)
			Expect(err).To(MatchError(ContainSubstring(complaint)), "helm template")
			Expect(err).To(MatchError(ContainSubstring("values don't meet the specifications of the schema")), "helm template")
		},
		Entry("replicaCount a string", `replicaCount: "two"`, "at '/replicaCount'"),
		Entry("an unknown top-level value", `replicas: 2`, "additional properties 'replicas' not allowed"),
		Entry("image.tag a number", `image: {tag: 1.2}`, "at '/image/tag'"),
		Entry("image.pullPolicy not a policy", `image: {pullPolicy: Sometimes}`, "at '/image/pullPolicy'"),
		Entry("crds.keep a string", `crds: {keep: "false"}`, "at '/crds/keep'"),
		Entry("crds.install a string", `crds: {install: "true"}`, "at '/crds/install'"),
		Entry("admission.enabled a string", `admission: {enabled: "true"}`, "at '/admission/enabled'"),
		Entry("an unknown crds value", `crds: {delete: true}`, "additional properties 'delete' not allowed"),
		Entry("webhook.clusterCIDRs a string", `webhook: {clusterCIDRs: 10.96.0.0/12}`, "at '/webhook/clusterCIDRs'"),
		Entry("webhook.allowedCIDRs not a CIDR", `webhook: {allowedCIDRs: [localhost]}`, "at '/webhook/allowedCIDRs/0'"),
		Entry("workers below one", `workers: {complaints: 0}`, "at '/workers/complaints'"),
		Entry("leaderElection.enabled a string", `leaderElection: {enabled: "yes"}`, "at '/leaderElection/enabled'"),
		Entry("extraArgs a string", `extraArgs: --zap-log-level=debug`, "at '/extraArgs'"),
		Entry("additionalLabels not strings", `metrics: {prometheusRule: {additionalLabels: {release: 1}}}`, "at '/metrics/prometheusRule/additionalLabels/release'"),
		Entry("tolerations an object", `tolerations: {key: a}`, "at '/tolerations'"),
	)

	It("accepts --set values (helm types them)", func() {
		_, err := helm("template", release, chartDir, "--set", "replicaCount=2", "--set", "image.tag=v1", "--set", "workers.complaints=4",
			"--set", "crds.keep=false", "--set", "webhook.clusterCIDRs={10.96.0.0/12,10.244.0.0/16}", "--set-string", "podAnnotations.a=b")
		Expect(err).NotTo(HaveOccurred())
	})
})
