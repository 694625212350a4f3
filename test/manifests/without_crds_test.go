package manifests

import (
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// ids lists the resources as kind/namespace/name, sorted.
func ids(m resmap.ResMap) []string {
	var out []string
	for _, r := range m.Resources() {
		out = append(out, r.GetKind()+"/"+r.GetNamespace()+"/"+r.GetName())
	}
	slices.Sort(out)
	return out
}

// TestUndeployKeepsTheCRDs: config/without-crds, what `make undeploy`
// deletes, is config/default without (only) its CRDs and its Namespace.
func TestUndeployKeepsTheCRDs(t *testing.T) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	without, err := k.Run(filesys.MakeFsOnDisk(), "../../config/without-crds")
	if err != nil {
		t.Fatalf("kustomize build config/without-crds: %v", err)
	}
	var want []string
	crds := 0
	for _, id := range ids(render(t)) {
		if strings.HasPrefix(id, "CustomResourceDefinition/") {
			crds++
			continue
		}
		if strings.HasPrefix(id, "Namespace/") {
			continue
		}
		want = append(want, id)
	}
	if crds == 0 {
		t.Fatal("config/default renders no CRD: is the test still right?")
	}
	if got := ids(without); !slices.Equal(got, want) {
		t.Errorf("config/without-crds renders\n%v\nwant config/default less its %d CRDs and its Namespace:\n%v", got, crds, want)
	}
}
