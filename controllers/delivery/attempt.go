package delivery

import (
	"context"
	"net/http"

	"github.com/cloudevents/sdk-go/v2/event"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/ledger"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// attempt sends one notification, on a dispatcher worker. The object is read
// again from the cache at send time, so the payload is current and a
// notification that left the ledger meanwhile is not sent.
func (r *deliveryReconciler) attempt(ctx context.Context, name types.NamespacedName, uid types.UID, item supportv1.Notification, hook *supportv1.Webhook) Attempt {
	obj := r.src.newObject()
	if err := r.client.Get(ctx, name, obj); err != nil || obj.GetUID() != uid {
		return Attempt{Aborted: true}
	}
	if cur := ledger.Find(r.src.ledger(obj), item.ID, item.Target); cur == nil || cur.Failed || cur.Attempts != item.Attempts {
		return Attempt{Aborted: true}
	}
	req, unsent := r.prepare(ctx, obj, item, hook)
	if unsent != nil {
		return Attempt{Record: r.decide(item, *unsent, hook)}
	}
	return r.send(ctx, obj, item, hook, req)
}

// request is what one send needs.
type request struct {
	ev     event.Event
	secret []byte
	client *http.Client
}

// prepare gathers the signing key, the event and the HTTP client of a send.
// When one cannot be had, it returns instead the result of an attempt that
// sent nothing.
func (r *deliveryReconciler) prepare(ctx context.Context, obj client.Object, item supportv1.Notification, hook *supportv1.Webhook) (request, *webhook.Result) {
	var req request
	if ref := hook.SecretRef; ref != nil {
		v, err := r.secrets.get(ctx, obj.GetNamespace(), ref)
		if err != nil {
			// Nothing was sent: a failed attempt of ours, not the receiver's.
			return req, &webhook.Result{Outcome: webhook.Retry, Message: err.Error()}
		}
		req.secret = v
	}
	ev, err := r.src.event(ctx, obj, item, hook)
	if err != nil {
		// Sending again would not help: give up, loudly.
		return req, &webhook.Result{Outcome: webhook.Gone, Message: "not sent: cannot build the event: " + err.Error()}
	}
	req.ev = ev
	var caPEM []byte
	if ref := hook.CASecretRef; ref != nil {
		v, err := r.secrets.getRaw(ctx, obj.GetNamespace(), ref)
		if err != nil {
			return req, &webhook.Result{Outcome: webhook.Retry, Message: "caSecretRef: " + err.Error()}
		}
		caPEM = v
	}
	hc, err := r.clients.Get(caPEM)
	if err != nil {
		// The user may fix the Secret: a failed attempt of ours, retried.
		return req, &webhook.Result{Outcome: webhook.Retry, Message: "caSecretRef: Secret " + hook.CASecretRef.Name + " key " + hook.CASecretRef.Key + ": " + err.Error()}
	}
	req.client = hc
	return req, nil
}

// send makes the request and decides what its answer means.
func (r *deliveryReconciler) send(ctx context.Context, obj client.Object, item supportv1.Notification, hook *supportv1.Webhook, req request) Attempt {
	sender := *r.sender
	sender.Client = req.client
	if hook.Timeout != nil && hook.Timeout.Duration > 0 {
		sender.Timeout = hook.Timeout.Duration
	}
	// The signature's timestamp is taken as the request leaves, and the
	// retry instant as the attempt ends.
	started := r.clock.Now()
	res, err := sender.Send(ctx, hook.URL, req.ev, req.secret, started)
	if err != nil {
		if ctx.Err() != nil {
			return Attempt{Aborted: true}
		}
		res = webhook.Result{Outcome: webhook.Retry, Message: err.Error()}
	}
	if res.Outcome == webhook.Refused {
		// Nothing left this process: the destination's health is not
		// concerned, and the policy is told so it can say why.
		if r.onRefused != nil {
			r.onRefused(obj.GetNamespace(), r.src.policy(obj))
		}
		return Attempt{Record: r.decide(item, res, hook)}
	}
	r.metrics.requestDone(res.Outcome, r.clock.Since(started))
	return Attempt{Record: r.decide(item, res, hook), Sent: true, ReceiverFailed: res.Outcome == webhook.Retry}
}

// decide is the outcome of an attempt at item that ended now.
func (r *deliveryReconciler) decide(item supportv1.Notification, res webhook.Result, hook *supportv1.Webhook) ledger.Record {
	return ledger.Decide(item, res, hook.MaxAttempts, r.backoff, r.clock.Now(), r.rand())
}
