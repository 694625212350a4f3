// Command manager runs the servicedesk operator.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"runtime/debug"
	"time"

	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	// Business hours need the IANA time zone database wherever the manager runs.
	_ "time/tzdata"

	// CA roots for https webhooks where the system has none (the image is
	// FROM scratch); the system's roots win wherever there are some.
	_ "golang.org/x/crypto/x509roots/fallback"

	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/servicedesk-operator/servicedesk-operator/controllers"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
	"github.com/servicedesk-operator/servicedesk-operator/internal/version"
)

func main() {
	var (
		metricsAddr   string
		probeAddr     string
		leaderElect   bool
		secureMetrics bool
		enableHTTP2   bool
		leaderElectNS string
	)
	flag.StringVar(&metricsAddr, "metrics-bind-address", "0", "Address of the metrics endpoint: :8443 for HTTPS, :8080 for HTTP, 0 to disable.")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "Address of the health and readiness probes.")
	flag.BoolVar(&leaderElect, "leader-elect", false, "Elect a leader, so only one replica acts at a time.")
	flag.StringVar(&leaderElectNS, "leader-election-namespace", "", "Namespace of the leader election lease (default: the pod's namespace).")
	flag.BoolVar(&secureMetrics, "metrics-secure", true, "Serve metrics over HTTPS with authentication and authorization.")
	flag.BoolVar(&enableHTTP2, "enable-http2", false, "Enable HTTP/2 for the metrics server (off: HTTP/2 Rapid Reset CVEs).")
	var desk controllers.Options
	flag.IntVar(&desk.ComplaintWorkers, "complaint-workers", controllers.DefaultComplaintWorkers, "Complaints reconciled in parallel (intake, clocks, breaches, the ladder).")
	flag.IntVar(&desk.EscalationWorkers, "escalation-workers", controllers.DefaultEscalationWorkers, "Escalations reconciled in parallel.")
	flag.IntVar(&desk.PolicyWorkers, "policy-workers", controllers.DefaultPolicyWorkers, "ServicePolicies reconciled in parallel.")
	flag.IntVar(&desk.DeliveryWorkers, "delivery-workers", delivery.DefaultWorkers, "Webhook requests in flight at most, over all destinations.")
	flag.IntVar(&desk.DeliveryPerDestination, "delivery-per-destination", delivery.DefaultPerDestination, "Webhook requests in flight at most to one destination (a notify entry of a policy).")
	var pprofAddr string
	flag.StringVar(&pprofAddr, "pprof-bind-address", "", "Address of the pprof endpoint for profiling, e.g. 127.0.0.1:6060 (empty: off).")
	var shard string
	flag.StringVar(&shard, "watch-label-selector", "", "Handle only the complaints (and their escalations) whose labels match this selector, e.g. support.servicedesk.dev/shard=a, or '!support.servicedesk.dev/shard' for the unlabelled rest. Each shard elects its own leader. Empty: all.")
	var allowedCIDRs, clusterCIDRs string
	flag.StringVar(&allowedCIDRs, "webhook-allowed-cidrs", "", "Comma-separated CIDRs webhooks may reach even though they are refused by default (every IANA special-purpose range that is not globally reachable: private, shared, loopback, link-local, unique local, documentation, ...; the cluster's ServiceCIDRs; --cluster-cidrs), e.g. 10.20.0.0/16 for a receiver on the private network, 127.0.0.0/8,::1/128 for one on the same host. Empty: none.")
	flag.StringVar(&clusterCIDRs, "cluster-cidrs", "", "Comma-separated CIDRs of the cluster's own networks, which webhooks may not reach (unless in --webhook-allowed-cidrs), for ranges no special-purpose list holds: the pod network, a Service range on clusters without ServiceCIDR objects (before Kubernetes 1.33), network-specific NAT64 prefixes. The ServiceCIDRs the API server serves are refused without being listed. Empty: none.")
	var gcPercent int
	flag.IntVar(&gcPercent, "gc-percent", 50, "Go garbage collection target (as GOGC): the heap may grow this many percent over the live heap before a collection. The informer cache is most of the live heap and changes slowly: 50 keeps the resident set about a fifth lower than Go's default 100 for a little CPU. GOGC in the environment wins; -1 turns collection off (GOMEMLIMIT still applies).")
	flag.DurationVar(&desk.ReconcileTimeout, "reconcile-timeout", controllers.DefaultReconcileTimeout, "Longest time one reconcile may take before it is cancelled and retried.")
	showVersion := flag.Bool("version", false, "Print the version and exit.")
	opts := zap.Options{Development: false}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	if *showVersion {
		fmt.Println("servicedesk-operator", version.Get())
		os.Exit(0)
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	log := ctrl.Log.WithName("setup")
	for name, v := range map[string]int{"complaint-workers": desk.ComplaintWorkers, "escalation-workers": desk.EscalationWorkers, "policy-workers": desk.PolicyWorkers,
		"delivery-workers": desk.DeliveryWorkers, "delivery-per-destination": desk.DeliveryPerDestination} {
		if v < 1 {
			log.Error(nil, "invalid flag: must be at least 1", "flag", "--"+name, "value", v)
			os.Exit(2)
		}
	}
	sel, err := labels.Parse(shard)
	if err != nil {
		log.Error(err, "invalid flag", "flag", "--watch-label-selector", "value", shard)
		os.Exit(2)
	}
	desk.Shard = sel
	for flagName, v := range map[string]struct {
		value string
		into  *[]netip.Prefix
	}{"webhook-allowed-cidrs": {allowedCIDRs, &desk.WebhookDestinations.Allowed}, "cluster-cidrs": {clusterCIDRs, &desk.WebhookDestinations.Cluster}} {
		cidrs, err := webhook.ParseCIDRs(v.value)
		if err != nil {
			log.Error(err, "invalid flag", "flag", "--"+flagName, "value", v.value)
			os.Exit(2)
		}
		*v.into = cidrs
	}
	if desk.ReconcileTimeout <= 0 || desk.ReconcileTimeout > 10*time.Minute {
		log.Error(nil, "invalid flag: must be between 0s (exclusive) and 10m", "flag", "--reconcile-timeout", "value", desk.ReconcileTimeout)
		os.Exit(2)
	}

	if gcPercent < -1 {
		log.Error(nil, "invalid flag: must be -1 (off) or more", "flag", "--gc-percent", "value", gcPercent)
		os.Exit(2)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}

	var tlsOpts []func(*tls.Config)
	if !enableHTTP2 {
		tlsOpts = append(tlsOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	metricsOpts := metricsserver.Options{
		BindAddress:   metricsAddr,
		SecureServing: secureMetrics,
		TLSOpts:       tlsOpts,
	}
	if secureMetrics {
		metricsOpts.FilterProvider = filters.WithAuthenticationAndAuthorization
	}

	scheme, err := controllers.NewScheme()
	if err != nil {
		log.Error(err, "unable to build the scheme")
		os.Exit(1)
	}
	mgrOpts := controllers.NewManagerOptions(scheme, desk)
	mgrOpts.Metrics = metricsOpts
	mgrOpts.HealthProbeBindAddress = probeAddr
	mgrOpts.PprofBindAddress = pprofAddr
	mgrOpts.LeaderElection = leaderElect
	mgrOpts.LeaderElectionNamespace = leaderElectNS
	// The operator's metrics are served on /metrics with controller-runtime's.
	desk.Metrics = controllers.NewMetrics()
	ctrlmetrics.Registry.MustRegister(desk.Metrics.Collectors()...)
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), mgrOpts)
	if err != nil {
		log.Error(err, "unable to create manager")
		os.Exit(1)
	}
	if err := controllers.SetupWithManager(mgr, desk); err != nil {
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
