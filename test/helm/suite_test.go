//go:build helm

// Package helm_test tests the Helm chart dist/chart with the real helm
// binary (make helm-tool builds it; HELM names another): helm lint, helm
// template for the defaults and each value that toggles something (against
// what config/ renders, so the chart and the kustomize install never
// drift), values the schema refuses, and helm install, upgrade and
// uninstall against a real API server (envtest) with complaints present.
//
// Run it with make test-helm (build tag helm; not part of go test ./...):
// it fails, not skips, without helm.
package helm_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

const (
	// release and namespace of the renders compared with config/default.
	release   = "servicedesk-operator"
	namespace = "servicedesk-system"
)

var (
	// helmBin is the helm binary under test.
	helmBin string
	// helmHome holds helm's cache, config and data: not the user's.
	helmHome string
	// chartDir is dist/chart.
	chartDir string
	// kustomized is what kustomize build config/default renders.
	kustomized []*unstructured.Unstructured
)

func TestHelm(t *testing.T) {
	RegisterFailHandler(Fail)
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(200 * time.Millisecond)
	RunSpecs(t, "helm chart suite")
}

var _ = BeforeSuite(func() {
	helmBin = findHelm()
	Expect(helmBin).NotTo(BeEmpty(), "no helm: run make helm-tool (bin/helm-<version>), or set HELM to a helm v4 binary")
	out, err := exec.Command(helmBin, "version", "--short").CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "%s version: %s", helmBin, out)
	Expect(string(out)).To(HavePrefix("v4."), "%s is not helm v4", helmBin)
	GinkgoWriter.Printf("helm %s (%s)\n", strings.TrimSpace(string(out)), helmBin)

	helmHome = GinkgoT().TempDir()
	chartDir = filepath.Join(testenv.RepoRoot(), "dist", "chart")

	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join(testenv.RepoRoot(), "config", "default"))
	Expect(err).NotTo(HaveOccurred(), "kustomize build config/default")
	for _, r := range m.Resources() {
		// Through JSON, as helm's output is read: numbers are float64.
		j, err := r.MarshalJSON()
		Expect(err).NotTo(HaveOccurred())
		var obj map[string]any
		Expect(json.Unmarshal(j, &obj)).To(Succeed())
		kustomized = append(kustomized, &unstructured.Unstructured{Object: obj})
	}
})

// findHelm returns $HELM, else the newest bin/helm-v4.*, else "".
func findHelm() string {
	if h := os.Getenv("HELM"); h != "" {
		if p, err := exec.LookPath(h); err == nil {
			return p
		}
		return ""
	}
	matches, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "bin", "helm-v4.*"))
	sort.Strings(matches)
	if len(matches) == 0 {
		return ""
	}
	return matches[len(matches)-1]
}

// helm runs the helm binary with args and returns what it printed on
// stdout, and stderr in the error.
func helm(args ...string) (string, error) {
	cmd := exec.Command(helmBin, args...)
	cmd.Env = append(os.Environ(),
		"HELM_CACHE_HOME="+filepath.Join(helmHome, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(helmHome, "config"),
		"HELM_DATA_HOME="+filepath.Join(helmHome, "data"),
		"HELM_NO_PLUGINS=1",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	GinkgoWriter.Printf("helm %s (%s)\n", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	if err != nil {
		return stdout.String(), fmt.Errorf("helm %s: %w\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String(), nil
}

// valuesFile writes values (YAML) to a file for helm -f.
func valuesFile(values string) string {
	f, err := os.CreateTemp(GinkgoT().TempDir(), "values-*.yaml")
	Expect(err).NotTo(HaveOccurred())
	_, err = f.WriteString(values)
	Expect(err).NotTo(HaveOccurred())
	Expect(f.Close()).To(Succeed())
	return f.Name()
}

// render runs helm template on the chart with values (YAML, may be empty)
// and returns the objects.
func render(values string) ([]*unstructured.Unstructured, error) {
	out, err := helm("template", release, chartDir, "--namespace", namespace, "-f", valuesFile(values))
	if err != nil {
		return nil, err
	}
	return decode(out)
}

// mustRender is render that fails the spec on an error.
func mustRender(values string) []*unstructured.Unstructured {
	objs, err := render(values)
	Expect(err).NotTo(HaveOccurred())
	return objs
}

// decode splits a YAML stream into objects (skipping empty documents).
func decode(stream string) ([]*unstructured.Unstructured, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(stream)))
	var objs []*unstructured.Unstructured
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := yaml.Unmarshal(doc, &m); err != nil {
			return nil, fmt.Errorf("%w\n%s", err, doc)
		}
		if len(m) == 0 {
			continue
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
}

// find returns the object of kind named name, or nil.
func find(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

// ofKind returns the objects of kind.
func ofKind(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

// ids returns "Kind/name" of each object, sorted.
func ids(objs []*unstructured.Unstructured) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.GetKind()+"/"+o.GetName())
	}
	sort.Strings(out)
	return out
}

// readYAML reads a manifest of the repository (a path relative to its root).
func readYAML(rel string) map[string]any {
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), filepath.FromSlash(rel)))
	Expect(err).NotTo(HaveOccurred())
	var m map[string]any
	Expect(yaml.Unmarshal(b, &m)).To(Succeed())
	return m
}

// field returns the value at path of obj (nil when absent).
func field(obj map[string]any, path ...string) any {
	v, _, _ := unstructured.NestedFieldNoCopy(obj, path...)
	return v
}

// container returns the manager container of a rendered Deployment.
func container(d *unstructured.Unstructured) map[string]any {
	cs, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	ExpectWithOffset(1, cs).To(HaveLen(1))
	return cs[0].(map[string]any)
}

// args returns the manager's flags in a rendered Deployment.
func args(d *unstructured.Unstructured) []string {
	var out []string
	for _, a := range container(d)["args"].([]any) {
		out = append(out, a.(string))
	}
	return out
}

// assetsDir is where kube-apiserver, etcd and kubectl are.
func assetsDir() string {
	dir := testenv.AssetsDir()
	Expect(dir).NotTo(BeEmpty(), "no envtest binaries in bin/k8s/*-%s-%s: run make envtest", goruntime.GOOS, goruntime.GOARCH)
	return dir
}
