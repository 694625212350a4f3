package main

import (
	"context"
	"errors"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

// stopPlane stops the control plane once it runs.
var stopPlane = func() {}

// startPlane starts the control plane (etcd, kube-apiserver, the CRDs)
// and writes into dir the kubeconfig of the operator's own user; it sets
// stopPlane.
func startPlane(ctx context.Context, scheme *runtime.Scheme, dir string) (client.Client, string, error) {
	if testenv.AssetsDir() == "" {
		return nil, "", errors.New("no kube-apiserver and etcd: run make envtest (or set KUBEBUILDER_ASSETS)")
	}
	env, _, c, err := testenv.Start(scheme)
	if err != nil {
		return nil, "", err
	}
	stopPlane = func() {
		began := time.Now()
		if err := env.Stop(); err != nil {
			say("stopping the control plane: %v", err)
		} else {
			say("control plane stopped (%s)", time.Since(began).Round(time.Millisecond))
		}
	}
	// The operator's own user, bound to config/rbac's ClusterRole: the
	// image runs with the permissions a real install gives it.
	kubeconfig, err := testenv.AddManagerUser(ctx, env, c, dir)
	if err != nil {
		return c, "", err
	}
	// uid 65532 in the container reads it.
	return c, kubeconfig, os.Chmod(kubeconfig, 0o644)
}
