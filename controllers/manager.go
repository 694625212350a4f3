package controllers

import (
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// NewScheme is the scheme of the operator's manager: the Kubernetes kinds
// and the service desk's.
func NewScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	return s, supportv1.AddToScheme(s)
}

// NewManagerOptions are the manager options the operator needs, the one
// place cmd/main.go, the sandbox and the tests take them from: the scheme;
// a cache that keeps of managedFields only when each spec fact was written
// (the clocks time facts by it) and only the shard's complaints and
// escalations (CacheOptions); the shard's leader election lease, released
// on shutdown. The metrics server is off: a caller that serves metrics sets
// its address, as it sets probes and turns leader election on.
func NewManagerOptions(scheme *runtime.Scheme, opts Options) ctrl.Options {
	return ctrl.Options{
		Scheme:                        scheme,
		Cache:                         CacheOptions(opts.Shard),
		LeaderElectionID:              LeaderElectionID(opts.Shard),
		LeaderElectionReleaseOnCancel: true,
		Metrics:                       metricsserver.Options{BindAddress: "0"},
	}
}
