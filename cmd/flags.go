package main

import (
	"flag"
	"net/netip"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/servicedesk-operator/servicedesk-operator/controllers"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// flags is the manager's command line.
type flags struct {
	metricsAddr   string
	probeAddr     string
	leaderElect   bool
	secureMetrics bool
	enableHTTP2   bool
	leaderElectNS string
	pprofAddr     string
	// shard, allowedCIDRs and clusterCIDRs are parsed into desk by complete.
	shard                      string
	allowedCIDRs, clusterCIDRs string
	gcPercent                  int
	showVersion                bool
	desk                       controllers.Options
	zap                        zap.Options
}

// parseFlags reads the command line.
func parseFlags() *flags {
	f := &flags{zap: zap.Options{Development: false}}
	flag.StringVar(&f.metricsAddr, "metrics-bind-address", "0", "Address of the metrics endpoint: :8443 for HTTPS, :8080 for HTTP, 0 to disable.")
	flag.StringVar(&f.probeAddr, "health-probe-bind-address", ":8081", "Address of the health and readiness probes.")
	flag.BoolVar(&f.leaderElect, "leader-elect", false, "Elect a leader, so only one replica acts at a time.")
	flag.StringVar(&f.leaderElectNS, "leader-election-namespace", "", "Namespace of the leader election lease (default: the pod's namespace).")
	flag.BoolVar(&f.secureMetrics, "metrics-secure", true, "Serve metrics over HTTPS with authentication and authorization.")
	flag.BoolVar(&f.enableHTTP2, "enable-http2", false, "Enable HTTP/2 for the metrics server (off: HTTP/2 Rapid Reset CVEs).")
	desk := &f.desk
	flag.IntVar(&desk.ComplaintWorkers, "complaint-workers", controllers.DefaultComplaintWorkers, "Complaints reconciled in parallel (intake, clocks, breaches, the ladder).")
	flag.IntVar(&desk.EscalationWorkers, "escalation-workers", controllers.DefaultEscalationWorkers, "Escalations reconciled in parallel.")
	flag.IntVar(&desk.PolicyWorkers, "policy-workers", controllers.DefaultPolicyWorkers, "ServicePolicies reconciled in parallel.")
	flag.IntVar(&desk.DeliveryWorkers, "delivery-workers", delivery.DefaultWorkers, "Webhook requests in flight at most, over all destinations.")
	flag.IntVar(&desk.DeliveryPerDestination, "delivery-per-destination", delivery.DefaultPerDestination, "Webhook requests in flight at most to one destination (a notify entry of a policy).")
	flag.DurationVar(&desk.InlineDeliveryWait, "inline-delivery-wait", delivery.DefaultInlineWait, "How long a complaint's status write waits for the webhooks it queued, sent just before it, so that one write records the transition and the deliveries (0: never wait; they are sent after the write). Only healthy destinations with a free slot are sent to inline.")
	flag.StringVar(&f.pprofAddr, "pprof-bind-address", "", "Address of the pprof endpoint for profiling, e.g. 127.0.0.1:6060 (empty: off).")
	flag.StringVar(&f.shard, "watch-label-selector", "", "Handle only the complaints (and their escalations) whose labels match this selector, e.g. support.servicedesk.dev/shard=a, or '!support.servicedesk.dev/shard' for the unlabelled rest. Each shard elects its own leader. Empty: all.")
	flag.StringVar(&f.allowedCIDRs, "webhook-allowed-cidrs", "", "Comma-separated CIDRs webhooks may reach even though they are refused by default (every IANA special-purpose range that is not globally reachable: private, shared, loopback, link-local, unique local, documentation, ...; the cluster's ServiceCIDRs; --cluster-cidrs), e.g. 10.20.0.0/16 for a receiver on the private network, 127.0.0.0/8,::1/128 for one on the same host. Empty: none.")
	flag.StringVar(&f.clusterCIDRs, "cluster-cidrs", "", "Comma-separated CIDRs of the cluster's own networks, which webhooks may not reach (unless in --webhook-allowed-cidrs), for ranges no special-purpose list holds: the pod network, a Service range on clusters without ServiceCIDR objects (before Kubernetes 1.33), network-specific NAT64 prefixes. The ServiceCIDRs the API server serves are refused without being listed. Empty: none.")
	flag.IntVar(&f.gcPercent, "gc-percent", 50, "Go garbage collection target (as GOGC): the heap may grow this many percent over the live heap before a collection. The informer cache is most of the live heap and changes slowly: 50 keeps the resident set about a fifth lower than Go's default 100 for a little CPU. GOGC in the environment wins; -1 turns collection off (GOMEMLIMIT still applies).")
	flag.DurationVar(&desk.ReconcileTimeout, "reconcile-timeout", controllers.DefaultReconcileTimeout, "Longest time one reconcile may take before it is cancelled and retried.")
	flag.BoolVar(&f.showVersion, "version", false, "Print the version and exit.")
	f.zap.BindFlags(flag.CommandLine)
	flag.Parse()
	return f
}

// badFlag is a flag with a value the manager refuses: what is logged.
type badFlag struct {
	err   error
	msg   string
	flag  string
	value any
}

// complete checks the flags and parses the selector and the CIDRs into
// desk; it returns the first flag it refuses, nil when all are fine.
func (f *flags) complete() *badFlag {
	desk := &f.desk
	for name, v := range map[string]int{"complaint-workers": desk.ComplaintWorkers, "escalation-workers": desk.EscalationWorkers, "policy-workers": desk.PolicyWorkers,
		"delivery-workers": desk.DeliveryWorkers, "delivery-per-destination": desk.DeliveryPerDestination} {
		if v < 1 {
			return &badFlag{nil, "invalid flag: must be at least 1", name, v}
		}
	}
	sel, err := labels.Parse(f.shard)
	if err != nil {
		return &badFlag{err, "invalid flag", "watch-label-selector", f.shard}
	}
	desk.Shard = sel
	for flagName, v := range map[string]struct {
		value string
		into  *[]netip.Prefix
	}{"webhook-allowed-cidrs": {f.allowedCIDRs, &desk.WebhookDestinations.Allowed}, "cluster-cidrs": {f.clusterCIDRs, &desk.WebhookDestinations.Cluster}} {
		cidrs, err := webhook.ParseCIDRs(v.value)
		if err != nil {
			return &badFlag{err, "invalid flag", flagName, v.value}
		}
		*v.into = cidrs
	}
	if desk.ReconcileTimeout <= 0 || desk.ReconcileTimeout > 10*time.Minute {
		return &badFlag{nil, "invalid flag: must be between 0s (exclusive) and 10m", "reconcile-timeout", desk.ReconcileTimeout}
	}
	if desk.InlineDeliveryWait < 0 || desk.InlineDeliveryWait > 5*time.Second {
		return &badFlag{nil, "invalid flag: must be between 0s and 5s", "inline-delivery-wait", desk.InlineDeliveryWait}
	}
	if desk.InlineDeliveryWait == 0 {
		desk.InlineDeliveryWait = -1 // off (zero means the default to controllers.Options)
	}
	if f.gcPercent < -1 {
		return &badFlag{nil, "invalid flag: must be -1 (off) or more", "gc-percent", f.gcPercent}
	}
	return nil
}
