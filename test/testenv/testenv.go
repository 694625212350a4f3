// Package testenv starts a real API server (envtest) for the test suites,
// using the binaries that `make envtest` builds into bin/k8s/.
package testenv

import (
	"os"
	"path/filepath"
	"runtime"
	"sort"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// RepoRoot is the repository's top directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// AssetsDir returns where kube-apiserver, etcd and kubectl are: the user's
// KUBEBUILDER_ASSETS if set, else the newest bin/k8s/<version>-<os>-<arch>.
func AssetsDir() string {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir
	}
	matches, _ := filepath.Glob(filepath.Join(RepoRoot(), "bin", "k8s", "*-"+runtime.GOOS+"-"+runtime.GOARCH))
	sort.Strings(matches)
	if len(matches) == 0 {
		return ""
	}
	return matches[len(matches)-1]
}

// New returns an envtest environment with the operator's CRDs installed.
func New() *envtest.Environment {
	return &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(RepoRoot(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: AssetsDir(),
	}
}
