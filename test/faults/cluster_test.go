//go:build faults

package faults

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/servicedesk-operator/servicedesk-operator/controllers"
	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

// startControlPlane starts envtest's etcd and API server so that both can
// be stopped and started again mid-run (restartControlPlane): etcd keeps its
// data dir, the API server its certificate dir and both their ports. envtest
// picks free ports once, in the first Start, and keeps them in Etcd.URL and
// APIServer.SecureServing; a Stop deletes only randomly allocated dirs (these
// are not); a Start builds a new process.State and keeps the serving
// certificate already in the cert dir (apiserver.crt) and the client CA of
// the same Authn (rewritten to client-cert-auth-ca.crt). So every kubeconfig
// issued before a restart (the manager's client certificate) stays valid
// after it. The output of both goes to apiserver.log and etcd.log in dir.
func startControlPlane(dir string) (*envtest.Environment, *rest.Config, error) {
	e := testenv.New()
	etcdDir, certDir := filepath.Join(dir, "etcd"), filepath.Join(dir, "apiserver")
	for _, d := range []string{etcdDir, certDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, nil, err
		}
	}
	etcdLog, err := os.OpenFile(filepath.Join(dir, "etcd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, err
	}
	apiLog, err := os.OpenFile(filepath.Join(dir, "apiserver.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, err
	}
	e.ControlPlane.Etcd = &envtest.Etcd{DataDir: etcdDir, Out: etcdLog, Err: etcdLog}
	e.ControlPlane.APIServer = &envtest.APIServer{CertDir: certDir, Out: apiLog, Err: apiLog}
	// On SIGTERM kube-apiserver waits for the watches in flight to end
	// (goroutines parked in WatchServer.HandleHTTP under the request wait
	// group; a watch lasts --min-request-timeout=1800s to twice that) unless
	// this grace period is set: with the manager's informers watching, it
	// did not exit within envtest's 20s StopTimeout, so envtest SIGKILLed
	// it, returned "timeout waiting for process kube-apiserver to stop" and
	// etcd was never restarted. With it, it exits within a second or so.
	e.ControlPlane.APIServer.Configure().Set("shutdown-watch-termination-grace-period", "3s")
	c, err := e.Start()
	if err != nil {
		return nil, nil, err
	}
	c.QPS, c.Burst = 500, 1000
	return e, c, nil
}

// restartControlPlane stops the API server and etcd, waits down, and starts
// them again on the same ports with the same data and certificates. It
// returns how long each step took (for the report).
func restartControlPlane(down time.Duration) (map[string]float64, error) {
	api, etcd := env.ControlPlane.APIServer, env.ControlPlane.Etcd
	port, etcdURL := api.SecureServing.Port, etcd.URL.String()
	took := map[string]float64{}
	step := func(name string, f func() error) error {
		t := time.Now()
		err := f()
		took[name] = time.Since(t).Seconds()
		GinkgoWriter.Printf("%s: %s took %s (err: %v)\n", time.Now().Format(time.TimeOnly), name, time.Since(t).Round(time.Millisecond), err)
		return err
	}
	if err := step("stopAPIServer", api.Stop); err != nil {
		_ = etcd.Stop()
		return took, fmt.Errorf("stopping the API server: %w", err)
	}
	if err := step("stopEtcd", etcd.Stop); err != nil {
		return took, fmt.Errorf("stopping etcd: %w", err)
	}
	time.Sleep(down)
	if err := step("startEtcd", etcd.Start); err != nil {
		return took, fmt.Errorf("starting etcd again: %w", err)
	}
	if etcd.URL.String() != etcdURL {
		return took, fmt.Errorf("etcd came back on %s, not %s", etcd.URL, etcdURL)
	}
	if err := step("startAPIServer", api.Start); err != nil {
		return took, fmt.Errorf("starting the API server again: %w", err)
	}
	if api.SecureServing.Port != port {
		return took, fmt.Errorf("the API server came back on port %s, not %s", api.SecureServing.Port, port)
	}
	return took, nil
}

// hookSecret is the HMAC key of every policy's webhooks (whsec_ form).
var hookSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("fault-suite-signing-key-0123456789"))

func ensureNamespace(ns string) error {
	err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// namespaceWithSecret creates ns and the webhook Secret "hook" in it.
func namespaceWithSecret(ns string) error {
	if err := ensureNamespace(ns); err != nil {
		return err
	}
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "hook", Namespace: ns}, StringData: map[string]string{"hmac": hookSecret}}
	if err := k8s.Create(ctx, s); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}

// startManagers starts n manager processes for one shard (the label
// support.servicedesk.dev/shard=<shard> of its complaints, so the
// scenarios of the suite do not handle each other's objects) and stops
// them when the spec ends.
func startManagers(shard string, n int, extra ...string) []*testenv.Manager {
	GinkgoHelper()
	var ms []*testenv.Manager
	for i := range n {
		flags := append([]string{"--watch-label-selector=" + controllers.ShardLabel + "=" + shard}, managerFlags...)
		flags = append(flags, extra...)
		m, err := testenv.NewManager(managerBin, kubeconfig, filepath.Join(workdir, shard+"-manager-"+strconv.Itoa(i)+".log"), flags)
		if err != nil {
			Fail(err.Error())
		}
		if _, _, err := m.Start(ctx, 90*time.Second); err != nil {
			Fail(err.Error())
		}
		ms = append(ms, m)
	}
	DeferCleanup(func() {
		for _, m := range ms {
			m.Kill(15, 15*time.Second) // SIGTERM
		}
	})
	return ms
}

// envInt reads a size from the environment.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
