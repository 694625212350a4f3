package delivery

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// ledgerKind is a kind whose status holds a delivery ledger: Complaint or
// Escalation. It says where the ledger is, which policy's destinations
// apply, how to build a notification's event, and how outcomes change the
// status.
type ledgerKind interface {
	kind() string
	resource() schema.GroupResource
	newObject() client.Object
	ledger(obj client.Object) []supportv1.Notification
	// policy is the ServicePolicy whose destinations the ledger names.
	policy(obj client.Object) string
	// event builds the CloudEvent of n, reading related objects from the cache.
	event(ctx context.Context, obj client.Object, n supportv1.Notification, hook *supportv1.Webhook) (event.Event, error)
	// apply merges outcomes into obj's status and returns those that took effect.
	apply(obj client.Object, outs []Record) []Record
	// written tells people about the outcomes recorded (Events, metrics).
	written(obj client.Object, applied []Record)
}

type complaintSource struct {
	clock    clock.PassiveClock
	recorder events.EventRecorder
}

func (complaintSource) kind() string { return "Complaint" }
func (complaintSource) resource() schema.GroupResource {
	return supportv1.GroupVersion.WithResource("complaints").GroupResource()
}
func (complaintSource) newObject() client.Object { return &supportv1.Complaint{} }
func (complaintSource) ledger(obj client.Object) []supportv1.Notification {
	return obj.(*supportv1.Complaint).Status.Notifications
}
func (complaintSource) policy(obj client.Object) string {
	return obj.(*supportv1.Complaint).Status.Policy
}

func (complaintSource) event(_ context.Context, obj client.Object, n supportv1.Notification, hook *supportv1.Webhook) (event.Event, error) {
	return BuildEvent(obj.(*supportv1.Complaint), nil, n, hook)
}

func (s complaintSource) apply(obj client.Object, outs []Record) []Record {
	c := obj.(*supportv1.Complaint)
	list, applied := Apply(c.Status.Notifications, outs)
	if len(applied) == 0 {
		return nil
	}
	c.Status.Notifications = list
	SetNotificationFailedCondition(&c.Status.Conditions, list, c.Generation, s.clock.Now())
	return applied
}

func (s complaintSource) written(obj client.Object, applied []Record) {
	warnFailed(s.recorder, obj, applied)
}

type escalationSource struct {
	client   client.Reader
	clock    clock.PassiveClock
	recorder events.EventRecorder
}

func (escalationSource) kind() string { return "Escalation" }
func (escalationSource) resource() schema.GroupResource {
	return supportv1.GroupVersion.WithResource("escalations").GroupResource()
}
func (escalationSource) newObject() client.Object { return &supportv1.Escalation{} }
func (escalationSource) ledger(obj client.Object) []supportv1.Notification {
	return obj.(*supportv1.Escalation).Status.Notifications
}
func (escalationSource) policy(obj client.Object) string {
	return obj.(*supportv1.Escalation).Status.Policy
}

// event describes the escalated complaint as the cache has it; a complaint
// deleted meanwhile is still named.
func (s escalationSource) event(ctx context.Context, obj client.Object, n supportv1.Notification, hook *supportv1.Webhook) (event.Event, error) {
	esc := obj.(*supportv1.Escalation)
	var c supportv1.Complaint
	if err := s.client.Get(ctx, client.ObjectKey{Namespace: esc.Namespace, Name: esc.Spec.ComplaintName}, &c); apierrors.IsNotFound(err) {
		c = supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Namespace: esc.Namespace, Name: esc.Spec.ComplaintName}}
	} else if err != nil {
		return event.Event{}, err
	}
	return BuildEvent(&c, EscalationRefOf(esc), n, hook)
}

func (s escalationSource) apply(obj client.Object, outs []Record) []Record {
	esc := obj.(*supportv1.Escalation)
	list, applied := Apply(esc.Status.Notifications, outs)
	if len(applied) == 0 {
		return nil
	}
	now := metav1.NewTime(s.clock.Now().Truncate(time.Second))
	esc.Status.Notifications = list
	for _, o := range applied {
		if o.Delivered && esc.Status.NotifiedAt == nil {
			esc.Status.NotifiedAt = &now // the first destination of the level was told
		}
	}
	SetNotifiedCondition(&esc.Status, esc.Generation, now.Time)
	return applied
}

func (s escalationSource) written(obj client.Object, applied []Record) {
	warnFailed(s.recorder, obj, applied)
}

func warnFailed(rec events.EventRecorder, obj client.Object, applied []Record) {
	for _, o := range applied {
		outcome := outcomeRetry
		switch {
		case o.Delivered:
			outcome = outcomeDelivered
		case o.Failed:
			outcome = outcomeFailed
			rec.Eventf(obj, nil, corev1.EventTypeWarning, supportv1.ReasonDeliveryFailed, "Notify",
				"%s notification %s to %s failed: %s", o.Event, o.ID, o.Target, o.LastError)
		}
		deliveriesTotal.WithLabelValues(string(o.Event), outcome).Inc()
	}
}

// SetNotificationFailedCondition is True on a complaint while any of its
// deliveries has given up.
func SetNotificationFailedCondition(conds *[]metav1.Condition, list []supportv1.Notification, gen int64, now time.Time) {
	var failed []string
	for _, n := range list {
		if n.Failed {
			failed = append(failed, fmt.Sprintf("%s to %s: %s", n.Event, n.Target, n.LastError))
		}
	}
	if len(failed) == 0 {
		apimeta.RemoveStatusCondition(conds, supportv1.ConditionNotificationFailed)
		return
	}
	apimeta.SetStatusCondition(conds, metav1.Condition{Type: supportv1.ConditionNotificationFailed, Status: metav1.ConditionTrue,
		Reason: supportv1.ReasonDeliveryFailed, Message: strings.Join(failed, "; "), ObservedGeneration: gen, LastTransitionTime: metav1.NewTime(now.Truncate(time.Second))})
}

// SetNotifiedCondition says truthfully whether the escalation's level was
// told: waiting for the complaint's policy, nobody to tell, pending, given
// up; True once a destination took it (notifiedAt), with what is still
// pending or gave up in the message.
func SetNotifiedCondition(st *supportv1.EscalationStatus, gen int64, now time.Time) {
	c := metav1.Condition{Type: supportv1.ConditionNotified, Status: metav1.ConditionFalse, ObservedGeneration: gen, LastTransitionTime: metav1.NewTime(now.Truncate(time.Second))}
	pending := Pending(st.Notifications)
	var failed []string
	for _, n := range st.Notifications {
		if n.Failed {
			failed = append(failed, fmt.Sprintf("%s: %s", n.Target, n.LastError))
		}
	}
	switch {
	case st.NotifiedAt != nil:
		c.Status, c.Reason, c.Message = metav1.ConditionTrue, supportv1.ReasonDelivered, "the level's destinations were told"
		if pending > 0 {
			c.Message += fmt.Sprintf("; %d deliveries still pending", pending)
		}
		if len(failed) > 0 {
			c.Message += "; gave up on " + strings.Join(failed, "; ")
		}
	case st.Policy == "":
		c.Reason, c.Message = supportv1.ReasonAwaitingPolicy, "the complaint has no policy yet: the level's destinations are told once one governs it"
	case len(st.Notifications) == 0:
		c.Reason, c.Message = supportv1.ReasonNoDestinations, "policy "+st.Policy+" names no webhook destination for this escalation: nobody was told"
	case pending == 0:
		c.Reason, c.Message = supportv1.ReasonDeliveryFailed, "every delivery gave up: "+strings.Join(failed, "; ")
	default:
		c.Reason, c.Message = supportv1.ReasonPending, fmt.Sprintf("%d deliveries pending", pending)
	}
	apimeta.SetStatusCondition(&st.Conditions, c)
	// Telling the level is the escalation's work: Reconciling until it is
	// done or cannot be done.
	if c.Reason == supportv1.ReasonPending || c.Reason == supportv1.ReasonAwaitingPolicy {
		apimeta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: supportv1.ConditionReconciling, Status: metav1.ConditionTrue,
			ObservedGeneration: gen, LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: "telling the level's destinations: " + c.Message})
	} else {
		apimeta.RemoveStatusCondition(&st.Conditions, supportv1.ConditionReconciling)
	}
}
