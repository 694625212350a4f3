// Command promrules writes the rules of the PrometheusRule in
// config/prometheus/prometheusrule.yaml (its .spec: a Prometheus rule file)
// and the rule unit tests of config/prometheus/tests into one directory,
// where promtool checks and tests them (`make test-rules`). The
// PrometheusRule stays the only copy of the rules; the tests (*_test.yaml)
// name the rule file rules.yaml, next to them.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"sigs.k8s.io/yaml"
)

func main() {
	rule := flag.String("rule", "config/prometheus/prometheusrule.yaml", "the PrometheusRule manifest")
	tests := flag.String("tests", "config/prometheus/tests", "directory of promtool rule unit tests (*_test.yaml)")
	out := flag.String("o", "bin/prometheus-rules", "output directory: rules.yaml and the tests")
	flag.Parse()
	if err := write(*out, *rule, *tests); err != nil {
		fmt.Fprintln(os.Stderr, "promrules:", err)
		os.Exit(1)
	}
}

// extract returns the rule groups of a PrometheusRule manifest as a
// Prometheus rule file.
func extract(manifest []byte) ([]byte, error) {
	var obj struct {
		APIVersion string          `json:"apiVersion"`
		Kind       string          `json:"kind"`
		Metadata   json.RawMessage `json:"metadata"`
		Spec       json.RawMessage `json:"spec"`
	}
	if err := yaml.UnmarshalStrict(manifest, &obj); err != nil {
		return nil, err
	}
	if obj.APIVersion != "monitoring.coreos.com/v1" || obj.Kind != "PrometheusRule" {
		return nil, fmt.Errorf("want a monitoring.coreos.com/v1 PrometheusRule, got %s %s", obj.APIVersion, obj.Kind)
	}
	if len(obj.Spec) == 0 {
		return nil, fmt.Errorf("the PrometheusRule has no spec")
	}
	return yaml.JSONToYAML(obj.Spec)
}

// write puts rules.yaml (extracted from the manifest at rule) and a copy of
// every *_test.yaml under tests into out.
func write(out, rule, tests string) error {
	manifest, err := os.ReadFile(rule)
	if err != nil {
		return err
	}
	rules, err := extract(manifest)
	if err != nil {
		return fmt.Errorf("%s: %w", rule, err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	// Leave no test from an earlier run that was since removed.
	stale, _ := filepath.Glob(filepath.Join(out, "*.yaml"))
	for _, f := range stale {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(out, "rules.yaml"), rules, 0o644); err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(tests, "*_test.yaml"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no rule tests in %s", tests)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, filepath.Base(f)), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
