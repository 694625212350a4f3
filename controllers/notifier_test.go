package controllers

import (
	"context"
	"encoding/base64"
	"encoding/json"
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
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery"
)

// Fixtures shared by the notifier tests. All names carry an "nt" prefix so
// they cannot clash with the package's own identifiers.

// ntNow is the fixed "now" of every Deliver pass; the sub-second part
// exercises the rounding of NextAttemptAt to whole seconds.
var ntNow = time.Date(2026, 3, 1, 12, 0, 0, 250_000_000, time.UTC)

const (
	ntNamespace  = "support"
	ntSecretName = "hook-secret"
	ntSecretKey  = "signing-key"
	// ntSecretValue is a raw (non-whsec_) Secret value.
	ntSecretValue = "raw-s3cr3t-hunter2-value"
	ntEmail       = "jane.doe@example.com"
	ntPhone       = "+31 20 555 0100"
)

// ntBackoff with Rand 0 waits Base/2 after the first failure and doubles:
// 5s, 10s, 20s, 40s, 80s, 150s (capped).
var ntBackoff = delivery.Backoff{Base: 10 * time.Second, Max: 5 * time.Minute}

// ntAt is ntNow's date at a wall-clock time, for readable expectations.
func ntAt(hour, minute, sec int) time.Time {
	return time.Date(2026, 3, 1, hour, minute, sec, 0, time.UTC)
}

func ntSecret(key, value string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: ntSecretName, Namespace: ntNamespace},
		Data:       map[string][]byte{key: []byte(value)},
	}
}

// ntNotifier reads Secrets from a fake client holding objs.
func ntNotifier(objs ...client.Object) *Notifier {
	return &Notifier{
		Reader:  fake.NewClientBuilder().WithObjects(objs...).Build(),
		Sender:  &delivery.Sender{Timeout: 5 * time.Second},
		Backoff: ntBackoff,
		Rand:    func() float64 { return 0 },
	}
}

// ntTarget is a destination wanting Breached, signed with ntSecretName/ntSecretKey.
func ntTarget(name, url string, mutate ...func(*supportv1.Webhook)) supportv1.NotifyTarget {
	hook := &supportv1.Webhook{URL: url, SecretRef: &supportv1.SecretKeyRef{Name: ntSecretName, Key: ntSecretKey}}
	for _, m := range mutate {
		m(hook)
	}
	return supportv1.NotifyTarget{Name: name, Events: []supportv1.EventType{supportv1.EventBreached}, Webhook: hook}
}

func ntMaxAttempts(n int32) func(*supportv1.Webhook) {
	return func(h *supportv1.Webhook) { h.MaxAttempts = n }
}

// ntItem is a pending Breached notification with the given id and target.
func ntItem(id, target string) supportv1.Notification {
	return supportv1.Notification{
		ID: id, Target: target, Event: supportv1.EventBreached,
		OccurredAt: metav1.NewTime(ntNow.Add(-time.Minute).Truncate(time.Second)),
		Detail:     "resolution clock breached",
	}
}

func ntFailedItem(id, target string) supportv1.Notification {
	n := ntItem(id, target)
	n.Failed, n.LastError, n.Attempts = true, "gave up", 3
	return n
}

func ntTimePtr(t time.Time) *metav1.Time {
	mt := metav1.NewTime(t)
	return &mt
}

func ntComplaint() *supportv1.Complaint {
	return &supportv1.Complaint{
		ObjectMeta: metav1.ObjectMeta{Name: "broken-order", Namespace: ntNamespace, UID: types.UID("0b6a7c2e-uid")},
		Spec: supportv1.ComplaintSpec{
			Customer: supportv1.Customer{
				Name: "Jane Doe", Company: "Acme",
				Contact: &supportv1.Contact{Email: ntEmail, Phone: ntPhone},
			},
			Category: supportv1.CategoryOrderError,
			Severity: supportv1.SeverityHigh,
			Summary:  "Order arrived broken",
		},
	}
}

// ntBuild turns notifications into events with the production buildEvent.
func ntBuild(c *supportv1.Complaint) func(supportv1.Notification, *supportv1.Webhook) (event.Event, error) {
	return func(n supportv1.Notification, hook *supportv1.Webhook) (event.Event, error) {
		return buildEvent(c, nil, n, hook)
	}
}

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

// ntNewReceiver verifies signatures with delivery.SecretBytes(secretValue)
// (no check if empty) and answers with respond (nil: always 204).
func ntNewReceiver(t *testing.T, secretValue string, respond func(int) (int, http.Header, string)) *ntReceiver {
	t.Helper()
	r := &ntReceiver{respond: respond}
	if secretValue != "" {
		r.key = delivery.SecretBytes([]byte(secretValue))
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
	hit := ntHit{ID: req.Header.Get(delivery.HeaderID), Body: body}
	var ce struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	_ = json.Unmarshal(body, &ce)
	hit.EventID, hit.EventType = ce.ID, ce.Type
	if r.key != nil {
		// The Sender signs with the now given to Deliver: verify at ntNow.
		hit.VerifyErr = delivery.Verify(r.key, req.Header, body, ntNow, time.Minute)
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
	var ids []string
	for _, h := range r.received() {
		ids = append(ids, h.ID)
	}
	return ids
}

func ntIDs(list []supportv1.Notification) []string {
	ids := []string{}
	for _, n := range list {
		ids = append(ids, n.ID)
	}
	return ids
}

func ntFind(t *testing.T, list []supportv1.Notification, id string) supportv1.Notification {
	t.Helper()
	for _, n := range list {
		if n.ID == id {
			return n
		}
	}
	t.Fatalf("notification %s not in ledger %v", id, ntIDs(list))
	return supportv1.Notification{}
}

func ntDeliver(n *Notifier, notify []supportv1.NotifyTarget, list []supportv1.Notification) ([]supportv1.Notification, deliveryOutcome) {
	return n.Deliver(context.Background(), ntNamespace, notify, list, ntBuild(ntComplaint()), ntNow)
}

// ---------------------------------------------------------------- enqueue

func TestEnqueueAddsOneNotificationPerTargetWithStableID(t *testing.T) {
	at := ntNow.Add(-time.Second)
	existing := []supportv1.Notification{ntItem("older", "crm")}
	tests := []struct {
		name    string
		list    []supportv1.Notification
		seq     int64
		targets []string
	}{
		{"single target on an empty ledger", nil, 0, []string{"crm"}},
		{"three targets share one id", nil, 4, []string{"crm", "pager", "chat"}},
		{"appended after existing entries", existing, 9, []string{"pager", "crm"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seq := tt.seq
			got, dropped := enqueue(slices.Clone(tt.list), &seq, "uid-1", supportv1.EventBreached, "resolution", at, tt.targets)
			if seq != tt.seq+1 {
				t.Errorf("seq = %d, want %d (incremented once per call)", seq, tt.seq+1)
			}
			if dropped != nil {
				t.Errorf("dropped = %v, want none", dropped)
			}
			if len(got) != len(tt.list)+len(tt.targets) {
				t.Fatalf("len = %d, want %d", len(got), len(tt.list)+len(tt.targets))
			}
			if !slices.Equal(ntIDs(got[:len(tt.list)]), ntIDs(tt.list)) {
				t.Errorf("existing entries changed: %v", ntIDs(got))
			}
			wantID := delivery.EventID("uid-1", string(supportv1.EventBreached), strconv.FormatInt(tt.seq+1, 10))
			for i, n := range got[len(tt.list):] {
				if n.ID != wantID || n.Target != tt.targets[i] || n.Event != supportv1.EventBreached ||
					n.Detail != "resolution" || !n.OccurredAt.Time.Equal(at) {
					t.Errorf("entry %d = %+v, want id %s target %s", i, n, wantID, tt.targets[i])
				}
				if n.Attempts != 0 || n.Failed || n.NextAttemptAt != nil || n.LastError != "" {
					t.Errorf("entry %d is not fresh: %+v", i, n)
				}
			}
		})
	}
}

func TestEnqueueSuccessiveCallsGetDistinctStableIDs(t *testing.T) {
	var seq int64
	var list []supportv1.Notification
	list, _ = enqueue(list, &seq, "uid-1", supportv1.EventBreached, "", ntNow, []string{"crm"})
	list, _ = enqueue(list, &seq, "uid-1", supportv1.EventBreached, "", ntNow, []string{"crm", "pager"})
	if seq != 2 {
		t.Fatalf("seq = %d, want 2", seq)
	}
	want := []string{
		delivery.EventID("uid-1", "Breached", "1"),
		delivery.EventID("uid-1", "Breached", "2"),
		delivery.EventID("uid-1", "Breached", "2"),
	}
	if got := ntIDs(list); !slices.Equal(got, want) {
		t.Errorf("ids = %v, want %v", got, want)
	}
	if want[0] == want[1] {
		t.Errorf("two occurrences of the same event got the same id")
	}
	// The id is a pure function of uid, event and occurrence: a retry of the
	// reconcile that re-enqueues with the same seq produces the same id.
	again := int64(1)
	redo, _ := enqueue(nil, &again, "uid-1", supportv1.EventBreached, "", ntNow.Add(time.Hour), []string{"crm"})
	if redo[0].ID != want[1] {
		t.Errorf("id is not stable: %s, want %s", redo[0].ID, want[1])
	}
}

func TestEnqueueWithoutTargetsChangesNothing(t *testing.T) {
	list := []supportv1.Notification{ntItem("a", "crm"), ntFailedItem("b", "crm")}
	for _, targets := range [][]string{nil, {}} {
		seq := int64(7)
		got, dropped := enqueue(slices.Clone(list), &seq, "uid-1", supportv1.EventClosed, "", ntNow, targets)
		if seq != 7 {
			t.Errorf("targets %v: seq = %d, want 7 unchanged", targets, seq)
		}
		if !slices.Equal(ntIDs(got), ntIDs(list)) || dropped != nil {
			t.Errorf("targets %v: list %v dropped %v, want unchanged and none", targets, ntIDs(got), dropped)
		}
	}
}

func TestEnqueueIsBoundedAtMaxPending(t *testing.T) {
	tests := []struct {
		name        string
		pending     int // pending entries before the call
		targets     []string
		wantDropped int
	}{
		{"below the bound nothing is dropped", maxPending - 2, []string{"crm", "pager"}, 0},
		{"one over the bound drops the oldest pending", maxPending, []string{"crm"}, 1},
		{"two over the bound drops the two oldest pending", maxPending - 1, []string{"crm", "pager", "chat"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Failed entries at the very front and in the middle must survive.
			var list []supportv1.Notification
			list = append(list, ntFailedItem("failed-front", "crm"))
			for i := range tt.pending {
				if i == 1 {
					list = append(list, ntFailedItem("failed-middle", "crm"))
				}
				list = append(list, ntItem(fmt.Sprintf("p%03d", i), "crm"))
			}
			seq := int64(0)
			got, dropped := enqueue(slices.Clone(list), &seq, "uid-1", supportv1.EventBreached, "", ntNow, tt.targets)

			if len(dropped) != tt.wantDropped {
				t.Fatalf("dropped %d (%v), want %d", len(dropped), dropped, tt.wantDropped)
			}
			for i, d := range dropped {
				id := fmt.Sprintf("p%03d", i) // oldest pending first
				if !strings.Contains(d, id) || !strings.Contains(d, "crm") || !strings.Contains(d, string(supportv1.EventBreached)) {
					t.Errorf("dropped[%d] = %q, want it to name %s, its event and target", i, d, id)
				}
				for _, n := range got {
					if n.ID == id {
						t.Errorf("dropped %s is still in the ledger", id)
					}
				}
			}
			if p := pending(got); p != min(tt.pending+len(tt.targets), maxPending) {
				t.Errorf("pending = %d, want %d", p, min(tt.pending+len(tt.targets), maxPending))
			}
			var failed []string
			for _, n := range got {
				if n.Failed {
					failed = append(failed, n.ID)
				}
			}
			if !slices.Equal(failed, []string{"failed-front", "failed-middle"}) {
				t.Errorf("failed entries = %v, want both kept in order", failed)
			}
			tail := got[len(got)-len(tt.targets):]
			wantID := delivery.EventID("uid-1", "Breached", "1")
			for i, n := range tail {
				if n.ID != wantID || n.Target != tt.targets[i] {
					t.Errorf("new entry %d = %s to %s, want %s to %s", i, n.ID, n.Target, wantID, tt.targets[i])
				}
			}
		})
	}
}

// ------------------------------------------------------------- targetsFor

func TestTargetsFor(t *testing.T) {
	hook := &supportv1.Webhook{URL: "https://example.com/hook"}
	target := func(name string, events []supportv1.EventType, withHook bool) supportv1.NotifyTarget {
		nt := supportv1.NotifyTarget{Name: name, Events: events}
		if withHook {
			nt.Webhook = hook
		}
		return nt
	}
	breached := []supportv1.EventType{supportv1.EventBreached}
	escalated := []supportv1.EventType{supportv1.EventEscalated}
	both := []supportv1.EventType{supportv1.EventCreated, supportv1.EventBreached}

	tests := []struct {
		name   string
		notify []supportv1.NotifyTarget
		ev     supportv1.EventType
		extra  []string
		want   []string
	}{
		{"no policy targets", nil, supportv1.EventBreached, []string{"crm"}, nil},
		{"entry listing the event", []supportv1.NotifyTarget{target("crm", both, true)}, supportv1.EventBreached, nil, []string{"crm"}},
		{"entry not wanting the event", []supportv1.NotifyTarget{target("crm", escalated, true)}, supportv1.EventBreached, nil, nil},
		{"entry wanting the event without a webhook", []supportv1.NotifyTarget{target("crm", breached, false)}, supportv1.EventBreached, nil, nil},
		{
			"extra name adds an entry that does not list the event",
			[]supportv1.NotifyTarget{target("crm", breached, true), target("pager", escalated, true), target("chat", escalated, true)},
			supportv1.EventBreached, []string{"pager"}, []string{"crm", "pager"},
		},
		{
			"extra name of an entry without a webhook is skipped",
			[]supportv1.NotifyTarget{target("crm", nil, false)}, supportv1.EventEscalated, []string{"crm"}, nil,
		},
		{
			"unknown extra names are ignored",
			[]supportv1.NotifyTarget{target("crm", escalated, true)}, supportv1.EventEscalated, []string{"nobody", "crm"}, []string{"crm"},
		},
		{
			"no duplicates when wanted and also named as extra",
			[]supportv1.NotifyTarget{target("crm", escalated, true)}, supportv1.EventEscalated, []string{"crm", "crm"}, []string{"crm"},
		},
		{
			"no duplicates when the policy repeats a name",
			[]supportv1.NotifyTarget{target("crm", escalated, true), target("pager", escalated, true), target("crm", escalated, true)},
			supportv1.EventEscalated, nil, []string{"crm", "pager"},
		},
		{
			"policy order wins over the order of extra names",
			[]supportv1.NotifyTarget{target("a", nil, true), target("b", escalated, true), target("c", nil, true)},
			supportv1.EventEscalated, []string{"c", "a"}, []string{"a", "b", "c"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := targetsFor(tt.notify, tt.ev, tt.extra); !slices.Equal(got, tt.want) {
				t.Errorf("targetsFor() = %v, want %v", got, tt.want)
			}
		})
	}
}

// ---------------------------------------------------------------- Deliver

func TestNotifierDeliverSuccessRemovesItemAndIsVerifiable(t *testing.T) {
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
			n := ntNotifier(ntSecret(ntSecretKey, tt.secretValue))
			item := ntItem("evt-1", "crm")

			list, out := ntDeliver(n, []supportv1.NotifyTarget{ntTarget("crm", rcv.URL)}, []supportv1.Notification{item})

			if len(list) != 0 {
				t.Errorf("ledger = %+v, want empty after delivery", list)
			}
			if out.Delivered != 1 || len(out.Failed) != 0 || !out.Next.IsZero() {
				t.Errorf("outcome = %+v, want 1 delivered, none failed, no next", out)
			}
			hits := rcv.received()
			if len(hits) != 1 {
				t.Fatalf("receiver got %d requests, want 1", len(hits))
			}
			h := hits[0]
			if h.VerifyErr != nil {
				t.Errorf("signature does not verify with SecretBytes(secret value): %v", h.VerifyErr)
			}
			if h.ID != "evt-1" || h.EventID != "evt-1" || h.EventType != EventTypePrefix+"breached" {
				t.Errorf("request id %q, event id %q, type %q; want evt-1, evt-1, %sbreached", h.ID, h.EventID, h.EventType, EventTypePrefix)
			}
			if strings.Contains(string(h.Body), ntEmail) {
				t.Errorf("payload carries the customer's contact without includeContact")
			}
		})
	}
}

func TestNotifierDeliverSeveralItemsToOneTargetInOrderInOnePass(t *testing.T) {
	rcv := ntNewReceiver(t, ntSecretValue, nil)
	n := ntNotifier(ntSecret(ntSecretKey, ntSecretValue))
	list := []supportv1.Notification{ntItem("e1", "crm"), ntItem("e2", "crm"), ntItem("e3", "crm")}

	got, out := ntDeliver(n, []supportv1.NotifyTarget{ntTarget("crm", rcv.URL)}, list)

	if len(got) != 0 || out.Delivered != 3 {
		t.Errorf("ledger %v, delivered %d; want empty and 3", ntIDs(got), out.Delivered)
	}
	if ids := rcv.ids(); !slices.Equal(ids, []string{"e1", "e2", "e3"}) {
		t.Errorf("receiver got %v, want e1, e2, e3 in order", ids)
	}
	for _, h := range rcv.received() {
		if h.VerifyErr != nil {
			t.Errorf("%s: %v", h.ID, h.VerifyErr)
		}
	}
}

func TestNotifierDeliverBoundsAttemptsPerTargetAndPass(t *testing.T) {
	rcv := ntNewReceiver(t, "", nil)
	n := ntNotifier()
	var list []supportv1.Notification
	for i := range maxAttemptsPerPass + 2 {
		list = append(list, ntItem(fmt.Sprintf("e%02d", i), "crm"))
	}
	notify := []supportv1.NotifyTarget{ntTarget("crm", rcv.URL, func(h *supportv1.Webhook) { h.SecretRef = nil })}

	got, out := ntDeliver(n, notify, list)

	if out.Delivered != maxAttemptsPerPass || len(rcv.received()) != maxAttemptsPerPass {
		t.Errorf("delivered %d, receiver got %d; want %d", out.Delivered, len(rcv.received()), maxAttemptsPerPass)
	}
	if !slices.Equal(ntIDs(got), ntIDs(list[maxAttemptsPerPass:])) {
		t.Errorf("ledger = %v, want the last two in order", ntIDs(got))
	}
	for _, x := range got {
		if x.Attempts != 0 || x.NextAttemptAt != nil {
			t.Errorf("%s was touched: %+v", x.ID, x)
		}
	}
	if !out.Next.Equal(ntNow.Add(time.Second)) {
		t.Errorf("Next = %v, want %v (continue shortly)", out.Next, ntNow.Add(time.Second))
	}
}

func TestNotifierDeliverServerErrorRetriesWithBackoff(t *testing.T) {
	tests := []struct {
		name          string
		priorAttempts int32
		wantNext      time.Time // now + Backoff.Delay(attempts, 0), rounded up to the next whole second
	}{
		{"first failure waits Base/2", 0, ntAt(12, 0, 6)},         // 5s
		{"second failure waits Base", 1, ntAt(12, 0, 11)},         // 10s
		{"third failure doubles", 2, ntAt(12, 0, 21)},             // 20s
		{"eighth failure is capped at Max/2", 7, ntAt(12, 2, 31)}, // 150s
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := ntNewReceiver(t, ntSecretValue, ntStatus(http.StatusInternalServerError, nil, "database down"))
			n := ntNotifier(ntSecret(ntSecretKey, ntSecretValue))
			item := ntItem("e1", "crm")
			item.Attempts = tt.priorAttempts
			input := []supportv1.Notification{item}

			got, out := ntDeliver(n, []supportv1.NotifyTarget{ntTarget("crm", rcv.URL)}, input)

			if len(got) != 1 {
				t.Fatalf("ledger = %v, want the item kept", ntIDs(got))
			}
			x := got[0]
			if x.Failed || x.Attempts != tt.priorAttempts+1 {
				t.Errorf("failed %v, attempts %d; want pending with %d attempts", x.Failed, x.Attempts, tt.priorAttempts+1)
			}
			if !strings.Contains(x.LastError, "500") || !strings.Contains(x.LastError, "database down") {
				t.Errorf("LastError = %q, want the status and the receiver's reason", x.LastError)
			}
			if x.NextAttemptAt == nil || !x.NextAttemptAt.Time.Equal(tt.wantNext) {
				t.Errorf("NextAttemptAt = %v, want %v", x.NextAttemptAt, tt.wantNext)
			}
			if !out.Next.Equal(tt.wantNext) || out.Delivered != 0 || len(out.Failed) != 0 {
				t.Errorf("outcome = %+v, want Next %v only", out, tt.wantNext)
			}
			if input[0].Attempts != tt.priorAttempts || input[0].NextAttemptAt != nil {
				t.Errorf("Deliver modified its input ledger: %+v", input[0])
			}
		})
	}
}

func TestNotifierDeliverFailureBlocksOnlyThatTarget(t *testing.T) {
	failing := ntNewReceiver(t, ntSecretValue, ntStatus(http.StatusInternalServerError, nil, ""))
	healthy := ntNewReceiver(t, ntSecretValue, nil)
	n := ntNotifier(ntSecret(ntSecretKey, ntSecretValue))
	notify := []supportv1.NotifyTarget{ntTarget("crm", failing.URL), ntTarget("chat", healthy.URL)}
	list := []supportv1.Notification{ntItem("c1", "crm"), ntItem("h1", "chat"), ntItem("c2", "crm"), ntItem("h2", "chat")}

	got, out := ntDeliver(n, notify, list)

	if ids := failing.ids(); !slices.Equal(ids, []string{"c1"}) {
		t.Errorf("failing receiver got %v, want only c1 (order kept)", ids)
	}
	if ids := healthy.ids(); !slices.Equal(ids, []string{"h1", "h2"}) {
		t.Errorf("healthy receiver got %v, want h1, h2", ids)
	}
	if ids := ntIDs(got); !slices.Equal(ids, []string{"c1", "c2"}) {
		t.Fatalf("ledger = %v, want c1, c2", ids)
	}
	if c1 := got[0]; c1.Attempts != 1 || c1.NextAttemptAt == nil {
		t.Errorf("c1 = %+v, want one attempt and a retry time", c1)
	}
	if c2 := got[1]; c2.Attempts != 0 || c2.NextAttemptAt != nil || c2.LastError != "" {
		t.Errorf("c2 = %+v, want untouched behind c1", c2)
	}
	if out.Delivered != 2 || !out.Next.Equal(ntAt(12, 0, 6)) {
		t.Errorf("outcome = %+v, want 2 delivered and Next 12:00:06", out)
	}
}

func TestNotifierDeliverSkipsItemsNotYetDue(t *testing.T) {
	rcv := ntNewReceiver(t, ntSecretValue, nil)
	other := ntNewReceiver(t, ntSecretValue, nil)
	n := ntNotifier(ntSecret(ntSecretKey, ntSecretValue))
	notify := []supportv1.NotifyTarget{ntTarget("crm", rcv.URL), ntTarget("chat", other.URL), ntTarget("pager", other.URL)}

	crm1 := ntItem("crm1", "crm")
	crm1.Attempts, crm1.LastError, crm1.NextAttemptAt = 2, "HTTP 500", ntTimePtr(ntAt(12, 0, 30))
	pager1 := ntItem("pager1", "pager")
	pager1.Attempts, pager1.NextAttemptAt = 1, ntTimePtr(ntAt(12, 0, 20))
	due := ntItem("chat1", "chat")
	due.Attempts, due.NextAttemptAt = 1, ntTimePtr(ntNow) // due exactly now
	list := []supportv1.Notification{crm1, ntItem("crm2", "crm"), pager1, due}

	got, out := ntDeliver(n, notify, list)

	if len(rcv.received()) != 0 {
		t.Errorf("crm receiver got %v, want nothing before its NextAttemptAt", rcv.ids())
	}
	if ids := other.ids(); !slices.Equal(ids, []string{"chat1"}) {
		t.Errorf("other receiver got %v, want only the due chat1", ids)
	}
	if ids := ntIDs(got); !slices.Equal(ids, []string{"crm1", "crm2", "pager1"}) {
		t.Fatalf("ledger = %v", ids)
	}
	if got[0].Attempts != 2 || got[0].LastError != "HTTP 500" || !got[0].NextAttemptAt.Time.Equal(ntAt(12, 0, 30)) {
		t.Errorf("crm1 changed: %+v", got[0])
	}
	if !out.Next.Equal(ntAt(12, 0, 20)) {
		t.Errorf("Next = %v, want the earliest NextAttemptAt 12:00:20", out.Next)
	}
	if out.Delivered != 1 || len(out.Failed) != 0 {
		t.Errorf("outcome = %+v, want 1 delivered", out)
	}
}

func TestNotifierDeliverGivesUpAfterMaxAttempts(t *testing.T) {
	tests := []struct {
		name          string
		maxAttempts   int32
		priorAttempts int32
		wantFailed    bool
	}{
		{"one attempt allowed", 1, 0, true},
		{"last of three attempts", 3, 2, true},
		{"second of three attempts is retried", 3, 1, false},
		{"default of 12 when unset: 12th attempt gives up", 0, defaultMaxAttempts - 1, true},
		{"default of 12 when unset: 11th attempt is retried", 0, defaultMaxAttempts - 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := ntNewReceiver(t, ntSecretValue, ntStatus(http.StatusInternalServerError, nil, ""))
			n := ntNotifier(ntSecret(ntSecretKey, ntSecretValue))
			item := ntItem("e1", "crm")
			item.Attempts = tt.priorAttempts
			item.NextAttemptAt = ntTimePtr(ntNow.Add(-time.Second))

			got, out := ntDeliver(n, []supportv1.NotifyTarget{ntTarget("crm", rcv.URL, ntMaxAttempts(tt.maxAttempts))}, []supportv1.Notification{item})

			x := ntFind(t, got, "e1")
			if x.Attempts != tt.priorAttempts+1 {
				t.Errorf("attempts = %d, want %d", x.Attempts, tt.priorAttempts+1)
			}
			if x.Failed != tt.wantFailed {
				t.Fatalf("failed = %v, want %v (%+v)", x.Failed, tt.wantFailed, x)
			}
			if !tt.wantFailed {
				if x.NextAttemptAt == nil || len(out.Failed) != 0 || out.Next.IsZero() {
					t.Errorf("retry not scheduled: item %+v outcome %+v", x, out)
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
			if len(out.Failed) != 1 || out.Failed[0].ID != "e1" || !out.Failed[0].Failed {
				t.Errorf("outcome.Failed = %+v, want e1", out.Failed)
			}
			if !out.Next.IsZero() {
				t.Errorf("Next = %v, want none", out.Next)
			}
		})
	}
}

func TestNotifierDeliverGoneFailsAtOnce(t *testing.T) {
	rcv := ntNewReceiver(t, ntSecretValue, ntStatus(http.StatusGone, nil, "endpoint retired"))
	n := ntNotifier(ntSecret(ntSecretKey, ntSecretValue))

	got, out := ntDeliver(n, []supportv1.NotifyTarget{ntTarget("crm", rcv.URL)}, []supportv1.Notification{ntItem("e1", "crm")})

	x := ntFind(t, got, "e1")
	if !x.Failed || x.Attempts != 1 || x.NextAttemptAt != nil {
		t.Errorf("item = %+v, want failed after its first attempt", x)
	}
	if !strings.Contains(x.LastError, "410") {
		t.Errorf("LastError = %q, want it to mention 410", x.LastError)
	}
	if len(out.Failed) != 1 || out.Failed[0].ID != "e1" || !out.Next.IsZero() {
		t.Errorf("outcome = %+v, want e1 failed and no next", out)
	}
	if len(rcv.received()) != 1 {
		t.Errorf("receiver got %d requests, want 1", len(rcv.received()))
	}
}

// After a target's oldest item fails for good (410 or out of attempts) in a
// pass, its next item is due at once. Deliver must either send it in the same
// pass or report a Next so the caller comes back: the complaint controller
// ignores its own status updates (GenerationChanged|LabelChanged predicate),
// so a zero Next leaves the item stranded.
func TestNotifierDeliverFinalFailureDoesNotStrandLaterItems(t *testing.T) {
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
			n := ntNotifier(ntSecret(ntSecretKey, ntSecretValue))
			notify := []supportv1.NotifyTarget{ntTarget("crm", rcv.URL, ntMaxAttempts(tt.maxAttempts))}

			got, out := ntDeliver(n, notify, []supportv1.Notification{ntItem("e1", "crm"), ntItem("e2", "crm")})

			if e1 := ntFind(t, got, "e1"); !e1.Failed {
				t.Fatalf("e1 = %+v, want failed", e1)
			}
			if slices.Contains(rcv.ids(), "e2") {
				return // sent in the same pass: fine
			}
			e2 := ntFind(t, got, "e2")
			if e2.Failed {
				t.Fatalf("e2 = %+v, want pending", e2)
			}
			if out.Next.IsZero() || out.Next.After(ntNow.Add(time.Second)) {
				t.Errorf("e2 is pending and due but not sent and outcome.Next = %v: nothing schedules its delivery", out.Next)
			}
		})
	}
}

func TestNotifierDeliverHonoursRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter string
		atLeast    time.Duration
		wantNext   time.Time
	}{
		{"429 Retry-After 120 waits at least 120s", http.StatusTooManyRequests, "120", 120 * time.Second, ntAt(12, 2, 1)},
		{"503 Retry-After 30 beats the 5s backoff", http.StatusServiceUnavailable, "30", 30 * time.Second, ntAt(12, 0, 31)},
		{"429 Retry-After shorter than the backoff keeps the backoff", http.StatusTooManyRequests, "1", 5 * time.Second, ntAt(12, 0, 6)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := ntNewReceiver(t, ntSecretValue, ntStatus(tt.status, http.Header{"Retry-After": {tt.retryAfter}}, ""))
			n := ntNotifier(ntSecret(ntSecretKey, ntSecretValue))

			got, out := ntDeliver(n, []supportv1.NotifyTarget{ntTarget("crm", rcv.URL)}, []supportv1.Notification{ntItem("e1", "crm")})

			x := ntFind(t, got, "e1")
			if x.Failed || x.NextAttemptAt == nil {
				t.Fatalf("item = %+v, want a scheduled retry", x)
			}
			if x.NextAttemptAt.Time.Before(ntNow.Add(tt.atLeast)) {
				t.Errorf("NextAttemptAt = %v, earlier than now+%v", x.NextAttemptAt.Time, tt.atLeast)
			}
			if !x.NextAttemptAt.Time.Equal(tt.wantNext) || !out.Next.Equal(tt.wantNext) {
				t.Errorf("NextAttemptAt %v, Next %v; want %v", x.NextAttemptAt.Time, out.Next, tt.wantNext)
			}
			if !strings.Contains(x.LastError, strconv.Itoa(tt.status)) {
				t.Errorf("LastError = %q, want the status", x.LastError)
			}
		})
	}
}

func TestNotifierDeliverSecretProblemsAreFailedAttempts(t *testing.T) {
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
			n := ntNotifier(tt.objs...)

			got, out := ntDeliver(n, []supportv1.NotifyTarget{ntTarget("crm", rcv.URL)}, []supportv1.Notification{ntItem("e1", "crm")})

			if len(rcv.received()) != 0 {
				t.Errorf("an unsigned request was sent: %v", rcv.ids())
			}
			x := ntFind(t, got, "e1") // not silently dropped
			if x.Failed || x.Attempts != 1 {
				t.Errorf("item = %+v, want one failed attempt, still pending", x)
			}
			if x.NextAttemptAt == nil || !x.NextAttemptAt.Time.Equal(ntAt(12, 0, 6)) || !out.Next.Equal(ntAt(12, 0, 6)) {
				t.Errorf("NextAttemptAt %v, Next %v; want the backoff retry 12:00:06", x.NextAttemptAt, out.Next)
			}
			for _, w := range tt.wantMsg {
				if !strings.Contains(x.LastError, w) {
					t.Errorf("LastError = %q, want it to contain %q", x.LastError, w)
				}
			}
			if strings.Contains(x.LastError, otherValue) {
				t.Errorf("LastError = %q leaks a Secret value", x.LastError)
			}
			if out.Delivered != 0 || len(out.Failed) != 0 {
				t.Errorf("outcome = %+v, want nothing delivered or failed", out)
			}
		})
	}
}

func TestNotifierDeliverTargetGoneFromPolicyFailsItem(t *testing.T) {
	rcv := ntNewReceiver(t, "", nil)
	tests := []struct {
		name   string
		notify []supportv1.NotifyTarget
	}{
		{"target removed from the policy", []supportv1.NotifyTarget{ntTarget("chat", rcv.URL)}},
		{"target kept without a webhook", []supportv1.NotifyTarget{{Name: "crm", Events: []supportv1.EventType{supportv1.EventBreached}}}},
		{"policy has no targets at all", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := ntNotifier()
			before := len(rcv.received())

			got, out := ntDeliver(n, tt.notify, []supportv1.Notification{ntItem("e1", "crm"), ntItem("e2", "crm")})

			if len(rcv.received()) != before {
				t.Errorf("something was sent")
			}
			for _, id := range []string{"e1", "e2"} {
				x := ntFind(t, got, id)
				if !x.Failed || !strings.Contains(x.LastError, "crm") || x.Attempts != 0 {
					t.Errorf("%s = %+v, want failed, unattempted, with a message naming crm", id, x)
				}
			}
			if len(out.Failed) != 2 || !out.Next.IsZero() || out.Delivered != 0 {
				t.Errorf("outcome = %+v, want both failed", out)
			}
		})
	}
}

func TestNotifierDeliverNeverPutsTheSecretInLastError(t *testing.T) {
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
			echo := "bad signature, expected key " + tt.secretValue + " / " + string(delivery.SecretBytes([]byte(tt.secretValue)))
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
				n := ntNotifier(ntSecret(ntSecretKey, tt.secretValue))
				got, out := ntDeliver(n, []supportv1.NotifyTarget{ntTarget("crm", rcv.URL, ntMaxAttempts(r.maxAtt))},
					[]supportv1.Notification{ntItem("e1", "crm")})
				x := ntFind(t, got, "e1")
				if x.LastError == "" {
					t.Fatalf("status %d: no LastError", r.status)
				}
				msgs := append([]string{x.LastError}, ntLastErrors(out.Failed)...)
				slices.Sort(msgs)
				for _, msg := range slices.Compact(msgs) {
					for _, leak := range tt.leaks {
						if strings.Contains(msg, leak) {
							t.Errorf("status %d: LastError %q contains the secret %q", r.status, msg, leak)
						}
					}
				}
			}
		})
	}
}

func ntLastErrors(list []supportv1.Notification) []string {
	var out []string
	for _, n := range list {
		out = append(out, n.LastError)
	}
	return out
}

// A notification whose event cannot be built is never sent; its LastError
// must say so and not blame the receiver.
func TestNotifierDeliverBuildErrorIsNotReportedAsReceiverGone(t *testing.T) {
	rcv := ntNewReceiver(t, ntSecretValue, nil)
	n := ntNotifier(ntSecret(ntSecretKey, ntSecretValue))
	build := func(supportv1.Notification, *supportv1.Webhook) (event.Event, error) {
		return event.Event{}, fmt.Errorf("complaint data missing")
	}

	got, out := n.Deliver(context.Background(), ntNamespace, []supportv1.NotifyTarget{ntTarget("crm", rcv.URL)},
		[]supportv1.Notification{ntItem("e1", "crm")}, build, ntNow)

	if len(rcv.received()) != 0 {
		t.Errorf("receiver was called")
	}
	x := ntFind(t, got, "e1")
	if !x.Failed || len(out.Failed) != 1 {
		t.Fatalf("item = %+v, want failed", x)
	}
	if !strings.Contains(x.LastError, "cannot build the event") {
		t.Errorf("LastError = %q, want the build error", x.LastError)
	}
	if strings.Contains(x.LastError, "410") || strings.Contains(x.LastError, "receiver answered") {
		t.Errorf("LastError = %q claims the receiver answered 410 Gone, but no request was sent", x.LastError)
	}
}

func TestNotifierDeliverTrimsFailedItems(t *testing.T) {
	rcv := ntNewReceiver(t, "", ntStatus(http.StatusGone, nil, ""))
	n := ntNotifier()
	var list []supportv1.Notification
	for i := range maxFailedKept {
		list = append(list, ntFailedItem(fmt.Sprintf("old%02d", i), "crm"))
	}
	list = append(list, ntItem("new", "crm"))
	notify := []supportv1.NotifyTarget{ntTarget("crm", rcv.URL, func(h *supportv1.Webhook) { h.SecretRef = nil })}

	got, out := ntDeliver(n, notify, list)

	if len(got) != maxFailedKept {
		t.Fatalf("ledger has %d entries, want %d", len(got), maxFailedKept)
	}
	if got[0].ID != "old01" || got[len(got)-1].ID != "new" {
		t.Errorf("ledger = %v, want the oldest failed dropped and the new one last", ntIDs(got))
	}
	if len(out.Failed) != 1 || out.Failed[0].ID != "new" {
		t.Errorf("outcome.Failed = %v, want new", ntIDs(out.Failed))
	}
}

// ------------------------------------------------------------- trimFailed

func TestTrimFailed(t *testing.T) {
	// build makes a ledger from a pattern: 'f' failed, 'p' pending.
	build := func(pattern string) []supportv1.Notification {
		var list []supportv1.Notification
		for i, c := range pattern {
			id := fmt.Sprintf("%c%02d", c, i)
			if c == 'f' {
				list = append(list, ntFailedItem(id, "crm"))
			} else {
				list = append(list, ntItem(id, "crm"))
			}
		}
		return list
	}
	tests := []struct {
		name    string
		pattern string
		// wantDropped are the indexes removed from the pattern.
		wantDropped []int
	}{
		{"empty", "", nil},
		{"only pending, many", strings.Repeat("p", maxFailedKept+5), nil},
		{"exactly the bound", strings.Repeat("f", maxFailedKept) + "p", nil},
		{"one over the bound drops the oldest failed", strings.Repeat("f", maxFailedKept+1), []int{0}},
		{"interleaved: oldest failed dropped, pending kept in order", "pfpf" + strings.Repeat("f", maxFailedKept) + "p", []int{1, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list := build(tt.pattern)
			input := slices.Clone(list)
			got := trimFailed(list)

			var want []string
			for i, n := range list {
				if !slices.Contains(tt.wantDropped, i) {
					want = append(want, n.ID)
				}
			}
			if !slices.Equal(ntIDs(got), want) {
				t.Errorf("trimFailed(%s) = %v, want %v", tt.pattern, ntIDs(got), want)
			}
			failed := len(got) - pending(got)
			if failed > maxFailedKept {
				t.Errorf("%d failed kept, want at most %d", failed, maxFailedKept)
			}
			if pending(got) != pending(list) {
				t.Errorf("pending entries were dropped")
			}
			if !slices.Equal(ntIDs(list), ntIDs(input)) {
				t.Errorf("input ledger modified")
			}
		})
	}
}

// ------------------------------------------------------------- buildEvent

func TestNotifierBuildEvent(t *testing.T) {
	tests := []struct {
		name        string
		event       supportv1.EventType
		hook        *supportv1.Webhook
		wantType    string
		wantContact bool
	}{
		{"breached without a webhook", supportv1.EventBreached, nil, "dev.servicedesk.complaint.breached", false},
		{"follow-up due lower-cased", supportv1.EventFollowUpDue, &supportv1.Webhook{URL: "https://x"}, "dev.servicedesk.complaint.followupdue", false},
		{"at risk without includeContact", supportv1.EventAtRisk, &supportv1.Webhook{URL: "https://x", IncludeContact: false}, "dev.servicedesk.complaint.atrisk", false},
		{"created with includeContact", supportv1.EventCreated, &supportv1.Webhook{URL: "https://x", IncludeContact: true}, "dev.servicedesk.complaint.created", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ntComplaint()
			n := ntItem("0123456789abcdef0123456789abcdef", "crm")
			n.Event = tt.event

			ev, err := buildEvent(c, nil, n, tt.hook)
			if err != nil {
				t.Fatalf("buildEvent() error = %v", err)
			}
			if ev.Type() != tt.wantType || ev.ID() != n.ID {
				t.Errorf("type %q id %q, want %q %q", ev.Type(), ev.ID(), tt.wantType, n.ID)
			}
			if ev.Subject() != c.Name || !strings.Contains(ev.Source(), "/namespaces/"+ntNamespace+"/complaints/"+c.Name) {
				t.Errorf("subject %q source %q, want the complaint", ev.Subject(), ev.Source())
			}
			if !ev.Time().Equal(n.OccurredAt.Time) {
				t.Errorf("time = %v, want %v", ev.Time(), n.OccurredAt.Time)
			}
			var data Payload
			if err := json.Unmarshal(ev.Data(), &data); err != nil {
				t.Fatalf("data: %v", err)
			}
			if data.Event != tt.event || data.Detail != n.Detail || data.Complaint.Name != c.Name || data.Complaint.UID != string(c.UID) {
				t.Errorf("data = %+v", data)
			}
			if data.Complaint.Tier != supportv1.TierStandard {
				t.Errorf("tier = %q, want the Standard default", data.Complaint.Tier)
			}
			raw := string(ev.Data())
			hasContact := strings.Contains(raw, ntEmail) || strings.Contains(raw, ntPhone)
			if hasContact != tt.wantContact {
				t.Errorf("contact in payload = %v, want %v: %s", hasContact, tt.wantContact, raw)
			}
			if tt.wantContact {
				cust := data.Complaint.Customer
				if cust == nil || cust.Name != "Jane Doe" || cust.Contact == nil || cust.Contact.Email != ntEmail {
					t.Errorf("customer = %+v, want name and contact", cust)
				}
			} else if data.Complaint.Customer != nil {
				t.Errorf("customer = %+v, want none without includeContact", data.Complaint.Customer)
			}
		})
	}
}
