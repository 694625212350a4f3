// Command manager runs the servicedesk operator.
package main

import (
	"crypto/tls"
	"fmt"
	"os"
	"runtime/debug"

	// Business hours need the IANA time zone database wherever the manager runs.
	_ "time/tzdata"

	// CA roots for https webhooks where the system has none (the image is
	// FROM scratch); the system's roots win wherever there are some.
	_ "golang.org/x/crypto/x509roots/fallback"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/servicedesk-operator/servicedesk-operator/controllers"
	"github.com/servicedesk-operator/servicedesk-operator/internal/version"
)

func main() {
	f := parseFlags()
	if f.showVersion {
		fmt.Println("servicedesk-operator", version.Get())
		os.Exit(0)
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&f.zap)))
	log := ctrl.Log.WithName("setup")
	if bad := f.complete(); bad != nil {
		log.Error(bad.err, bad.msg, "flag", "--"+bad.flag, "value", bad.value)
		os.Exit(2)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(f.gcPercent)
	}

	mgr, err := newManager(f)
	if err != nil {
		log.Error(err, "unable to create manager")
		os.Exit(1)
	}
	if err := controllers.SetupWithManager(mgr, f.desk); err != nil {
		log.Error(err, "unable to set up controllers")
		os.Exit(1)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		log.Error(err, "unable to set up health check")
		os.Exit(1)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		log.Error(err, "unable to set up ready check")
		os.Exit(1)
	}
	log.Info("starting manager", "version", version.Get().Version, "revision", version.Get().Revision)
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "manager stopped with an error")
		os.Exit(1)
	}
}

// newManager is the controller-runtime manager the flags describe.
func newManager(f *flags) (ctrl.Manager, error) {
	var tlsOpts []func(*tls.Config)
	if !f.enableHTTP2 {
		tlsOpts = append(tlsOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	metricsOpts := metricsserver.Options{
		BindAddress:   f.metricsAddr,
		SecureServing: f.secureMetrics,
		TLSOpts:       tlsOpts,
	}
	if f.secureMetrics {
		metricsOpts.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	scheme, err := controllers.NewScheme()
	if err != nil {
		return nil, err
	}
	opts := controllers.NewManagerOptions(scheme, f.desk)
	opts.Metrics = metricsOpts
	opts.HealthProbeBindAddress = f.probeAddr
	opts.PprofBindAddress = f.pprofAddr
	opts.LeaderElection = f.leaderElect
	opts.LeaderElectionNamespace = f.leaderElectNS
	// The operator's metrics are served on /metrics with controller-runtime's.
	f.desk.Metrics = controllers.NewMetrics()
	ctrlmetrics.Registry.MustRegister(f.desk.Metrics.Collectors()...)
	return ctrl.NewManager(ctrl.GetConfigOrDie(), opts)
}
