package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// Names of the demo's objects.
const (
	DemoNamespace = "demo"
	DemoPolicy    = "demo"
	DemoSecret    = "receiver-hook"
	DemoSecretKey = "signing-key"
	// demoLabel marks what the sandbox created for the demo.
	demoLabel = "app.kubernetes.io/managed-by"
	demoOwner = "servicedesk-sandbox"
)

// loopbackPrefix starts the webhook URLs of the sandbox's own receiver;
// they are pointed at this run's port on each start.
const loopbackPrefix = "http://127.0.0.1:"

func demoMeta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: DemoNamespace, Labels: map[string]string{demoLabel: demoOwner}}
}

func duration(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }

// newSigningKey returns a Standard Webhooks secret: whsec_ and 24 random
// bytes in base64.
func newSigningKey() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return webhook.SecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// demoSecret holds the key that signs the deliveries to the receiver.
func demoSecret(key string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: demoMeta(DemoSecret), StringData: map[string]string{DemoSecretKey: key}}
}

// demoPolicy governs every complaint of the demo namespace with targets
// scaled from firstResponse (update 2x, resolution 5x), a two-level ladder
// (team-lead at the breach, manager firstResponse later) and both levels
// notified through the sandbox's receiver at receiverBase.
func demoPolicy(firstResponse time.Duration, receiverBase string) *supportv1.ServicePolicy {
	f := firstResponse
	hook := func(dest string) *supportv1.Webhook {
		return &supportv1.Webhook{URL: receiverBase + "/" + dest, Timeout: duration(5 * time.Second),
			SecretRef: &supportv1.SecretKeyRef{Name: DemoSecret, Key: DemoSecretKey}}
	}
	return &supportv1.ServicePolicy{
		ObjectMeta: demoMeta(DemoPolicy),
		Spec: supportv1.ServicePolicySpec{
			Targets:    supportv1.Targets{FirstResponse: duration(f), Update: duration(2 * f), Resolution: duration(5 * f), AtRiskPercent: 50},
			PauseWhile: []supportv1.WaitingOn{supportv1.WaitingOnCustomer},
			Escalation: &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{
				{Name: "team-lead", After: metav1.Duration{}, Notify: []string{"leads"}},
				{Name: "manager", After: metav1.Duration{Duration: f}, Notify: []string{"managers"}},
			}},
			Recovery: &supportv1.Recovery{RequireApology: true, RequireApproval: true, Gestures: []supportv1.GestureRule{
				{Categories: []supportv1.Category{supportv1.CategoryMissedDeadline}, Kind: supportv1.GestureDiscount, Detail: "15% off the next order"},
				{Categories: []supportv1.Category{supportv1.CategoryOrderError}, Kind: supportv1.GestureFreeService, Detail: "free express delivery of the right item"},
				{Categories: []supportv1.Category{supportv1.CategoryDissatisfaction}, Kind: supportv1.GesturePersonalCall, Detail: "a call from the team lead"},
			}},
			FollowUp: &supportv1.FollowUp{After: metav1.Duration{Duration: 2 * f}, ReopenBelow: 3, CloseAfter: duration(10 * f)},
			Notify: []supportv1.NotifyTarget{
				{Name: "leads", Events: allEvents(), Webhook: hook("leads")},
				{Name: "managers", Events: []supportv1.EventType{supportv1.EventEscalated}, Webhook: hook("managers")},
			},
		},
	}
}

func allEvents() []supportv1.EventType {
	return []supportv1.EventType{supportv1.EventCreated, supportv1.EventAcknowledged, supportv1.EventAtRisk, supportv1.EventBreached,
		supportv1.EventEscalated, supportv1.EventResolved, supportv1.EventFollowUpDue, supportv1.EventReopened, supportv1.EventClosed}
}

// demoComplaints are one complaint nobody answers (it breaches and climbs
// the ladder), one answered at once, and one waiting on the customer.
func demoComplaints() []*supportv1.Complaint {
	return []*supportv1.Complaint{
		{ObjectMeta: demoMeta("late-delivery"), Spec: supportv1.ComplaintSpec{
			Customer: supportv1.Customer{Name: "Acme Pharmacy", Company: "Acme Ltd", Tier: supportv1.TierKey},
			Category: supportv1.CategoryMissedDeadline, Severity: supportv1.SeverityHigh, Channel: "Phone",
			Summary: "Insulin promised for Saturday not delivered", RecordedBy: "front-desk/amy", Owner: "agent-bob",
		}},
		{ObjectMeta: demoMeta("wrong-item"), Spec: supportv1.ComplaintSpec{
			Customer: supportv1.Customer{Name: "Dana Smith", Tier: supportv1.TierStandard},
			Category: supportv1.CategoryOrderError, Severity: supportv1.SeverityMedium, Channel: "Email",
			Summary: "Ordered 10 boxes of test strips, received 1", RecordedBy: "inbox/auto", Owner: "agent-eve",
			Acknowledgement: &supportv1.Acknowledgement{By: "agent-eve", Note: "called back, replacement being picked"},
		}},
		{ObjectMeta: demoMeta("awaiting-photos"), Spec: supportv1.ComplaintSpec{
			Customer: supportv1.Customer{Name: "Sam Okafor", Tier: supportv1.TierStandard},
			Category: supportv1.CategoryDissatisfaction, Severity: supportv1.SeverityLow, Channel: "Web",
			Summary: "Blood pressure monitor gives readings 20 points apart", RecordedBy: "web-form", Owner: "agent-eve",
			Acknowledgement: &supportv1.Acknowledgement{By: "agent-eve", Note: "asked for photos of the readings"},
			WaitingOn:       supportv1.WaitingOnCustomer,
		}},
	}
}

// retargetWebhooks points the policy's loopback webhook URLs at
// receiverBase, keeping their paths; it reports whether anything changed.
func retargetWebhooks(p *supportv1.ServicePolicy, receiverBase string) bool {
	changed := false
	for i := range p.Spec.Notify {
		h := p.Spec.Notify[i].Webhook
		if h == nil || !strings.HasPrefix(h.URL, loopbackPrefix) {
			continue
		}
		rest := strings.TrimPrefix(h.URL, loopbackPrefix)
		path := ""
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			path = rest[i:]
		}
		if u := receiverBase + path; u != h.URL {
			h.URL, changed = u, true
		}
	}
	return changed
}

// demoReport says what ensureDemo found and did.
type demoReport struct {
	signingKey    []byte // the HMAC key of the receiver (decoded)
	firstResponse time.Duration
	created, kept []string // complaint names
}

// ensureDemo creates what is missing of the demo (namespace, Secret,
// policies, complaints; the story's complaint is the story's to record), points the policy's webhooks at receiverBase, and
// returns the receiver's key. Existing objects are otherwise left alone, so
// the complaints of an earlier run go on where they were.
func ensureDemo(ctx context.Context, c client.Client, firstResponse time.Duration, receiverBase string) (demoReport, error) {
	var r demoReport
	if err := ensureNamespace(ctx, c, DemoNamespace); err != nil {
		return r, err
	}
	key, err := ensureSecret(ctx, c)
	if err != nil {
		return r, err
	}
	r.signingKey = webhook.SecretBytes(key)
	if r.firstResponse, err = ensurePolicy(ctx, c, demoPolicy(firstResponse, receiverBase), receiverBase); err != nil {
		return r, err
	}
	if _, err = ensurePolicy(ctx, c, storyPolicy(firstResponse, receiverBase), receiverBase); err != nil {
		return r, err
	}
	for _, cmp := range demoComplaints() {
		ok, err := createIfAbsent(ctx, c, cmp)
		if err != nil {
			return r, err
		}
		if ok {
			r.created = append(r.created, cmp.Name)
		} else {
			r.kept = append(r.kept, cmp.Name)
		}
	}
	return r, nil
}

// ensureSecret creates the signing key once and returns the stored one.
func ensureSecret(ctx context.Context, c client.Client) ([]byte, error) {
	key, err := newSigningKey()
	if err != nil {
		return nil, err
	}
	if _, err := createIfAbsent(ctx, c, demoSecret(key)); err != nil {
		return nil, err
	}
	var s corev1.Secret
	if err := c.Get(ctx, client.ObjectKey{Namespace: DemoNamespace, Name: DemoSecret}, &s); err != nil {
		return nil, err
	}
	v := s.Data[DemoSecretKey]
	if len(v) == 0 {
		return nil, fmt.Errorf("secret %s/%s has no %s: delete it and start again", DemoNamespace, DemoSecret, DemoSecretKey)
	}
	return v, nil
}

// ensurePolicy creates the policy p, or points the existing one's webhooks
// at this run's receiver; it returns the policy's first-response target.
func ensurePolicy(ctx context.Context, c client.Client, p *supportv1.ServicePolicy, receiverBase string) (time.Duration, error) {
	want := p.Spec.Targets.FirstResponse
	created, err := createIfAbsent(ctx, c, p)
	if err != nil || created {
		if want == nil {
			return 0, err
		}
		return want.Duration, err
	}
	if err := c.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
		return 0, err
	}
	if retargetWebhooks(p, receiverBase) {
		if err := c.Update(ctx, p); err != nil {
			return 0, fmt.Errorf("pointing policy %s/%s at the receiver: %w", DemoNamespace, p.Name, err)
		}
	}
	if p.Spec.Targets.FirstResponse == nil {
		return 0, nil
	}
	return p.Spec.Targets.FirstResponse.Duration, nil
}
