package delivery

import (
	"math/rand/v2"
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// Options configures the delivery subsystem.
type Options struct {
	// Clock tells the time and runs every timer of the subsystem: retries,
	// backed-off destinations, the Secret cache (default the real clock).
	Clock clock.Clock
	// Backoff spaces retries of a notification and probes of a backed-off
	// destination (default webhook.DefaultBackoff).
	Backoff webhook.Backoff
	// HTTPClient sends the requests (default: keep-alive, no redirects, no
	// proxy, and a dialer that enforces Destinations at connect time). A
	// client set here is used as is, for every webhook.
	HTTPClient *http.Client
	// Destinations decides which addresses requests may connect to.
	Destinations webhook.AddressPolicy
	// Workers bounds the requests in flight overall (default DefaultWorkers).
	Workers int
	// PerDestination bounds the requests in flight to one destination
	// (default DefaultPerDestination).
	PerDestination int
	// OnRefused, when set, is told of each attempt refused by Destinations,
	// with the namespace and name of the policy whose destination it was.
	// It must not block.
	OnRefused func(namespace, policy string)
	// ReconcileTimeout bounds one pass of a delivery controller.
	ReconcileTimeout time.Duration
	// Rand returns a number in [0,1) for jitter (tests pin it).
	Rand func() float64
	// InlineWait bounds how long a complaint's status write waits for the
	// notifications it queued, sent before it (default DefaultInlineWait;
	// negative: never sent inline).
	InlineWait time.Duration
	// InlineWaiting bounds the complaint passes waiting on receivers at
	// once (default DefaultInlineWaiting).
	InlineWaiting int
	// Pressure, when set, holds outcome writes back while the deadline path
	// is behind.
	Pressure *Pressure
	// Metrics records what the subsystem does (default: a fresh Metrics,
	// registered nowhere). The caller registers it where it is scraped.
	Metrics *Metrics
}

// secretTTL is how long a Secret's value is used before it is read again.
const secretTTL = 10 * time.Second

// withDefaults fills in the zero values.
func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	if o.Backoff.Base == 0 {
		o.Backoff = webhook.DefaultBackoff
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics()
	}
	if o.InlineWait == 0 {
		o.InlineWait = DefaultInlineWait
	}
	return o
}

// SetupWithManager registers the delivery subsystem: a Dispatcher that
// sends, and one small controller per ledger kind (Complaint, Escalation)
// that hands the due head of each destination's queue to it. The
// reconcilers of the lifecycle only ever append to the ledgers; the
// returned Inline lets the complaint controller send its new notifications
// just before its write (see Inline).
func SetupWithManager(mgr ctrl.Manager, opts Options) (*Dispatcher, *Inline, error) {
	opts = opts.withDefaults()
	clk := opts.Clock
	d := &Dispatcher{Workers: opts.Workers, PerDestination: opts.PerDestination, Backoff: opts.Backoff, Clock: clk, Rand: opts.Rand}
	if err := mgr.Add(d); err != nil {
		return nil, nil, err
	}
	rec := newRecorder(mgr.GetClient(), mgr.GetAPIReader())
	rec.clock, rec.metrics, rec.pressure = clk, opts.Metrics, opts.Pressure
	if err := mgr.Add(rec); err != nil {
		return nil, nil, err
	}
	hc := &webhook.Clients{Fixed: opts.HTTPClient, Dial: &webhook.GuardedDialer{Policy: opts.Destinations}, IdlePerHost: DefaultPerDestination}
	secrets := &secretCache{reader: mgr.GetAPIReader(), ttl: secretTTL, clock: clk}
	sources := []ledgerKind{
		complaintSource{client: mgr.GetClient(), clock: clk, recorder: mgr.GetEventRecorder("complaint-delivery"), metrics: opts.Metrics},
		escalationSource{client: mgr.GetClient(), clock: clk, recorder: mgr.GetEventRecorder("escalation-delivery"), metrics: opts.Metrics},
	}
	inline := &Inline{Wait: max(opts.InlineWait, 0), Waiting: opts.InlineWaiting, Grace: DefaultInlineGrace}
	if err := mgr.Add(inline); err != nil {
		return nil, nil, err
	}
	for _, src := range sources {
		r := &deliveryReconciler{
			client: mgr.GetClient(), src: src, dispatcher: d, recorder: rec, secrets: secrets,
			sender: &webhook.Sender{}, clients: hc, onRefused: opts.OnRefused, clock: clk, backoff: opts.Backoff, rand: opts.Rand,
			metrics: opts.Metrics,
			track:   tracker{m: map[types.UID]map[string]*trackState{}}, wake: make(chan event.GenericEvent, 1024),
		}
		if err := r.setupWithManager(mgr, opts.ReconcileTimeout); err != nil {
			return nil, nil, err
		}
		if src.kind() == "Complaint" {
			inline.r, r.held = r, newHeldOutcomes(clk)
		}
	}
	return d, inline, nil
}

// setupWithManager runs r as the controller of its ledger kind.
func (r *deliveryReconciler) setupWithManager(mgr ctrl.Manager, timeout time.Duration) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(r.src.newObject(), builder.WithPredicates(r.ledgerChanged())).
		WatchesRawSource(source.Channel(r.wake, &handler.EnqueueRequestForObject{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: 2, ReconciliationTimeout: timeout}).
		Named(lowerKind(r.src) + "-delivery").
		Complete(r)
}

func lowerKind(src ledgerKind) string {
	if src.kind() == "Complaint" {
		return "complaint"
	}
	return "escalation"
}
