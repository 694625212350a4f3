package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

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
