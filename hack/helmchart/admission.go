package main

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"

	"sigs.k8s.io/yaml"
)

// admissionObject is what the generator reads of config/admission: a
// ValidatingAdmissionPolicy or its binding.
type admissionObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec map[string]any `json:"spec"`
}

// admission writes templates/admission/: the ValidatingAdmissionPolicy and
// its binding of config/admission, in the order of its kustomization.yaml,
// under admission.enabled. Names (and the binding's policyName) are
// prefixed with the release's fullname; the spec is copied verbatim.
func admission(config string, files map[string][]byte) error {
	dir := filepath.Join(config, "admission")
	docs, err := readResources(dir)
	if err != nil {
		return err
	}
	objs := make([]admissionObject, len(docs))
	policies := map[string]bool{}
	for i, d := range docs {
		if err := yaml.UnmarshalStrict(d.raw, &objs[i]); err != nil {
			return fmt.Errorf("%s/%s: %w", dir, d.name, err)
		}
		if objs[i].Kind == "ValidatingAdmissionPolicy" {
			policies[objs[i].Metadata.Name] = true
		}
	}
	for i, d := range docs {
		o := objs[i]
		src := slashRel(config, filepath.Join(dir, d.name))
		if o.APIVersion != "admissionregistration.k8s.io/v1" {
			return fmt.Errorf("%s: apiVersion %s", src, o.APIVersion)
		}
		comments, lines := splitDoc(d.raw)
		i := topLevel(lines, "spec")
		if i < 0 {
			return fmt.Errorf("%s: no spec: line", src)
		}
		if _, end := block(lines, i); end != len(lines) {
			return fmt.Errorf("%s: spec must be the last key", src)
		}
		spec := lines[i:]
		// The copy must say what the original does.
		var c struct {
			Spec map[string]any `json:"spec"`
		}
		if err := yaml.Unmarshal([]byte(strings.Join(spec, "\n")), &c); err != nil || !reflect.DeepEqual(c.Spec, o.Spec) {
			return fmt.Errorf("%s: cannot copy the spec verbatim", src)
		}
		for j := range spec {
			spec[j] = escape(spec[j])
		}
		switch o.Kind {
		case "ValidatingAdmissionPolicy":
		case "ValidatingAdmissionPolicyBinding":
			name, _ := o.Spec["policyName"].(string)
			line := "  policyName: " + name
			j := indexOf(spec, line)
			if !policies[name] || j < 0 {
				return fmt.Errorf("%s: the binding's policyName %q is not a policy of config/admission on a line %q", src, name, line)
			}
			spec[j] = `  policyName: {{ include "servicedesk-operator.fullname" . }}-` + name
		default:
			return fmt.Errorf("%s: kind %s: teach hack/helmchart to template it", src, o.Kind)
		}
		var b strings.Builder
		b.WriteString(header(src))
		for _, c := range comments {
			b.WriteString(c + "\n")
		}
		b.WriteString("{{- if .Values.admission.enabled }}\n")
		meta := rbacObject{APIVersion: o.APIVersion, Kind: o.Kind}
		meta.Metadata.Name, meta.Metadata.Labels = o.Metadata.Name, o.Metadata.Labels
		b.WriteString(metaOf(meta))
		b.WriteString(strings.Join(spec, "\n") + "\n")
		b.WriteString("{{- end }}\n")
		files["templates/admission/"+d.name] = []byte(b.String())
	}
	return nil
}

func indexOf(lines []string, line string) int {
	for i, l := range lines {
		if l == line {
			return i
		}
	}
	return -1
}
