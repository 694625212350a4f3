package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

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

// rbacFile is one resource of config/rbac: its file name (as
// kustomization.yaml lists it), the object read from it and its text.
type rbacFile struct {
	name string
	obj  rbacObject
	raw  []byte
}

// rbac writes templates/rbac/: each Role, ClusterRole and binding of
// config/rbac, in the order of its kustomization.yaml.
func rbac(config string, files map[string][]byte) error {
	dir := filepath.Join(config, "rbac")
	rfs, err := readRBAC(dir)
	if err != nil {
		return err
	}
	roles := map[string]string{} // name -> kind
	for _, f := range rfs {
		if f.obj.Kind == "Role" || f.obj.Kind == "ClusterRole" {
			roles[f.obj.Metadata.Name] = f.obj.Kind
		}
	}
	for _, f := range rfs {
		o := f.obj
		src := slashRel(config, filepath.Join(dir, f.name))
		comments, lines := splitDoc(f.raw)
		var b strings.Builder
		b.WriteString(header(src))
		for _, c := range comments {
			b.WriteString(c + "\n")
		}
		var body string
		switch o.Kind {
		case "ServiceAccount":
			// templates/serviceaccount.yaml (serviceAccount.create, .name).
			if o.Metadata.Name != "controller-manager" {
				return fmt.Errorf("%s: service account %q: the chart has one, the manager's", src, o.Metadata.Name)
			}
			continue
		case "Role", "ClusterRole":
			body, err = roleTemplate(src, o, lines, f.raw)
		case "RoleBinding", "ClusterRoleBinding":
			body, err = bindingTemplate(src, o, roles)
		default:
			return fmt.Errorf("%s: kind %s: teach hack/helmchart to template it", src, o.Kind)
		}
		if err != nil {
			return err
		}
		b.WriteString(body)
		files["templates/rbac/"+f.name] = []byte(b.String())
	}
	return nil
}

// readRBAC reads the resources of dir/kustomization.yaml: one document a
// file, in the same directory.
func readRBAC(dir string) ([]rbacFile, error) {
	docs, err := readResources(dir)
	if err != nil {
		return nil, err
	}
	var rfs []rbacFile
	for _, d := range docs {
		var o rbacObject
		if err := yaml.UnmarshalStrict(d.raw, &o); err != nil {
			return nil, fmt.Errorf("%s/%s: %w", dir, d.name, err)
		}
		rfs = append(rfs, rbacFile{name: d.name, obj: o, raw: d.raw})
	}
	return rfs, nil
}

// resourceFile is one resource of a kustomization: its file name and text.
type resourceFile struct {
	name string
	raw  []byte
}

// readResources reads the resources of dir/kustomization.yaml, in its
// order: one document a file, in the same directory.
func readResources(dir string) ([]resourceFile, error) {
	kraw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return nil, err
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(kraw, &k); err != nil {
		return nil, fmt.Errorf("%s/kustomization.yaml: %w", dir, err)
	}
	var out []resourceFile
	for _, r := range k.Resources {
		if path.Ext(r) != ".yaml" || strings.Contains(r, "/") {
			return nil, fmt.Errorf("%s/kustomization.yaml: resource %q: teach hack/helmchart to read it", dir, r)
		}
		raw, err := os.ReadFile(filepath.Join(dir, r))
		if err != nil {
			return nil, err
		}
		if bytes.Contains(bytes.TrimPrefix(bytes.TrimSpace(raw), []byte("---")), []byte("\n---")) {
			return nil, fmt.Errorf("%s/%s: several documents: teach hack/helmchart to split them", dir, r)
		}
		out = append(out, resourceFile{name: r, raw: raw})
	}
	return out, nil
}

// roleTemplate is a Role or ClusterRole for the chart: its metadata, and
// its rules (the last key of lines, the document of raw) verbatim.
func roleTemplate(src string, o rbacObject, lines []string, raw []byte) (string, error) {
	if o.APIVersion != "rbac.authorization.k8s.io/v1" {
		return "", fmt.Errorf("%s: apiVersion %s", src, o.APIVersion)
	}
	i := topLevel(lines, "rules")
	if i < 0 {
		return "", fmt.Errorf("%s: no rules: line", src)
	}
	if _, end := block(lines, i); end != len(lines) {
		return "", fmt.Errorf("%s: rules must be the last key", src)
	}
	rules := strings.Join(lines[i:], "\n") + "\n"
	// The copy must say what the original does.
	var a, c struct {
		Rules any `json:"rules"`
	}
	if err := yaml.Unmarshal([]byte(rules), &a); err != nil {
		return "", fmt.Errorf("%s: rules: %w", src, err)
	}
	if err := yaml.Unmarshal(raw, &c); err != nil || !reflect.DeepEqual(a, c) {
		return "", fmt.Errorf("%s: cannot copy the rules verbatim", src)
	}
	return metaOf(o) + escape(rules), nil
}

// bindingTemplate is a RoleBinding or ClusterRoleBinding for the chart: of
// a role of config/rbac (roles: name -> kind) to the manager's service
// account, the chart's.
func bindingTemplate(src string, o rbacObject, roles map[string]string) (string, error) {
	rr := o.RoleRef
	if rr == nil || rr.APIGroup != "rbac.authorization.k8s.io" || roles[rr.Name] != rr.Kind {
		return "", fmt.Errorf("%s: roleRef %+v is not a role of config/rbac", src, rr)
	}
	if len(o.Subjects) == 0 {
		return "", fmt.Errorf("%s: no subjects", src)
	}
	for _, s := range o.Subjects {
		if s.Kind != "ServiceAccount" || s.Name != "controller-manager" {
			return "", fmt.Errorf("%s: subject %s %s: the chart binds only the manager's service account", src, s.Kind, s.Name)
		}
	}
	return metaOf(o) +
		"roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: " + rr.Kind + "\n" +
		"  name: {{ include \"servicedesk-operator.fullname\" . }}-" + rr.Name + "\n" +
		"subjects:\n- kind: ServiceAccount\n  name: {{ include \"servicedesk-operator.serviceAccountName\" . }}\n  namespace: {{ .Release.Namespace }}\n", nil
}

// metaOf writes apiVersion, kind and metadata of an RBAC (or other cluster-scoped) object for the chart.
func metaOf(o rbacObject) string {
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
