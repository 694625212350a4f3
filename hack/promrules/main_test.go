package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

const (
	root     = "../.."
	ruleFile = root + "/config/prometheus/prometheusrule.yaml"
	testsDir = root + "/config/prometheus/tests"
)

type ruleGroups struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []struct {
			Alert       string            `json:"alert"`
			Record      string            `json:"record"`
			Expr        string            `json:"expr"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"rules"`
	} `json:"groups"`
}

func loadRules(t *testing.T) ruleGroups {
	t.Helper()
	manifest, err := os.ReadFile(ruleFile)
	if err != nil {
		t.Fatal(err)
	}
	b, err := extract(manifest)
	if err != nil {
		t.Fatal(err)
	}
	var rg ruleGroups
	if err := yaml.Unmarshal(b, &rg); err != nil {
		t.Fatal(err)
	}
	return rg
}

func TestExtractRejectsOtherKinds(t *testing.T) {
	for _, doc := range []string{
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
		"apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: x}\n",
	} {
		if _, err := extract([]byte(doc)); err == nil {
			t.Errorf("extract accepted %q", doc)
		}
	}
}

// Every alert has a severity, a summary, a description and a runbook that
// exists in config/prometheus/README.md; every alert has a unit test.
func TestAlertsAreDocumentedAndTested(t *testing.T) {
	readme, err := os.ReadFile(root + "/config/prometheus/README.md")
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^### (\S+)$`).FindAllStringSubmatch(string(readme), -1) {
		anchors[strings.ToLower(m[1])] = true
	}
	var tests []byte
	files, _ := filepath.Glob(testsDir + "/*_test.yaml")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tests = append(tests, b...)
	}
	alerts := 0
	for _, g := range loadRules(t).Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			alerts++
			switch r.Labels["severity"] {
			case "critical", "warning", "info":
			default:
				t.Errorf("%s: severity %q", r.Alert, r.Labels["severity"])
			}
			for _, a := range []string{"summary", "description", "runbook_url"} {
				if r.Annotations[a] == "" {
					t.Errorf("%s: no %s annotation", r.Alert, a)
				}
			}
			_, anchor, _ := strings.Cut(r.Annotations["runbook_url"], "#")
			if anchor != strings.ToLower(r.Alert) || !anchors[anchor] {
				t.Errorf("%s: runbook_url %q: want an anchor #%s to a heading of config/prometheus/README.md", r.Alert, r.Annotations["runbook_url"], strings.ToLower(r.Alert))
			}
			firing := regexp.MustCompile(`alertname: ` + r.Alert + `\n\s+exp_alerts:\n\s+- exp_labels`)
			quiet := regexp.MustCompile(`alertname: ` + r.Alert + `\n\s+exp_alerts: \[\]`)
			if !firing.Match(tests) || !quiet.Match(tests) {
				t.Errorf("%s: want unit tests of it firing and of it not firing in %s", r.Alert, testsDir)
			}
		}
	}
	if alerts == 0 {
		t.Fatal("no alerts")
	}
}

// tool finds a binary: $ENV, else bin/<name>-* (the Makefile's pinned
// one), else PATH. It skips the test when there is none, unless CI is set.
func tool(t *testing.T, env, name string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		return p
	}
	if m, _ := filepath.Glob(filepath.Join(root, "bin", name+"-*")); len(m) > 0 {
		sort.Strings(m)
		p, err := filepath.Abs(m[len(m)-1])
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not found (set %s, or run make %s)", name, env, name)
	}
	t.Skipf("%s not found: run `make %s` (or make test-rules), or set %s", name, name, env)
	return ""
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// The same as `make test-rules`, when promtool is at hand.
func TestPromtool(t *testing.T) {
	promtool := tool(t, "PROMTOOL", "promtool")
	dir := t.TempDir()
	if err := write(dir, ruleFile, testsDir); err != nil {
		t.Fatal(err)
	}
	run(t, promtool, "check", "rules", filepath.Join(dir, "rules.yaml"))
	tests, _ := filepath.Glob(filepath.Join(dir, "*_test.yaml"))
	t.Log(run(t, promtool, append([]string{"test", "rules"}, tests...)...))
}

// The component, enabled in config/default, scrapes the metrics Service
// config/default exposes; config/default alone does not include it.
func TestComponentScrapesTheMetricsService(t *testing.T) {
	kustomize := tool(t, "KUSTOMIZE", "kustomize")
	if out := run(t, kustomize, "build", root+"/config/default"); strings.Contains(out, "kind: ServiceMonitor") || strings.Contains(out, "kind: PrometheusRule") {
		t.Error("config/default includes the monitoring component: it must be off by default")
	}
	run(t, kustomize, "build", root+"/config/prometheus")

	tmp := t.TempDir()
	run(t, "cp", "-r", root+"/config", tmp)
	k := filepath.Join(tmp, "config/default/kustomization.yaml")
	b, err := os.ReadFile(k)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(k, append(b, "components:\n- ../prometheus\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	type object struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name      string            `json:"name"`
			Namespace string            `json:"namespace"`
			Labels    map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec struct {
			// Service
			Ports []struct {
				Name string `json:"name"`
			} `json:"ports"`
			// ServiceMonitor
			JobLabel  string `json:"jobLabel"`
			Endpoints []struct {
				Port, Scheme, BearerTokenFile string
			} `json:"endpoints"`
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
		} `json:"spec"`
	}
	byKind := map[string][]object{}
	for _, doc := range strings.Split(run(t, kustomize, "build", filepath.Join(tmp, "config/default")), "\n---\n") {
		var o object
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatal(err)
		}
		byKind[o.Kind] = append(byKind[o.Kind], o)
	}
	if len(byKind["ServiceMonitor"]) != 1 || len(byKind["PrometheusRule"]) != 1 {
		t.Fatalf("want one ServiceMonitor and one PrometheusRule, got %d and %d", len(byKind["ServiceMonitor"]), len(byKind["PrometheusRule"]))
	}
	sm, pr := byKind["ServiceMonitor"][0], byKind["PrometheusRule"][0]
	if pr.Metadata.Name != "servicedesk-operator" || pr.Metadata.Namespace != "servicedesk-system" {
		t.Errorf("PrometheusRule %s/%s, want servicedesk-system/servicedesk-operator", pr.Metadata.Namespace, pr.Metadata.Name)
	}
	var svc *object
	for i, s := range byKind["Service"] {
		selected := s.Metadata.Namespace == sm.Metadata.Namespace
		for k, v := range sm.Spec.Selector.MatchLabels {
			selected = selected && s.Metadata.Labels[k] == v
		}
		if selected {
			if svc != nil {
				t.Fatalf("the ServiceMonitor selects Services %s and %s", svc.Metadata.Name, s.Metadata.Name)
			}
			svc = &byKind["Service"][i]
		}
	}
	if svc == nil || svc.Metadata.Name != "servicedesk-controller-manager-metrics-service" {
		t.Fatalf("the ServiceMonitor selects %v, want the metrics Service", svc)
	}
	if len(sm.Spec.Endpoints) != 1 {
		t.Fatalf("endpoints: %+v", sm.Spec.Endpoints)
	}
	ep := sm.Spec.Endpoints[0]
	found := false
	for _, p := range svc.Spec.Ports {
		found = found || p.Name == ep.Port
	}
	if !found || ep.Scheme != "https" || ep.BearerTokenFile == "" {
		t.Errorf("endpoint %+v: want https with a bearer token on a port of %+v", ep, svc.Spec.Ports)
	}
	// The alerts select job="servicedesk-operator".
	if job := svc.Metadata.Labels[sm.Spec.JobLabel]; job != "servicedesk-operator" {
		t.Errorf("job label from %q: %q, want servicedesk-operator", sm.Spec.JobLabel, job)
	}
}
