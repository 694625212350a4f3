// Package testenv starts a real API server (envtest) for the test suites,
// using the binaries that `make envtest` builds into bin/k8s/.
package testenv

import (
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sort"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// RepoRoot is the repository's top directory.
func RepoRoot() string {
	_, file, _, _ := goruntime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// AssetsDir returns where kube-apiserver, etcd and kubectl are: the user's
// KUBEBUILDER_ASSETS if set, else the newest bin/k8s/<version>-<os>-<arch>.
func AssetsDir() string {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir
	}
	matches, _ := filepath.Glob(filepath.Join(RepoRoot(), "bin", "k8s", "*-"+goruntime.GOOS+"-"+goruntime.GOARCH))
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

// Scheme returns a scheme with the built-in kinds and the operator's.
func Scheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	return s, supportv1.AddToScheme(s)
}

// Start starts the API server with the CRDs and returns it with its config
// and a client that reads straight from the API server (never a cache).
func Start(scheme *runtime.Scheme) (*envtest.Environment, *rest.Config, client.Client, error) {
	env := New()
	cfg, err := env.Start()
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		_ = env.Stop()
		return nil, nil, nil, err
	}
	return env, cfg, c, nil
}

// Kubectl runs kubectl against env's API server.
type Kubectl interface {
	Run(args ...string) (stdout, stderr io.Reader, err error)
}

// AdminKubectl is kubectl as a cluster admin (system:masters) of env.
func AdminKubectl(env *envtest.Environment) (Kubectl, error) {
	user, err := env.AddUser(envtest.User{Name: "envtest-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return nil, err
	}
	return user.Kubectl()
}
