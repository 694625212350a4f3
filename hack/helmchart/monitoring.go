package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"sigs.k8s.io/yaml"
)

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
