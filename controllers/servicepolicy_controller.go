package controllers

import (
	"context"
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/internal/requeue"
)

// ServicePolicyReconciler checks what the schema cannot (time zone, Secrets)
// and reports how many complaints each policy governs.
type ServicePolicyReconciler struct {
	client.Client
	// APIReader reads Secrets straight from the API server, so the operator
	// never caches every Secret of the cluster.
	APIReader client.Reader
	// Policies is the compiled-policy cache shared with the complaint
	// controller; deleted policies leave it here.
	Policies *policyCache
	// Sharded: this replica sees one shard's complaints, so it does not
	// count them.
	Sharded bool
	// Destinations is the delivery subsystem's AddressPolicy: webhooks it
	// refuses make the policy not Ready (DestinationRefused).
	Destinations webhook.AddressPolicy
	// Resolver looks webhook hosts up (nil: net.DefaultResolver).
	Resolver webhook.Resolver
	// Refused carries the policies to check again at once: those whose
	// webhook an attempt was just refused for, and every policy with a
	// webhook when the cluster's ServiceCIDRs change (nil: none).
	Refused <-chan event.GenericEvent
	// Workers bounds parallel reconciles; Timeout bounds one.
	Workers int
	Timeout time.Duration
}

// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=servicepolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=servicepolicies/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get

// Reconcile reports the policy's readiness and the complaints it governs.
func (r *ServicePolicyReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var policy supportv1.ServicePolicy
	if err := r.Get(ctx, req.NamespacedName, &policy); apierrors.IsNotFound(err) {
		r.Policies.forget(req.NamespacedName)
		return ctrl.Result{}, nil
	} else if err != nil {
		return ctrl.Result{}, err
	}
	before := policy.Status.DeepCopy()

	policy.Status.Complaints = nil
	if !r.Sharded {
		var governed supportv1.ComplaintList
		if err := r.List(ctx, &governed, client.InNamespace(policy.Namespace), client.MatchingFields{indexComplaintPolicy: policy.Name}, client.UnsafeDisableDeepCopy); err != nil {
			return ctrl.Result{}, err
		}
		n := int32(len(governed.Items))
		policy.Status.Complaints = &n
	}
	policy.Status.ObservedGeneration = policy.Generation

	ready := metav1.Condition{Type: supportv1.ConditionReady, Status: metav1.ConditionTrue, Reason: supportv1.ReasonValid,
		Message: "the policy can be applied", ObservedGeneration: policy.Generation}
	if _, err := r.Policies.get(&policy); err != nil {
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, supportv1.ReasonInvalidPolicy, err.Error()
	} else if reason, problems, err := r.checkSecrets(ctx, &policy); err != nil {
		return ctrl.Result{}, err
	} else if len(problems) > 0 {
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, reason, strings.Join(problems, "; ")
	} else if problems := checkLadder(&policy); len(problems) > 0 {
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, supportv1.ReasonInvalidPolicy, strings.Join(problems, "; ")
	} else if problems := checkDestinations(ctx, &policy, r.Destinations, r.Resolver); len(problems) > 0 {
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, supportv1.ReasonDestinationRefused, strings.Join(problems, "; ")
	}
	apimeta.SetStatusCondition(&policy.Status.Conditions, ready)
	setStalledCondition(&policy.Status.Conditions, ready)
	// Secrets are read, not watched (no cluster-wide Secret cache): look
	// again while one is missing.
	result := ctrl.Result{}
	if ready.Reason == supportv1.ReasonSecretNotFound || ready.Reason == supportv1.ReasonSecretInvalid {
		result.RequeueAfter = secretRecheck
	} else if hasWebhookHostName(&policy) {
		// DNS answers change: look again now and then.
		result.RequeueAfter = destinationRecheck
	}
	if equality.Semantic.DeepEqual(before, &policy.Status) {
		return result, nil
	}
	if err := r.Status().Update(ctx, &policy); apierrors.IsConflict(err) {
		return requeue.AfterConflict(), nil
	} else if err != nil {
		return ctrl.Result{}, err
	}
	return result, nil
}

// secretRecheck is how often a policy with a missing or unusable Secret looks again.
const secretRecheck = 30 * time.Second

// checkSecrets reports webhook secretRefs and caSecretRefs that point at
// no Secret or key (SecretNotFound), and values that cannot be used
// (SecretInvalid): a whsec_ signing secret that does not decode, a CA
// bundle without a PEM certificate. A missing Secret outranks an invalid
// one in the reason; the message lists every problem. The values are
// never read into messages.
func (r *ServicePolicyReconciler) checkSecrets(ctx context.Context, p *supportv1.ServicePolicy) (string, []string, error) {
	var problems []string
	reason := supportv1.ReasonSecretInvalid
	missing := func(msg string) {
		problems = append(problems, msg)
		reason = supportv1.ReasonSecretNotFound
	}
	for i, n := range p.Spec.Notify {
		if n.Webhook == nil {
			continue
		}
		for field, ref := range map[string]*supportv1.SecretKeyRef{"secretRef": n.Webhook.SecretRef, "caSecretRef": n.Webhook.CASecretRef} {
			if ref == nil {
				continue
			}
			var s corev1.Secret
			err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: p.Namespace, Name: ref.Name}, &s)
			switch {
			case apierrors.IsNotFound(err):
				missing(fmt.Sprintf("spec.notify[%d].webhook.%s: Secret %s not found", i, field, ref.Name))
			case err != nil:
				return "", nil, err
			case len(s.Data[ref.Key]) == 0:
				missing(fmt.Sprintf("spec.notify[%d].webhook.%s: Secret %s has no key %s", i, field, ref.Name, ref.Key))
			case field == "caSecretRef" && !x509.NewCertPool().AppendCertsFromPEM(s.Data[ref.Key]):
				problems = append(problems, fmt.Sprintf("spec.notify[%d].webhook.%s: Secret %s key %s holds no PEM certificate", i, field, ref.Name, ref.Key))
			case field == "secretRef":
				if _, err := webhook.SigningKey(s.Data[ref.Key]); err != nil {
					problems = append(problems, fmt.Sprintf("spec.notify[%d].webhook.%s: Secret %s key %s: %v", i, field, ref.Name, ref.Key, err))
				}
			}
		}
	}
	slices.Sort(problems) // map order is random; the message must not churn
	return reason, problems, nil
}

// checkLadder reports escalation levels and departments that notify
// destinations not in spec.notify.
func checkLadder(p *supportv1.ServicePolicy) []string {
	known := map[string]bool{}
	for _, n := range p.Spec.Notify {
		known[n.Name] = true
	}
	var problems []string
	if r := p.Spec.Recovery; r != nil {
		for i, d := range r.Departments {
			for _, name := range d.Notify {
				if !known[name] {
					problems = append(problems, fmt.Sprintf("spec.recovery.departments[%d].notify: %s is not a spec.notify entry", i, name))
				}
			}
		}
	}
	if p.Spec.Escalation == nil {
		return problems
	}
	for i, l := range p.Spec.Escalation.Levels {
		for _, name := range l.Notify {
			if !known[name] {
				problems = append(problems, fmt.Sprintf("spec.escalation.levels[%d].notify: %s is not a spec.notify entry", i, name))
			}
		}
	}
	return problems
}

// SetupWithManager registers the reconciler and its watches.
// The policy is looked at when its spec changes, and when a complaint
// starts or stops being governed by it (the count it reports); the
// complaints' other status writes never wake it.
func (r *ServicePolicyReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&supportv1.ServicePolicy{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WatchesRawSource(source.Channel(refusals(r.Refused), &handler.EnqueueRequestForObject{})).
		Watches(&supportv1.Complaint{}, handler.Funcs{
			CreateFunc: func(_ context.Context, e event.TypedCreateEvent[client.Object], q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
				enqueuePolicyOf(q, e.Object)
			},
			UpdateFunc: func(_ context.Context, e event.TypedUpdateEvent[client.Object], q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
				if policyOf(e.ObjectOld) != policyOf(e.ObjectNew) {
					enqueuePolicyOf(q, e.ObjectOld)
					enqueuePolicyOf(q, e.ObjectNew)
				}
			},
			DeleteFunc: func(_ context.Context, e event.TypedDeleteEvent[client.Object], q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
				enqueuePolicyOf(q, e.Object)
			},
		}).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.Workers, ReconciliationTimeout: r.Timeout}).
		Named("servicepolicy").
		Complete(r)
}

func policyOf(o client.Object) string {
	if c, ok := o.(*supportv1.Complaint); ok {
		return c.Status.Policy
	}
	return ""
}

// countDelay batches the count updates of an intake burst: the complaints
// recorded within it make one policy pass, not one each.
const countDelay = 5 * time.Second

func enqueuePolicyOf(q workqueue.TypedRateLimitingInterface[reconcile.Request], o client.Object) {
	if name := policyOf(o); name != "" {
		q.AddAfter(reconcile.Request{NamespacedName: client.ObjectKey{Namespace: o.GetNamespace(), Name: name}}, countDelay)
	}
}

// setStalledCondition makes a policy that cannot be applied Stalled (kstatus:
// Failed), so GitOps tools waiting on it fail instead of waiting forever.
// It is absent while the policy is Ready: an abnormal-true condition, as
// Flux sets it.
func setStalledCondition(conds *[]metav1.Condition, ready metav1.Condition) {
	if ready.Status == metav1.ConditionTrue {
		apimeta.RemoveStatusCondition(conds, supportv1.ConditionStalled)
		return
	}
	apimeta.SetStatusCondition(conds, metav1.Condition{Type: supportv1.ConditionStalled, Status: metav1.ConditionTrue,
		Reason: ready.Reason, Message: ready.Message, ObservedGeneration: ready.ObservedGeneration})
}
