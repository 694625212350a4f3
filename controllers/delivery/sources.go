package delivery

import (
	"context"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/ledger"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
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
	apply(obj client.Object, outs []ledger.Record) []ledger.Record
	// written tells people about the outcomes recorded (Events, metrics).
	written(obj client.Object, applied []ledger.Record)
}

type complaintSource struct {
	client   client.Reader
	clock    clock.PassiveClock
	recorder events.EventRecorder
	metrics  *Metrics
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

// event describes the complaint and, for an Escalated it queued for one of
// its levels, the escalation as the cache has it.
func (s complaintSource) event(ctx context.Context, obj client.Object, n supportv1.Notification, hook *supportv1.Webhook) (event.Event, error) {
	c := obj.(*supportv1.Complaint)
	ref, err := s.escalationRef(ctx, c, n.Escalation)
	if err != nil {
		return event.Event{}, err
	}
	return webhook.BuildEvent(c, ref, n, hook)
}

// escalationRef is the escalation named name (nil: none) from the cache,
// else from the complaint's summary of it (deleted meanwhile).
func (s complaintSource) escalationRef(ctx context.Context, c *supportv1.Complaint, name string) (*webhook.EscalationRef, error) {
	if name == "" {
		return nil, nil
	}
	if escs, ok := ctx.Value(escalationsKey{}).([]supportv1.Escalation); ok {
		for i := range escs {
			if escs[i].Name == name {
				return webhook.EscalationRefOf(&escs[i]), nil
			}
		}
	}
	var esc supportv1.Escalation
	err := s.client.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: name}, &esc)
	if err == nil {
		return webhook.EscalationRefOf(&esc), nil
	}
	if !apierrors.IsNotFound(err) {
		return nil, err
	}
	for _, e := range c.Status.Escalations {
		if e.Name == name {
			return &webhook.EscalationRef{Name: e.Name, Level: e.Level, Reason: e.Reason}, nil
		}
	}
	return &webhook.EscalationRef{Name: name}, nil
}

func (s complaintSource) apply(obj client.Object, outs []ledger.Record) []ledger.Record {
	c := obj.(*supportv1.Complaint)
	list, applied := ledger.Apply(c.Status.Notifications, outs)
	if len(applied) == 0 {
		return nil
	}
	c.Status.Notifications = list
	ledger.SetNotificationFailedCondition(&c.Status.Conditions, list, c.Generation, s.clock.Now())
	return applied
}

func (s complaintSource) written(obj client.Object, applied []ledger.Record) {
	warnFailed(s.recorder, s.metrics, obj, applied)
}

type escalationSource struct {
	client   client.Reader
	clock    clock.PassiveClock
	recorder events.EventRecorder
	metrics  *Metrics
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
	return webhook.BuildEvent(&c, webhook.EscalationRefOf(esc), n, hook)
}

func (s escalationSource) apply(obj client.Object, outs []ledger.Record) []ledger.Record {
	esc := obj.(*supportv1.Escalation)
	list, applied := ledger.Apply(esc.Status.Notifications, outs)
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
	ledger.SetNotifiedCondition(&esc.Status, esc.Generation, now.Time)
	return applied
}

func (s escalationSource) written(obj client.Object, applied []ledger.Record) {
	warnFailed(s.recorder, s.metrics, obj, applied)
}

// warnFailed counts the outcomes recorded, and tells of each notification
// given up with a Warning Event.
func warnFailed(rec events.EventRecorder, m *Metrics, obj client.Object, applied []ledger.Record) {
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
		m.recorded(o.Event, outcome)
	}
}
