package delivery

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	ctrlevent "sigs.k8s.io/controller-runtime/pkg/event"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	nt "github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/internal/deliverytest"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/ledger"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

// The old synchronous Notifier.Deliver tests, expressed through the delivery
// subsystem: Heads picks what is due, (*deliveryReconciler).attempt makes
// one send against a real httptest receiver, Decide and Apply record it.

// ---------------------------------------------------------------- receiver

// ntHit is one request seen by a receiver.
type ntHit struct {
	ID        string // webhook-id header
	EventID   string // CloudEvent id
	EventType string // CloudEvent type
	Body      []byte
	VerifyErr error // signature check with the receiver's key
}

// ntReceiver is an httptest webhook receiver that records every request and
// verifies its signature the way a real receiver would.
type ntReceiver struct {
	*httptest.Server
	key     []byte
	respond func(hit int) (status int, header http.Header, body string)

	mu   sync.Mutex
	hits []ntHit
}

// ntNewReceiver verifies signatures with SecretBytes(secretValue) (no check
// if empty) and answers with respond (nil: always 204).
func ntNewReceiver(t *testing.T, secretValue string, respond func(int) (int, http.Header, string)) *ntReceiver {
	t.Helper()
	r := &ntReceiver{respond: respond}
	if secretValue != "" {
		r.key = webhook.SecretBytes([]byte(secretValue))
	}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

// ntStatus answers every request with status, header and body.
func ntStatus(status int, header http.Header, body string) func(int) (int, http.Header, string) {
	return func(int) (int, http.Header, string) { return status, header, body }
}

func (r *ntReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	hit := ntHit{ID: req.Header.Get(webhook.HeaderID), Body: body}
	var ce struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	_ = json.Unmarshal(body, &ce)
	hit.EventID, hit.EventType = ce.ID, ce.Type
	if r.key != nil {
		// The attempt signs at the fake clock's now: verify at nt.Now.
		hit.VerifyErr = webhook.Verify(r.key, req.Header, body, nt.Now, time.Minute)
	}
	r.mu.Lock()
	n := len(r.hits)
	r.hits = append(r.hits, hit)
	r.mu.Unlock()

	status, header, text := http.StatusNoContent, http.Header(nil), ""
	if r.respond != nil {
		status, header, text = r.respond(n)
	}
	for k, v := range header {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, text)
}

func (r *ntReceiver) received() []ntHit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.hits)
}

func (r *ntReceiver) ids() []string {
	ids := []string{}
	for _, h := range r.received() {
		ids = append(ids, h.ID)
	}
	return ids
}

// ----------------------------------------------------------------- harness

// ntHarness is a Complaint deliveryReconciler over a fake client holding the
// Complaint nt.Complaint (whose ledger is the list given) and more objects,
// on a fake clock at nt.Now, with ntBackoff and no jitter.
type ntHarness struct {
	t      *testing.T
	r      *deliveryReconciler
	client client.Client
	clock  *clocktesting.FakeClock
	events *events.FakeRecorder
	name   types.NamespacedName
	uid    types.UID
}

// ntClient builds the fake client of a harness; with lets a test add
// interceptors.
func ntClient(t *testing.T, list []supportv1.Notification, with func(*fake.ClientBuilder), objs ...client.Object) client.WithWatch {
	t.Helper()
	scheme, err := testenv.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	c := nt.Complaint()
	c.Status.Notifications = list
	b := fake.NewClientBuilder().WithScheme(scheme).
		WithObjects(append([]client.Object{c}, objs...)...).
		WithStatusSubresource(&supportv1.Complaint{}, &supportv1.Escalation{})
	if with != nil {
		with(b)
	}
	return b.Build()
}

func ntNewHarness(t *testing.T, list []supportv1.Notification, objs ...client.Object) *ntHarness {
	t.Helper()
	return ntHarnessOn(t, ntClient(t, list, nil, objs...))
}

func ntHarnessOn(t *testing.T, cl client.Client) *ntHarness {
	t.Helper()
	clk := clocktesting.NewFakeClock(nt.Now)
	rec := events.NewFakeRecorder(200)
	c := nt.Complaint()
	h := &ntHarness{t: t, client: cl, clock: clk, events: rec, name: client.ObjectKeyFromObject(c), uid: c.UID}
	h.r = &deliveryReconciler{
		client:   cl,
		src:      complaintSource{client: cl, clock: clk, recorder: rec},
		recorder: newRecorder(cl, cl),
		secrets:  &secretCache{reader: cl, ttl: time.Second},
		sender:   &webhook.Sender{Timeout: 5 * time.Second},
		clients:  &webhook.Clients{Dial: &webhook.GuardedDialer{Policy: webhook.AddressPolicy{Allowed: testLoopback}}},
		clock:    clk,
		backoff:  ntBackoff,
		rand:     func() float64 { return 0 },
		track:    tracker{m: map[types.UID]map[string]*trackState{}},
		wake:     make(chan ctrlevent.GenericEvent, 64),
	}
	return h
}

func (h *ntHarness) complaint() *supportv1.Complaint {
	h.t.Helper()
	var c supportv1.Complaint
	if err := h.client.Get(context.Background(), h.name, &c); err != nil {
		h.t.Fatalf("reading the complaint: %v", err)
	}
	return &c
}

func (h *ntHarness) ledger() []supportv1.Notification {
	h.t.Helper()
	return h.complaint().Status.Notifications
}

// attempt makes one send of item to target, as a dispatcher worker would.
func (h *ntHarness) attempt(item supportv1.Notification, target supportv1.NotifyTarget) Attempt {
	h.t.Helper()
	return h.r.attempt(context.Background(), h.name, h.uid, item, target.Webhook)
}

// apply merges records into the stored complaint as the recorder does (the
// source's apply, then a status write and its Events) and returns those
// that took effect.
func (h *ntHarness) apply(recs ...ledger.Record) []ledger.Record {
	h.t.Helper()
	c := h.complaint()
	applied := h.r.src.apply(c, recs)
	if len(applied) == 0 {
		return nil
	}
	if err := h.client.Status().Update(context.Background(), c); err != nil {
		h.t.Fatalf("writing the ledger: %v", err)
	}
	h.r.src.written(c, applied)
	return applied
}

// pass is one look at the ledger at the clock's now: each due head is
// attempted, and the outcomes are applied together. It returns how many
// heads were due and when the first head not yet due will be.
func (h *ntHarness) pass(notify []supportv1.NotifyTarget) (int, time.Time) {
	h.t.Helper()
	heads, next := ledger.Heads(h.ledger(), h.clock.Now())
	var recs []ledger.Record
	for _, head := range heads {
		target := findTarget(notify, head.Target)
		if target == nil || target.Webhook == nil {
			h.t.Fatalf("head %s to %s has no destination in the test's policy", head.ID, head.Target)
		}
		a := h.attempt(head, *target)
		if a.Aborted {
			h.t.Fatalf("attempt at due head %s to %s was aborted", head.ID, head.Target)
		}
		recs = append(recs, a.Record)
	}
	if len(recs) > 0 {
		if applied := h.apply(recs...); len(applied) != len(recs) {
			h.t.Fatalf("applied %d of %d fresh outcomes: %+v", len(applied), len(recs), applied)
		}
	}
	return len(heads), next
}

// drain makes passes at the clock's now until no head is due, and returns
// how many passes sent something and the next instant a head is due.
func (h *ntHarness) drain(notify []supportv1.NotifyTarget) (int, time.Time) {
	h.t.Helper()
	for passes := 0; passes < 100; passes++ {
		n, next := h.pass(notify)
		if n == 0 {
			return passes, next
		}
	}
	h.t.Fatalf("heads still due after 100 passes: %+v", h.ledger())
	return 0, time.Time{}
}

// warnings drains the Events recorded so far.
func (h *ntHarness) warnings() []string {
	var out []string
	for {
		select {
		case e := <-h.events.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

// ------------------------------------------------------------------ attempt

func TestAttemptDeliversAVerifiableSignedEvent(t *testing.T) {
	whsec := "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	tests := []struct {
		name        string
		secretValue string
		status      int
	}{
		{"raw secret, 200", ntSecretValue, http.StatusOK},
		{"raw secret, 204", ntSecretValue, http.StatusNoContent},
		{"whsec_ secret, 202", whsec, http.StatusAccepted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := ntNewReceiver(t, tt.secretValue, ntStatus(tt.status, nil, ""))
			item := nt.Item("evt-1", "crm")
			h := ntNewHarness(t, []supportv1.Notification{item}, ntSecret(ntSecretKey, tt.secretValue))

			a := h.attempt(item, ntTarget("crm", rcv.URL))

			want := Attempt{Sent: true, Record: ledger.Record{ID: "evt-1", Target: "crm", Event: supportv1.EventBreached, Attempts: 1, Delivered: true}}
			if a != want {
				t.Errorf("attempt = %+v, want %+v", a, want)
			}
			if applied := h.apply(a.Record); len(applied) != 1 {
				t.Errorf("applied %+v, want the delivery", applied)
			}
			if list := h.ledger(); len(list) != 0 {
				t.Errorf("ledger = %+v, want empty after delivery", list)
			}
			hits := rcv.received()
			if len(hits) != 1 {
				t.Fatalf("receiver got %d requests, want 1", len(hits))
			}
			hit := hits[0]
			if hit.VerifyErr != nil {
				t.Errorf("signature does not verify with SecretBytes(secret value): %v", hit.VerifyErr)
			}
			if hit.ID != "evt-1" || hit.EventID != "evt-1" || hit.EventType != webhook.EventTypePrefix+"breached" {
				t.Errorf("request id %q, event id %q, type %q; want evt-1, evt-1, %sbreached", hit.ID, hit.EventID, hit.EventType, webhook.EventTypePrefix)
			}
			if strings.Contains(string(hit.Body), nt.Email) {
				t.Errorf("payload carries the customer's contact without includeContact")
			}
			if w := h.warnings(); len(w) != 0 {
				t.Errorf("events %v, want none for a delivery", w)
			}
		})
	}
}

// Only a destination's head is sent, one per pass: several items to one
// destination arrive in order, one request each, and a pass never sends a
// later item ahead of (or together with) an earlier one.
func TestPassesDeliverInOrderOneHeadPerDestination(t *testing.T) {
	rcv := ntNewReceiver(t, ntSecretValue, nil)
	var list, want []supportv1.Notification
	for i := range 12 {
		list = append(list, nt.Item(fmt.Sprintf("e%02d", i), "crm"))
	}
	h := ntNewHarness(t, list, ntSecret(ntSecretKey, ntSecretValue))
	notify := []supportv1.NotifyTarget{ntTarget("crm", rcv.URL)}

	if n, _ := h.pass(notify); n != 1 {
		t.Fatalf("first pass had %d heads, want 1", n)
	}
	if ids := rcv.ids(); !slices.Equal(ids, []string{"e00"}) {
		t.Fatalf("after one pass the receiver got %v, want e00 only", ids)
	}
	want = list[1:]
	if got := h.ledger(); !slices.Equal(nt.IDs(got), nt.IDs(want)) {
		t.Fatalf("ledger = %v, want the other eleven", nt.IDs(got))
	} else {
		for _, x := range got {
			if x.Attempts != 0 || x.NextAttemptAt != nil {
				t.Errorf("%s was touched: %+v", x.ID, x)
			}
		}
	}

	passes, next := h.drain(notify)

	if passes != 11 || !next.IsZero() {
		t.Errorf("drained in %d more passes, next %v; want 11 and none", passes, next)
	}
	if ids := rcv.ids(); !slices.Equal(ids, nt.IDs(list)) {
		t.Errorf("receiver got %v, want %v in order, each once", ids, nt.IDs(list))
	}
	for _, hit := range rcv.received() {
		if hit.VerifyErr != nil {
			t.Errorf("%s: %v", hit.ID, hit.VerifyErr)
		}
	}
	if got := h.ledger(); len(got) != 0 {
		t.Errorf("ledger = %v, want empty", nt.IDs(got))
	}
}

func TestAttemptServerErrorRetriesWithBackoff(t *testing.T) {
	tests := []struct {
		name          string
		priorAttempts int32
		wantNext      time.Time // now + Backoff.Delay(attempts, 0), rounded up to the next whole second
	}{
		{"first failure waits Base/2", 0, nt.At(12, 0, 6)},         // 5s
		{"second failure waits Base", 1, nt.At(12, 0, 11)},         // 10s
		{"third failure doubles", 2, nt.At(12, 0, 21)},             // 20s
		{"eighth failure is capped at Max/2", 7, nt.At(12, 2, 31)}, // 150s
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := ntNewReceiver(t, ntSecretValue, ntStatus(http.StatusInternalServerError, nil, "database down"))
			item := nt.Item("e1", "crm")
			item.Attempts = tt.priorAttempts
			input := []supportv1.Notification{item}
			h := ntNewHarness(t, input, ntSecret(ntSecretKey, ntSecretValue))

			a := h.attempt(item, ntTarget("crm", rcv.URL))

			if a.Aborted || !a.ReceiverFailed {
				t.Errorf("attempt = %+v, want a receiver failure", a)
			}
			o := a.Record
			if o.Delivered || o.Failed || o.Attempts != tt.priorAttempts+1 || !o.NextAttemptAt.Equal(tt.wantNext) {
				t.Errorf("record = %+v, want a retry at %v after %d attempts", o, tt.wantNext, tt.priorAttempts+1)
			}
			if !strings.Contains(o.LastError, "500") || !strings.Contains(o.LastError, "database down") {
				t.Errorf("LastError = %q, want the status and the receiver's reason", o.LastError)
			}

			got, applied := ledger.Apply(input, []ledger.Record{o})
			if len(got) != 1 || len(applied) != 1 {
				t.Fatalf("ledger = %v, applied %d; want the item kept and the record applied", nt.IDs(got), len(applied))
			}
			x := got[0]
			if x.Failed || x.Attempts != tt.priorAttempts+1 || x.LastError != o.LastError ||
				x.NextAttemptAt == nil || !x.NextAttemptAt.Time.Equal(tt.wantNext) {
				t.Errorf("item = %+v, want pending with %d attempts, retry at %v", x, tt.priorAttempts+1, tt.wantNext)
			}
			if due, next := ledger.Heads(got, nt.Now); len(due) != 0 || !next.Equal(tt.wantNext) {
				t.Errorf("heads %v next %v; want none due before %v", nt.IDs(due), next, tt.wantNext)
			}
			if input[0].Attempts != tt.priorAttempts || input[0].NextAttemptAt != nil {
				t.Errorf("Apply modified its input ledger: %+v", input[0])
			}
		})
	}
}

func TestFailingDestinationBlocksOnlyItself(t *testing.T) {
	failing := ntNewReceiver(t, ntSecretValue, ntStatus(http.StatusInternalServerError, nil, ""))
	healthy := ntNewReceiver(t, ntSecretValue, nil)
	notify := []supportv1.NotifyTarget{ntTarget("crm", failing.URL), ntTarget("chat", healthy.URL)}
	list := []supportv1.Notification{nt.Item("c1", "crm"), nt.Item("h1", "chat"), nt.Item("c2", "crm"), nt.Item("h2", "chat")}
	h := ntNewHarness(t, list, ntSecret(ntSecretKey, ntSecretValue))

	passes, next := h.drain(notify)

	if ids := failing.ids(); !slices.Equal(ids, []string{"c1"}) {
		t.Errorf("failing receiver got %v, want only c1 (order kept)", ids)
	}
	if ids := healthy.ids(); !slices.Equal(ids, []string{"h1", "h2"}) {
		t.Errorf("healthy receiver got %v, want h1, h2", ids)
	}
	got := h.ledger()
	if ids := nt.IDs(got); !slices.Equal(ids, []string{"c1", "c2"}) {
		t.Fatalf("ledger = %v, want c1, c2", ids)
	}
	if c1 := got[0]; c1.Attempts != 1 || c1.NextAttemptAt == nil || !c1.NextAttemptAt.Time.Equal(nt.At(12, 0, 6)) {
		t.Errorf("c1 = %+v, want one attempt and a retry at 12:00:06", c1)
	}
	if c2 := got[1]; c2.Attempts != 0 || c2.NextAttemptAt != nil || c2.LastError != "" {
		t.Errorf("c2 = %+v, want untouched behind c1", c2)
	}
	if passes != 2 || !next.Equal(nt.At(12, 0, 6)) {
		t.Errorf("%d passes, next %v; want 2 and 12:00:06", passes, next)
	}
}

func TestItemsNotYetDueAreSkipped(t *testing.T) {
	rcv := ntNewReceiver(t, ntSecretValue, nil)
	other := ntNewReceiver(t, ntSecretValue, nil)
	notify := []supportv1.NotifyTarget{ntTarget("crm", rcv.URL), ntTarget("chat", other.URL), ntTarget("pager", other.URL)}
	crm1 := nt.Retrying("crm1", "crm", 2, nt.At(12, 0, 30), "HTTP 500")
	pager1 := nt.Retrying("pager1", "pager", 1, nt.At(12, 0, 20), "")
	due := nt.Retrying("chat1", "chat", 1, nt.Now, "") // due exactly now
	h := ntNewHarness(t, []supportv1.Notification{crm1, nt.Item("crm2", "crm"), pager1, due}, ntSecret(ntSecretKey, ntSecretValue))

	passes, next := h.drain(notify)

	if len(rcv.received()) != 0 {
		t.Errorf("crm receiver got %v, want nothing before its NextAttemptAt", rcv.ids())
	}
	if ids := other.ids(); !slices.Equal(ids, []string{"chat1"}) {
		t.Errorf("other receiver got %v, want only the due chat1", ids)
	}
	got := h.ledger()
	if ids := nt.IDs(got); !slices.Equal(ids, []string{"crm1", "crm2", "pager1"}) {
		t.Fatalf("ledger = %v", ids)
	}
	if got[0].Attempts != 2 || got[0].LastError != "HTTP 500" || !got[0].NextAttemptAt.Time.Equal(nt.At(12, 0, 30)) {
		t.Errorf("crm1 changed: %+v", got[0])
	}
	if passes != 1 || !next.Equal(nt.At(12, 0, 20)) {
		t.Errorf("%d passes, next %v; want 1 and the earliest NextAttemptAt 12:00:20", passes, next)
	}
}

func TestAttemptGivesUpAfterMaxAttempts(t *testing.T) {
	tests := []struct {
		name          string
		maxAttempts   int32
		priorAttempts int32
		wantFailed    bool
	}{
		{"one attempt allowed", 1, 0, true},
		{"last of three attempts", 3, 2, true},
		{"second of three attempts is retried", 3, 1, false},
		{"default of 20 when unset: 20th attempt gives up", 0, ledger.DefaultMaxAttempts - 1, true},
		{"default of 20 when unset: 19th attempt is retried", 0, ledger.DefaultMaxAttempts - 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := ntNewReceiver(t, ntSecretValue, ntStatus(http.StatusInternalServerError, nil, ""))
			item := nt.Retrying("e1", "crm", tt.priorAttempts, nt.Now.Add(-time.Second), "HTTP 500")
			h := ntNewHarness(t, []supportv1.Notification{item}, ntSecret(ntSecretKey, ntSecretValue))

			a := h.attempt(item, ntTarget("crm", rcv.URL, ntMaxAttempts(tt.maxAttempts)))
			h.apply(a.Record)

			x := ntFind(t, h.ledger(), "e1")
			if x.Attempts != tt.priorAttempts+1 {
				t.Errorf("attempts = %d, want %d", x.Attempts, tt.priorAttempts+1)
			}
			if x.Failed != tt.wantFailed || a.Record.Failed != tt.wantFailed {
				t.Fatalf("failed = %v, want %v (%+v)", x.Failed, tt.wantFailed, x)
			}
			warnings := h.warnings()
			if !tt.wantFailed {
				if x.NextAttemptAt == nil || len(warnings) != 0 {
					t.Errorf("retry not scheduled: item %+v events %v", x, warnings)
				}
				return
			}
			wantMsg := fmt.Sprintf("gave up after %d attempts", tt.priorAttempts+1)
			if !strings.Contains(x.LastError, wantMsg) || !strings.Contains(x.LastError, "500") {
				t.Errorf("LastError = %q, want %q and the last status", x.LastError, wantMsg)
			}
			if x.NextAttemptAt != nil {
				t.Errorf("NextAttemptAt = %v, want nil once failed", x.NextAttemptAt)
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0], supportv1.ReasonDeliveryFailed) || !strings.Contains(warnings[0], wantMsg) {
				t.Errorf("events = %v, want one DeliveryFailed warning saying %q", warnings, wantMsg)
			}
			cond := apimeta.FindStatusCondition(h.complaint().Status.Conditions, supportv1.ConditionNotificationFailed)
			if cond == nil || cond.Status != "True" || !strings.Contains(cond.Message, wantMsg) {
				t.Errorf("NotificationFailed condition = %+v, want True naming the failure", cond)
			}
			if _, next := ledger.Heads(h.ledger(), nt.Now); !next.IsZero() {
				t.Errorf("next = %v, want none", next)
			}
		})
	}
}

func TestAttemptGoneFailsAtOnce(t *testing.T) {
	rcv := ntNewReceiver(t, ntSecretValue, ntStatus(http.StatusGone, nil, "endpoint retired"))
	item := nt.Item("e1", "crm")
	h := ntNewHarness(t, []supportv1.Notification{item}, ntSecret(ntSecretKey, ntSecretValue))

	a := h.attempt(item, ntTarget("crm", rcv.URL))
	h.apply(a.Record)

	if a.ReceiverFailed || a.Aborted {
		t.Errorf("attempt = %+v: a 410 is an answer, not a receiver failure", a)
	}
	x := ntFind(t, h.ledger(), "e1")
	if !x.Failed || x.Attempts != 1 || x.NextAttemptAt != nil {
		t.Errorf("item = %+v, want failed after its first attempt", x)
	}
	if !strings.Contains(x.LastError, "410") {
		t.Errorf("LastError = %q, want it to mention 410", x.LastError)
	}
	if due, next := ledger.Heads(h.ledger(), nt.Now); len(due) != 0 || !next.IsZero() {
		t.Errorf("heads %v next %v, want nothing left", nt.IDs(due), next)
	}
	if w := h.warnings(); len(w) != 1 || !strings.Contains(w[0], "e1 to crm failed") {
		t.Errorf("events = %v, want one warning about e1 to crm", w)
	}
	if len(rcv.received()) != 1 {
		t.Errorf("receiver got %d requests, want 1", len(rcv.received()))
	}
}

// After a destination's oldest item fails for good (410 or out of
// attempts), its next item is due at once: it is the next head, and the
// write that recorded the failure wakes the delivery controller.
func TestFinalFailureDoesNotStrandLaterItems(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		maxAttempts int32
	}{
		{"410 Gone", http.StatusGone, 0},
		{"out of attempts", http.StatusInternalServerError, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := ntNewReceiver(t, ntSecretValue, func(hit int) (int, http.Header, string) {
				if hit == 0 {
					return tt.status, nil, ""
				}
				return http.StatusOK, nil, ""
			})
			notify := []supportv1.NotifyTarget{ntTarget("crm", rcv.URL, ntMaxAttempts(tt.maxAttempts))}
			before := []supportv1.Notification{nt.Item("e1", "crm"), nt.Item("e2", "crm")}
			h := ntNewHarness(t, before, ntSecret(ntSecretKey, ntSecretValue))

			if n, _ := h.pass(notify); n != 1 {
				t.Fatalf("first pass had %d heads, want 1", n)
			}
			after := h.ledger()
			if e1 := ntFind(t, after, "e1"); !e1.Failed {
				t.Fatalf("e1 = %+v, want failed", e1)
			}
			if due, _ := ledger.Heads(after, nt.Now); !slices.Equal(nt.Keys(due), []string{"e2/crm"}) {
				t.Fatalf("heads after e1 failed = %v, want e2 due at once", nt.Keys(due))
			}
			// The status write is a watch event the delivery controller
			// must not filter out, or e2 would wait for an unrelated change.
			r := &deliveryReconciler{src: complaintSource{}}
			oldObj, newObj := nt.Complaint(), nt.Complaint()
			oldObj.Status.Notifications, newObj.Status.Notifications = before, after
			if !r.ledgerChanged().Update(ctrlevent.UpdateEvent{ObjectOld: oldObj, ObjectNew: newObj}) {
				t.Errorf("the write recording e1's failure does not wake the delivery controller")
			}

			passes, next := h.drain(notify)
			if ids := rcv.ids(); !slices.Equal(ids, []string{"e1", "e2"}) || passes != 1 || !next.IsZero() {
				t.Errorf("receiver got %v in %d more passes (next %v), want e1, e2 and one pass", ids, passes, next)
			}
			if got := h.ledger(); !slices.Equal(nt.IDs(got), []string{"e1"}) || !got[0].Failed {
				t.Errorf("ledger = %+v, want only the failed e1", got)
			}
		})
	}
}

func TestAttemptHonoursRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter string
		atLeast    time.Duration
		wantNext   time.Time
	}{
		{"429 Retry-After 120 waits at least 120s", http.StatusTooManyRequests, "120", 120 * time.Second, nt.At(12, 2, 1)},
		{"503 Retry-After 30 beats the 5s backoff", http.StatusServiceUnavailable, "30", 30 * time.Second, nt.At(12, 0, 31)},
		{"429 Retry-After shorter than the backoff keeps the backoff", http.StatusTooManyRequests, "1", 5 * time.Second, nt.At(12, 0, 6)},
		{"503 Retry-After as an HTTP date", http.StatusServiceUnavailable, nt.Now.Add(time.Minute).Format(http.TimeFormat), 59 * time.Second, nt.At(12, 1, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := ntNewReceiver(t, ntSecretValue, ntStatus(tt.status, http.Header{"Retry-After": {tt.retryAfter}}, ""))
			item := nt.Item("e1", "crm")
			h := ntNewHarness(t, []supportv1.Notification{item}, ntSecret(ntSecretKey, ntSecretValue))

			a := h.attempt(item, ntTarget("crm", rcv.URL))
			h.apply(a.Record)

			if !a.ReceiverFailed {
				t.Errorf("attempt = %+v, want a receiver failure", a)
			}
			x := ntFind(t, h.ledger(), "e1")
			if x.Failed || x.NextAttemptAt == nil {
				t.Fatalf("item = %+v, want a scheduled retry", x)
			}
			if x.NextAttemptAt.Time.Before(nt.Now.Add(tt.atLeast)) {
				t.Errorf("NextAttemptAt = %v, earlier than now+%v", x.NextAttemptAt.Time, tt.atLeast)
			}
			if _, next := ledger.Heads(h.ledger(), nt.Now); !x.NextAttemptAt.Time.Equal(tt.wantNext) || !next.Equal(tt.wantNext) {
				t.Errorf("NextAttemptAt %v, next %v; want %v", x.NextAttemptAt.Time, next, tt.wantNext)
			}
			if !strings.Contains(x.LastError, strconv.Itoa(tt.status)) {
				t.Errorf("LastError = %q, want the status", x.LastError)
			}
		})
	}
}

// A Secret that cannot be read is a failed attempt of ours: nothing is
// sent, the item is retried with backoff (never silently dropped), and the
// destination is not counted as failing.
func TestAttemptSecretProblemsAreFailedAttempts(t *testing.T) {
	const otherValue = "value-of-another-key"
	tests := []struct {
		name    string
		objs    []client.Object
		wantMsg []string
	}{
		{"Secret missing", nil, []string{ntSecretName, "not found"}},
		{"key missing", []client.Object{ntSecret("other-key", otherValue)}, []string{ntSecretName, ntSecretKey}},
		{"key empty", []client.Object{ntSecret(ntSecretKey, "")}, []string{ntSecretName, ntSecretKey}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := ntNewReceiver(t, "", nil)
			item := nt.Item("e1", "crm")
			h := ntNewHarness(t, []supportv1.Notification{item}, tt.objs...)

			a := h.attempt(item, ntTarget("crm", rcv.URL))
			h.apply(a.Record)

			if len(rcv.received()) != 0 {
				t.Errorf("an unsigned request was sent: %v", rcv.ids())
			}
			if a.Aborted || a.ReceiverFailed {
				t.Errorf("attempt = %+v, want a failed attempt that does not count against the receiver", a)
			}
			x := ntFind(t, h.ledger(), "e1") // not silently dropped
			if x.Failed || x.Attempts != 1 {
				t.Errorf("item = %+v, want one failed attempt, still pending", x)
			}
			if _, next := ledger.Heads(h.ledger(), nt.Now); x.NextAttemptAt == nil || !x.NextAttemptAt.Time.Equal(nt.At(12, 0, 6)) || !next.Equal(nt.At(12, 0, 6)) {
				t.Errorf("NextAttemptAt %v, next %v; want the backoff retry 12:00:06", x.NextAttemptAt, next)
			}
			for _, w := range tt.wantMsg {
				if !strings.Contains(x.LastError, w) {
					t.Errorf("LastError = %q, want it to contain %q", x.LastError, w)
				}
			}
			if strings.Contains(x.LastError, otherValue) {
				t.Errorf("LastError = %q leaks a Secret value", x.LastError)
			}
			if w := h.warnings(); len(w) != 0 {
				t.Errorf("events = %v, want nothing reported failed", w)
			}
		})
	}
}

func TestAttemptNeverPutsTheSecretInLastError(t *testing.T) {
	key := []byte("binary-ish key 0123456789")
	whsec := "whsec_" + base64.StdEncoding.EncodeToString(key)
	tests := []struct {
		name        string
		secretValue string
		// leaks are the substrings that must not appear in LastError.
		leaks []string
	}{
		{"raw value", ntSecretValue, []string{ntSecretValue}},
		{"whsec_ value", whsec, []string{whsec, whsec[len("whsec_"):], string(key)}},
		{"raw value with the trailing newline of a file", "file-s3cr3t-value\n", []string{"file-s3cr3t-value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A misbehaving receiver echoes the secret value in its error body.
			echo := "bad signature, expected key " + tt.secretValue + " / " + string(webhook.SecretBytes([]byte(tt.secretValue)))
			responses := []struct {
				status int
				maxAtt int32
			}{
				{http.StatusUnauthorized, 0}, // retried
				{http.StatusUnauthorized, 1}, // gave up
				{http.StatusGone, 0},         // gone
			}
			for _, r := range responses {
				rcv := ntNewReceiver(t, "", ntStatus(r.status, nil, echo))
				item := nt.Item("e1", "crm")
				h := ntNewHarness(t, []supportv1.Notification{item}, ntSecret(ntSecretKey, tt.secretValue))
				a := h.attempt(item, ntTarget("crm", rcv.URL, ntMaxAttempts(r.maxAtt)))
				h.apply(a.Record)
				x := ntFind(t, h.ledger(), "e1")
				if x.LastError == "" || len(rcv.received()) != 1 {
					t.Fatalf("status %d: LastError %q after %d requests, want one request and a LastError", r.status, x.LastError, len(rcv.received()))
				}
				// Everything a person sees: the ledger, the condition, the Events.
				msgs := append([]string{a.Record.LastError, x.LastError}, h.warnings()...)
				for _, c := range h.complaint().Status.Conditions {
					msgs = append(msgs, c.Message)
				}
				for _, msg := range msgs {
					for _, leak := range tt.leaks {
						if strings.Contains(msg, leak) {
							t.Errorf("status %d: %q contains the secret %q", r.status, msg, leak)
						}
					}
				}
			}
		})
	}
}

// brokenSource is a Complaint ledger whose events cannot be built.
type brokenSource struct{ complaintSource }

func (brokenSource) event(context.Context, client.Object, supportv1.Notification, *supportv1.Webhook) (event.Event, error) {
	return event.Event{}, errors.New("complaint data missing")
}

// A notification whose event cannot be built is never sent; its LastError
// must say so and not blame the receiver.
func TestAttemptBuildErrorIsNotReportedAsReceiverGone(t *testing.T) {
	rcv := ntNewReceiver(t, ntSecretValue, nil)
	item := nt.Item("e1", "crm")
	h := ntNewHarness(t, []supportv1.Notification{item}, ntSecret(ntSecretKey, ntSecretValue))
	h.r.src = brokenSource{h.r.src.(complaintSource)}

	a := h.attempt(item, ntTarget("crm", rcv.URL))
	h.apply(a.Record)

	if len(rcv.received()) != 0 {
		t.Errorf("receiver was called")
	}
	if a.ReceiverFailed {
		t.Errorf("attempt = %+v counts against the receiver, which was never called", a)
	}
	x := ntFind(t, h.ledger(), "e1")
	if !x.Failed || x.Attempts != 1 {
		t.Fatalf("item = %+v, want failed", x)
	}
	if !strings.Contains(x.LastError, "cannot build the event") || !strings.Contains(x.LastError, "complaint data missing") {
		t.Errorf("LastError = %q, want the build error", x.LastError)
	}
	if strings.Contains(x.LastError, "410") || strings.Contains(x.LastError, "receiver") {
		t.Errorf("LastError = %q blames the receiver, but no request was sent", x.LastError)
	}
}

func TestAttemptTrimsFailedItems(t *testing.T) {
	rcv := ntNewReceiver(t, "", ntStatus(http.StatusGone, nil, ""))
	var list []supportv1.Notification
	for i := range ledger.MaxFailedKept {
		list = append(list, nt.FailedItem(fmt.Sprintf("old%02d", i), "crm"))
	}
	list = append(list, nt.Item("new", "crm"))
	h := ntNewHarness(t, list)

	if n, _ := h.pass([]supportv1.NotifyTarget{ntTarget("crm", rcv.URL, ntUnsigned)}); n != 1 {
		t.Fatalf("%d heads, want the new one", n)
	}

	got := h.ledger()
	if len(got) != ledger.MaxFailedKept {
		t.Fatalf("ledger has %d entries, want %d", len(got), ledger.MaxFailedKept)
	}
	if got[0].ID != "old01" || got[len(got)-1].ID != "new" || !got[len(got)-1].Failed {
		t.Errorf("ledger = %v, want the oldest failed dropped and the new one last, failed", nt.IDs(got))
	}
	if w := h.warnings(); len(w) != 1 || !strings.Contains(w[0], "new to crm failed") {
		t.Errorf("events = %v, want one warning about new", w)
	}
}

// An attempt re-reads the object when its worker gets to it: a head that
// was meanwhile delivered, given up, attempted by someone else, or whose
// object is gone or was replaced is not sent, and nothing is recorded.
func TestAttemptAbortsWhenTheHeadMovedOn(t *testing.T) {
	item := nt.Item("e1", "crm")
	tests := []struct {
		name   string
		ledger []supportv1.Notification
		change func(t *testing.T, h *ntHarness)
	}{
		{"delivered meanwhile", []supportv1.Notification{nt.Item("e2", "crm")}, nil},
		{"given up meanwhile", []supportv1.Notification{nt.FailedItem("e1", "crm")}, nil},
		{"attempted meanwhile", []supportv1.Notification{nt.Retrying("e1", "crm", 1, nt.Now, "HTTP 500")}, nil},
		{"same id, other destination only", []supportv1.Notification{nt.Item("e1", "chat")}, nil},
		{"complaint deleted", []supportv1.Notification{item}, func(t *testing.T, h *ntHarness) {
			if err := h.client.Delete(context.Background(), h.complaint()); err != nil {
				t.Fatal(err)
			}
		}},
		{"complaint replaced by another with the same name", []supportv1.Notification{item}, func(t *testing.T, h *ntHarness) {
			h.uid = "another-uid"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := ntNewReceiver(t, "", nil)
			h := ntNewHarness(t, tt.ledger)
			if tt.change != nil {
				tt.change(t, h)
			}

			a := h.attempt(item, ntTarget("crm", rcv.URL, ntUnsigned))

			if a != (Attempt{Aborted: true}) {
				t.Errorf("attempt = %+v, want aborted", a)
			}
			if len(rcv.received()) != 0 {
				t.Errorf("receiver got %v, want nothing", rcv.ids())
			}
		})
	}
}

func TestAttemptUsesTheWebhookTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	rcv := ntNewReceiver(t, "", func(int) (int, http.Header, string) {
		<-release // hangs until the test ends
		return http.StatusOK, nil, ""
	})
	item := nt.Item("e1", "crm")
	h := ntNewHarness(t, []supportv1.Notification{item})
	target := ntTarget("crm", rcv.URL, ntUnsigned, func(w *supportv1.Webhook) { w.Timeout = &metav1.Duration{Duration: 100 * time.Millisecond} })

	start := time.Now()
	a := h.attempt(item, target)

	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("attempt took %v, want it bounded by the webhook's 100ms timeout (the sender's is 5s)", took)
	}
	if !a.ReceiverFailed || a.Record.Attempts != 1 || a.Record.Failed || !strings.Contains(a.Record.LastError, "timed out") {
		t.Errorf("attempt = %+v, want a timed-out receiver failure to retry", a)
	}
}
