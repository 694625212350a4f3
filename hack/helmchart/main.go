// Command helmchart writes the parts of the Helm chart dist/chart that are
// copies of config/ (`make helm`), so the chart and the kustomize install
// never drift:
//
//   - Chart.yaml: version and appVersion from the Makefile's RELEASE;
//   - templates/crds/: each CRD of config/crd/bases, verbatim, wrapped in
//     crds.install and annotated helm.sh/resource-policy: keep under
//     crds.keep;
//   - templates/rbac/: each Role, ClusterRole and binding of config/rbac
//     (the rules verbatim; names prefixed with the release's fullname,
//     subjects the chart's service account);
//   - files/prometheus/rules.yaml: the .spec of
//     config/prometheus/prometheusrule.yaml (read by
//     templates/prometheusrule.yaml);
//   - files/grafana/servicedesk.json: config/grafana's dashboard (read by
//     templates/grafana-dashboard.yaml).
//
// The rest of the chart (values, the Deployment, Service, NetworkPolicy,
// ServiceMonitor, ...) is written by hand; test/helm checks it renders what
// config/default does. The generator owns the paths above: it deletes any
// other file under templates/crds, templates/rbac and files. Its output
// depends only on config/ and -version, so running it twice changes
// nothing; TestChartIsUpToDate fails when dist/chart is stale.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// ChartName is the chart's name, and the app.kubernetes.io/name label of
// everything it installs: the ServiceMonitor takes the job label
// (job="servicedesk-operator", which the alerts and the dashboard select)
// from it.
const ChartName = "servicedesk-operator"

// owned are the chart paths the generator writes: a file, or a directory
// (ending in /) whose every file it writes.
var owned = []string{"Chart.yaml", "templates/crds/", "templates/rbac/", "files/"}

func main() {
	config := flag.String("config", "config", "the kustomize config directory")
	chart := flag.String("chart", "dist/chart", "the chart directory")
	version := flag.String("version", "", "the release, e.g. v0.1.0: the chart's appVersion (and version, without the v)")
	flag.Parse()
	files, err := Generate(*config, *version)
	if err == nil {
		err = Write(*chart, files)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helmchart:", err)
		os.Exit(1)
	}
}

// Generate returns the generated files of the chart (paths relative to the
// chart directory) from the config directory and the release.
func Generate(config, release string) (map[string][]byte, error) {
	files := map[string][]byte{}
	chartYAML, err := chartFile(release)
	if err != nil {
		return nil, err
	}
	files["Chart.yaml"] = chartYAML
	if err := crds(config, files); err != nil {
		return nil, err
	}
	if err := rbac(config, files); err != nil {
		return nil, err
	}
	if err := prometheusRules(config, files); err != nil {
		return nil, err
	}
	if err := dashboard(config, files); err != nil {
		return nil, err
	}
	return files, nil
}

// Write puts files into the chart directory, rewriting only those that
// changed, and deletes every other file of the paths the generator owns.
func Write(chart string, files map[string][]byte) error {
	existing, err := Owned(chart)
	if err != nil {
		return err
	}
	for name := range existing {
		if _, ok := files[name]; !ok {
			if err := os.Remove(filepath.Join(chart, filepath.FromSlash(name))); err != nil {
				return err
			}
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if bytes.Equal(existing[name], files[name]) {
			continue
		}
		p := filepath.Join(chart, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Owned returns the files now in the chart directory at the paths the
// generator owns.
func Owned(chart string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, o := range owned {
		if !strings.HasSuffix(o, "/") {
			b, err := os.ReadFile(filepath.Join(chart, o))
			if err == nil {
				out[o] = b
			} else if !os.IsNotExist(err) {
				return nil, err
			}
			continue
		}
		root := filepath.Join(chart, filepath.FromSlash(o))
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) && p == root {
					return nil
				}
				return err
			}
			if d.IsDir() {
				return nil
			}
			rel, err := filepath.Rel(chart, p)
			if err != nil {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[filepath.ToSlash(rel)] = b
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

var releaseRE = regexp.MustCompile(`^v(\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)$`)

func chartFile(release string) ([]byte, error) {
	m := releaseRE.FindStringSubmatch(release)
	if m == nil {
		return nil, fmt.Errorf("-version %q: want a release like v0.1.0", release)
	}
	return []byte(`# Generated by ` + "`make helm`" + ` (hack/helmchart): version and appVersion are the
# Makefile's RELEASE. DO NOT EDIT; edit hack/helmchart/main.go.
apiVersion: v2
name: ` + ChartName + `
description: >-
  A Kubernetes-native service desk: customer complaints, their SLA clocks,
  escalations and notifications as Kubernetes resources.
type: application
version: ` + m[1] + `
appVersion: ` + strconv.Quote(release) + `
# CEL validation rules in the CRDs (GA in 1.29); tested on 1.37.
kubeVersion: ">=1.30.0-0"
keywords:
- servicedesk
- complaints
- sla
- operator
sources:
- https://github.com/servicedesk-operator/servicedesk-operator
`), nil
}

// header marks a generated file.
func header(from string) string {
	return "# Generated by `make helm` (hack/helmchart) from " + from + ". DO NOT EDIT.\n"
}

// escape makes text literal inside a Go template.
func escape(text string) string {
	return strings.ReplaceAll(text, "{{", `{{"{{"}}`)
}

// splitDoc drops a leading document marker and returns the leading comment
// lines and the rest.
func splitDoc(b []byte) (comments []string, body []string) {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	i := 0
	for ; i < len(lines); i++ {
		l := lines[i]
		if l == "---" || strings.TrimSpace(l) == "" {
			continue
		}
		if strings.HasPrefix(l, "#") {
			comments = append(comments, l)
			continue
		}
		break
	}
	return comments, lines[i:]
}

// topLevel returns the index of the line "key:" at column 0, or -1.
func topLevel(lines []string, key string) int {
	for i, l := range lines {
		if l == key+":" {
			return i
		}
	}
	return -1
}

// block returns lines[start+1:] up to the next line at column 0 that is not
// a comment: the value of the top-level key at lines[start].
func block(lines []string, start int) (value []string, end int) {
	end = start + 1
	for ; end < len(lines); end++ {
		l := lines[end]
		if l != "" && !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "- ") {
			break
		}
	}
	return lines[start+1 : end], end
}

func crds(config string, files map[string][]byte) error {
	paths, err := filepath.Glob(filepath.Join(config, "crd", "bases", "*.yaml"))
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("no CRDs in %s/crd/bases: run make manifests", config)
	}
	sort.Strings(paths)
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var obj struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name        string            `json:"name"`
				Annotations map[string]string `json:"annotations"`
				Labels      map[string]string `json:"labels"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(raw, &obj); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if obj.APIVersion != "apiextensions.k8s.io/v1" || obj.Kind != "CustomResourceDefinition" {
			return fmt.Errorf("%s: not a CustomResourceDefinition", p)
		}
		if len(obj.Metadata.Labels) != 0 {
			return fmt.Errorf("%s: labels in the CRD: teach hack/helmchart to merge them", p)
		}
		comments, lines := splitDoc(raw)
		for i := range lines {
			lines[i] = escape(lines[i])
		}
		md := topLevel(lines, "metadata")
		if md < 0 {
			return fmt.Errorf("%s: no metadata: line", p)
		}
		mdLines, mdEnd := block(lines, md)
		var out []string
		out = append(out, lines[:md+1]...)
		// metadata: annotations first (with the keep policy), then
		// labels, then the rest as controller-gen wrote it.
		out = append(out,
			"  annotations:",
			"    {{- if .Values.crds.keep }}",
			"    helm.sh/resource-policy: keep",
			"    {{- end }}")
		rest := mdLines
		if len(rest) > 0 && rest[0] == "  annotations:" {
			ann, n := indented(rest[1:], "    ")
			if len(ann) != len(obj.Metadata.Annotations) {
				return fmt.Errorf("%s: cannot read the annotations block", p)
			}
			out = append(out, ann...)
			rest = rest[1+n:]
		} else if len(obj.Metadata.Annotations) != 0 {
			return fmt.Errorf("%s: annotations not first in metadata", p)
		}
		out = append(out,
			"  labels:",
			`    {{- include "servicedesk-operator.labels" . | nindent 4 }}`)
		out = append(out, rest...)
		out = append(out, lines[mdEnd:]...)

		var b strings.Builder
		b.WriteString(header(slashRel(config, p)))
		for _, c := range comments {
			b.WriteString(c + "\n")
		}
		b.WriteString("{{- if .Values.crds.install }}\n")
		b.WriteString(strings.Join(out, "\n") + "\n")
		b.WriteString("{{- end }}\n")
		files["templates/crds/"+filepath.Base(p)] = []byte(b.String())
	}
	return nil
}

// indented returns the leading lines of ls that start with prefix, and how
// many there are.
func indented(ls []string, prefix string) ([]string, int) {
	n := 0
	for n < len(ls) && strings.HasPrefix(ls[n], prefix) {
		n++
	}
	return ls[:n], n
}

func slashRel(config, p string) string {
	rel, err := filepath.Rel(filepath.Dir(filepath.Clean(config)), p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(rel)
}

// rbacObject is what the generator reads of an RBAC manifest.
type rbacObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string            `json:"name"`
		Namespace string            `json:"namespace"`
		Labels    map[string]string `json:"labels"`
	} `json:"metadata"`
	Rules    json.RawMessage `json:"rules"`
	RoleRef  *roleRef        `json:"roleRef"`
	Subjects []struct {
		Kind      string `json:"kind"`
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"subjects"`
}

type roleRef struct {
	APIGroup string `json:"apiGroup"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
}

// The labels the chart sets on everything itself.
var chartLabels = []string{"app.kubernetes.io/name", "app.kubernetes.io/managed-by", "app.kubernetes.io/instance", "app.kubernetes.io/version", "helm.sh/chart"}

func rbac(config string, files map[string][]byte) error {
	dir := filepath.Join(config, "rbac")
	kraw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return err
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(kraw, &k); err != nil {
		return fmt.Errorf("%s/kustomization.yaml: %w", dir, err)
	}
	objs := map[string]rbacObject{}
	raws := map[string][]byte{}
	roles := map[string]string{} // name -> kind
	for _, r := range k.Resources {
		if path.Ext(r) != ".yaml" || strings.Contains(r, "/") {
			return fmt.Errorf("%s/kustomization.yaml: resource %q: teach hack/helmchart to read it", dir, r)
		}
		raw, err := os.ReadFile(filepath.Join(dir, r))
		if err != nil {
			return err
		}
		if bytes.Contains(bytes.TrimPrefix(bytes.TrimSpace(raw), []byte("---")), []byte("\n---")) {
			return fmt.Errorf("%s/%s: several documents: teach hack/helmchart to split them", dir, r)
		}
		var o rbacObject
		if err := yaml.UnmarshalStrict(raw, &o); err != nil {
			return fmt.Errorf("%s/%s: %w", dir, r, err)
		}
		objs[r], raws[r] = o, raw
		if o.Kind == "Role" || o.Kind == "ClusterRole" {
			roles[o.Metadata.Name] = o.Kind
		}
	}
	for _, r := range k.Resources {
		o, raw := objs[r], raws[r]
		src := slashRel(config, filepath.Join(dir, r))
		comments, lines := splitDoc(raw)
		var b strings.Builder
		b.WriteString(header(src))
		for _, c := range comments {
			b.WriteString(c + "\n")
		}
		switch o.Kind {
		case "ServiceAccount":
			// templates/serviceaccount.yaml (serviceAccount.create, .name).
			if o.Metadata.Name != "controller-manager" {
				return fmt.Errorf("%s: service account %q: the chart has one, the manager's", src, o.Metadata.Name)
			}
			continue
		case "Role", "ClusterRole":
			if o.APIVersion != "rbac.authorization.k8s.io/v1" {
				return fmt.Errorf("%s: apiVersion %s", src, o.APIVersion)
			}
			b.WriteString(meta(o))
			i := topLevel(lines, "rules")
			if i < 0 {
				return fmt.Errorf("%s: no rules: line", src)
			}
			if _, end := block(lines, i); end != len(lines) {
				return fmt.Errorf("%s: rules must be the last key", src)
			}
			rules := strings.Join(lines[i:], "\n") + "\n"
			// The copy must say what the original does.
			var a, c struct {
				Rules any `json:"rules"`
			}
			if err := yaml.Unmarshal([]byte(rules), &a); err != nil {
				return fmt.Errorf("%s: rules: %w", src, err)
			}
			if err := yaml.Unmarshal(raw, &c); err != nil || !reflect.DeepEqual(a, c) {
				return fmt.Errorf("%s: cannot copy the rules verbatim", src)
			}
			b.WriteString(escape(rules))
		case "RoleBinding", "ClusterRoleBinding":
			rr := o.RoleRef
			if rr == nil || rr.APIGroup != "rbac.authorization.k8s.io" || roles[rr.Name] != rr.Kind {
				return fmt.Errorf("%s: roleRef %+v is not a role of config/rbac", src, rr)
			}
			if len(o.Subjects) == 0 {
				return fmt.Errorf("%s: no subjects", src)
			}
			for _, s := range o.Subjects {
				if s.Kind != "ServiceAccount" || s.Name != "controller-manager" {
					return fmt.Errorf("%s: subject %s %s: the chart binds only the manager's service account", src, s.Kind, s.Name)
				}
			}
			b.WriteString(meta(o))
			b.WriteString("roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: " + rr.Kind + "\n")
			b.WriteString("  name: {{ include \"servicedesk-operator.fullname\" . }}-" + rr.Name + "\n")
			b.WriteString("subjects:\n- kind: ServiceAccount\n  name: {{ include \"servicedesk-operator.serviceAccountName\" . }}\n  namespace: {{ .Release.Namespace }}\n")
		default:
			return fmt.Errorf("%s: kind %s: teach hack/helmchart to template it", src, o.Kind)
		}
		files["templates/rbac/"+r] = []byte(b.String())
	}
	return nil
}

// meta writes apiVersion, kind and metadata of an RBAC object for the chart.
func meta(o rbacObject) string {
	var b strings.Builder
	b.WriteString("apiVersion: " + o.APIVersion + "\nkind: " + o.Kind + "\nmetadata:\n")
	b.WriteString("  name: {{ include \"servicedesk-operator.fullname\" . }}-" + o.Metadata.Name + "\n")
	if o.Kind == "Role" || o.Kind == "RoleBinding" {
		b.WriteString("  namespace: {{ .Release.Namespace }}\n")
	}
	b.WriteString("  labels:\n    {{- include \"servicedesk-operator.labels\" . | nindent 4 }}\n")
	var keys []string
	for k := range o.Metadata.Labels {
		if !slices.Contains(chartLabels, k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString("    " + k + ": " + strconv.Quote(o.Metadata.Labels[k]) + "\n")
	}
	return b.String()
}

func prometheusRules(config string, files map[string][]byte) error {
	p := filepath.Join(config, "prometheus", "prometheusrule.yaml")
	raw, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	var obj struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Spec       any    `json:"spec"`
	}
	if err := yaml.Unmarshal(raw, &obj); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	if obj.APIVersion != "monitoring.coreos.com/v1" || obj.Kind != "PrometheusRule" || obj.Spec == nil {
		return fmt.Errorf("%s: want a monitoring.coreos.com/v1 PrometheusRule with a spec", p)
	}
	_, lines := splitDoc(raw)
	i := topLevel(lines, "spec")
	if i < 0 {
		return fmt.Errorf("%s: no spec: line", p)
	}
	spec, end := block(lines, i)
	if end != len(lines) {
		return fmt.Errorf("%s: spec must be the last key", p)
	}
	var out strings.Builder
	out.WriteString(header(slashRel(config, p) + " (its .spec, read by templates/prometheusrule.yaml)"))
	for _, l := range spec {
		if l != "" && !strings.HasPrefix(l, "  ") {
			return fmt.Errorf("%s: spec line %q is not indented by two", p, l)
		}
		out.WriteString(strings.TrimPrefix(l, "  ") + "\n")
	}
	var got any
	if err := yaml.Unmarshal([]byte(out.String()), &got); err != nil || !reflect.DeepEqual(got, obj.Spec) {
		return fmt.Errorf("%s: cannot copy the spec verbatim", p)
	}
	files["files/prometheus/rules.yaml"] = []byte(out.String())
	return nil
}

func dashboard(config string, files map[string][]byte) error {
	p := filepath.Join(config, "grafana", "servicedesk.json")
	raw, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	if !json.Valid(raw) {
		return fmt.Errorf("%s: not JSON", p)
	}
	files["files/grafana/servicedesk.json"] = raw
	return nil
}
