// Package manifests checks what config/default installs.
package manifests

import (
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// render builds config/default with the kustomize Go API.
func render(t *testing.T) resmap.ResMap {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), "../../config/default")
	if err != nil {
		t.Fatalf("kustomize build config/default: %v", err)
	}
	return m
}

// one decodes the only resource of kind named name into out.
func one(t *testing.T, m resmap.ResMap, kind, name string, out any) {
	t.Helper()
	var found int
	for _, r := range m.Resources() {
		if r.GetKind() != kind || r.GetName() != name {
			continue
		}
		found++
		raw, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.UnmarshalStrict(raw, out); err != nil {
			t.Fatalf("%s %s: %v", kind, name, err)
		}
	}
	if found != 1 {
		t.Fatalf("config/default renders %d %s named %s, want 1", found, kind, name)
	}
}

func TestDeploymentIsLockedDown(t *testing.T) {
	var d appsv1.Deployment
	one(t, render(t), "Deployment", "servicedesk-controller-manager", &d)
	if d.Namespace != "servicedesk-system" {
		t.Errorf("namespace = %q", d.Namespace)
	}
	pod := d.Spec.Template.Spec
	if psc := pod.SecurityContext; psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Error("pod securityContext.runAsNonRoot is not true")
	} else if psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Error("pod seccompProfile is not RuntimeDefault")
	}
	if pod.AutomountServiceAccountToken != nil && !*pod.AutomountServiceAccountToken {
		t.Error("the manager needs its service account token")
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	sc := c.SecurityContext
	switch {
	case sc == nil:
		t.Fatal("container has no securityContext")
	case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Error("allowPrivilegeEscalation is not false")
	case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
		t.Error("readOnlyRootFilesystem is not true")
	case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0:
		t.Errorf("capabilities = %+v, want drop [ALL] and nothing added", sc.Capabilities)
	case sc.Privileged != nil && *sc.Privileged:
		t.Error("container is privileged")
	}
	for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if _, ok := c.Resources.Requests[res]; !ok {
			t.Errorf("no %s request", res)
		}
		if _, ok := c.Resources.Limits[res]; !ok {
			t.Errorf("no %s limit", res)
		}
	}
	for _, arg := range []string{"--leader-elect", "--health-probe-bind-address=:8081", "--metrics-bind-address=:8443"} {
		if !slices.Contains(c.Args, arg) {
			t.Errorf("args %v lack %s", c.Args, arg)
		}
	}
	for _, arg := range c.Args {
		if len(arg) > 24 && arg[:24] == "--webhook-allowed-cidrs=" {
			t.Errorf("the installed manager allows extra webhook destinations: %s", arg)
		}
	}
}

func TestNetworkPolicy(t *testing.T) {
	var np networkingv1.NetworkPolicy
	one(t, render(t), "NetworkPolicy", "servicedesk-controller-manager", &np)
	if np.Namespace != "servicedesk-system" {
		t.Errorf("namespace = %q", np.Namespace)
	}
	if got := np.Spec.PodSelector.MatchLabels; got["control-plane"] != "controller-manager" || got["app.kubernetes.io/name"] != "servicedesk-operator" {
		t.Errorf("podSelector = %v, want the manager's labels", got)
	}
	if !slices.Equal(np.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}) {
		t.Errorf("policyTypes = %v, want Ingress and Egress", np.Spec.PolicyTypes)
	}

	if len(np.Spec.Ingress) != 1 || len(np.Spec.Ingress[0].From) != 0 {
		t.Fatalf("ingress = %+v, want one rule by port", np.Spec.Ingress)
	}
	if got := ports(np.Spec.Ingress[0].Ports); !slices.Equal(got, []string{"TCP/8443", "TCP/8081"}) {
		t.Errorf("ingress ports = %v, want metrics 8443 and probes 8081 only", got)
	}

	want := [][]string{{"TCP/443", "TCP/6443"}, {"UDP/53", "TCP/53"}, {"TCP/443", "TCP/80"}}
	if len(np.Spec.Egress) != len(want) {
		t.Fatalf("egress has %d rules, want %d (API server, DNS, webhooks)", len(np.Spec.Egress), len(want))
	}
	for i, rule := range np.Spec.Egress {
		if got := ports(rule.Ports); !slices.Equal(got, want[i]) {
			t.Errorf("egress[%d] ports = %v, want %v", i, got, want[i])
		}
		if slices.Contains(want[i], "UDP/53") {
			continue // DNS goes to whichever resolver the pod uses
		}
		// Every rule on 80/443 leaves out the metadata address: rules add up.
		if len(rule.To) != 2 {
			t.Fatalf("egress[%d] to = %+v, want the IPv4 and IPv6 blocks", i, rule.To)
		}
		for _, peer := range rule.To {
			b := peer.IPBlock
			switch {
			case b == nil:
				t.Errorf("egress[%d] has a peer without an ipBlock", i)
			case b.CIDR == "0.0.0.0/0" && slices.Equal(b.Except, []string{"169.254.169.254/32"}):
			case b.CIDR == "::/0" && slices.Equal(b.Except, []string{"fd00:ec2::254/128"}):
			default:
				t.Errorf("egress[%d] ipBlock = %+v, want everything but the metadata address", i, b)
			}
		}
	}
}

func ports(ps []networkingv1.NetworkPolicyPort) []string {
	var out []string
	for _, p := range ps {
		proto := corev1.ProtocolTCP
		if p.Protocol != nil {
			proto = *p.Protocol
		}
		port := "any"
		if p.Port != nil {
			port = p.Port.String()
		}
		out = append(out, string(proto)+"/"+port)
	}
	return out
}
