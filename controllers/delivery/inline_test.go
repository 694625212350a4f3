package delivery

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	nt "github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/internal/deliverytest"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/ledger"
)

// inlineHarness is ntHarness with a running dispatcher and an Inline on it.
func inlineHarness(t *testing.T, stored []supportv1.Notification, wait time.Duration) (*ntHarness, *Inline) {
	t.Helper()
	h := ntNewHarness(t, stored, ntSecret(ntSecretKey, ntSecretValue))
	d := &Dispatcher{Clock: h.clock, Backoff: ntBackoff, Rand: func() float64 { return 0 }}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _ = d.Start(ctx) }()
	t.Cleanup(cancel)
	h.r.dispatcher, h.r.held = d, newHeldOutcomes(h.clock)
	rec := h.r.recorder
	go func() { _ = rec.Start(ctx) }()
	return h, &Inline{r: h.r, Wait: wait}
}

func breachedAndEscalated(target string) []supportv1.Notification {
	a, b := nt.Item("ev-breached", target), nt.Item("ev-escalated", target)
	b.Event, b.Escalation = supportv1.EventEscalated, "broken-order-lead"
	return []supportv1.Notification{a, b}
}

// draftWith is the stored complaint with fresh appended to its ledger: the
// draft a pass is about to write.
func draftWith(h *ntHarness, fresh []supportv1.Notification) (old, draft *supportv1.Complaint) {
	old = h.complaint()
	draft = old.DeepCopy()
	draft.Status.Notifications = append(draft.Status.Notifications, fresh...)
	return old, draft
}

func policyOf(targets ...supportv1.NotifyTarget) *supportv1.ServicePolicySpec {
	return &supportv1.ServicePolicySpec{Notify: targets}
}

func TestInlineDeliversBeforeTheWrite(t *testing.T) {
	recv := ntNewReceiver(t, ntSecretValue, nil)
	h, in := inlineHarness(t, nil, 5*time.Second)
	old, draft := draftWith(h, breachedAndEscalated("hook"))
	b := in.Send(context.Background(), old, draft, policyOf(ntTarget("hook", recv.URL)), nil)
	if got := nt.IDs(draft.Status.Notifications); len(got) != 0 {
		t.Fatalf("both delivered before the write, the ledger to write should be empty; got %v", got)
	}
	if got := recv.ids(); !slices.Equal(got, []string{"ev-breached", "ev-escalated"}) {
		t.Fatalf("receiver got %v, want both in order", got)
	}
	for _, hit := range recv.received() {
		if hit.VerifyErr != nil {
			t.Fatalf("signature: %v", hit.VerifyErr)
		}
	}
	b.Written(true)
	if h.r.track.busy(h.uid, "hook") {
		t.Fatal("after the write the destination is free: the next notification may go inline too")
	}
}

func TestInlineRecordsAFailedAttemptAndStops(t *testing.T) {
	recv := ntNewReceiver(t, ntSecretValue, ntStatus(http.StatusServiceUnavailable, nil, "busy"))
	h, in := inlineHarness(t, nil, 5*time.Second)
	old, draft := draftWith(h, breachedAndEscalated("hook"))
	in.Send(context.Background(), old, draft, policyOf(ntTarget("hook", recv.URL)), nil).Written(true)
	list := draft.Status.Notifications
	if len(list) != 2 {
		t.Fatalf("ledger %v: both stay pending", nt.IDs(list))
	}
	first, second := ntFind(t, list, "ev-breached"), ntFind(t, list, "ev-escalated")
	if first.Attempts != 1 || first.NextAttemptAt == nil || first.LastError == "" {
		t.Fatalf("first: attempts %d next %v error %q: the failed attempt is recorded in the same write", first.Attempts, first.NextAttemptAt, first.LastError)
	}
	if second.Attempts != 0 {
		t.Fatalf("second attempted %d times: only a head is ever sent", second.Attempts)
	}
	if got := len(recv.received()); got != 1 {
		t.Fatalf("receiver got %d requests, want 1", got)
	}
}

func TestInlineKeepsOutcomesOfAFailedWrite(t *testing.T) {
	recv := ntNewReceiver(t, ntSecretValue, nil)
	h, in := inlineHarness(t, nil, 5*time.Second)
	policy := policyOf(ntTarget("hook", recv.URL))
	old, draft := draftWith(h, breachedAndEscalated("hook"))
	in.Send(context.Background(), old, draft, policy, nil).Written(false)
	// The pass runs again, decides the same notifications (same ids).
	old, draft = draftWith(h, breachedAndEscalated("hook"))
	b := in.Send(context.Background(), old, draft, policy, nil)
	if got := nt.IDs(draft.Status.Notifications); len(got) != 0 {
		t.Fatalf("the retried write should record both as delivered; ledger %v", got)
	}
	if got := len(recv.received()); got != 2 {
		t.Fatalf("receiver got %d requests, want 2: nothing is sent again for a failed write", got)
	}
	b.Written(true)
}

func TestInlineLateOutcomeGoesToTheRecorder(t *testing.T) {
	release := make(chan struct{})
	recv := ntNewReceiver(t, ntSecretValue, func(int) (int, http.Header, string) {
		<-release
		return http.StatusNoContent, nil, ""
	})
	fresh := breachedAndEscalated("hook")[:1]
	// Stored as the write leaves it: the notification pending.
	h, in := inlineHarness(t, fresh, 50*time.Millisecond)
	old := h.complaint()
	old.Status.Notifications = nil
	draft := h.complaint()
	b := in.Send(context.Background(), old, draft, policyOf(ntTarget("hook", recv.URL)), nil)
	if got := nt.IDs(draft.Status.Notifications); len(got) != 1 {
		t.Fatalf("still on its way after the wait: written pending; ledger %v", got)
	}
	b.Written(true)
	if h.r.track.state(h.uid, fresh[0]) != headBusy {
		t.Fatal("the delivery controller must not send it again while it is on its way")
	}
	close(release)
	deadline := time.Now().Add(5 * time.Second)
	for len(h.ledger()) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the late outcome was never recorded: ledger %v", nt.IDs(h.ledger()))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := len(recv.received()); got != 1 {
		t.Fatalf("receiver got %d requests, want 1", got)
	}
}

func TestInlineSkipsUnhealthyDestinations(t *testing.T) {
	recv := ntNewReceiver(t, ntSecretValue, nil)
	h, in := inlineHarness(t, nil, 5*time.Second)
	key := nt.Namespace + "/" + nt.Policy + "/hook"
	h.r.dispatcher.init()
	h.r.dispatcher.lanes[key] = &lane{failures: 1}
	old, draft := draftWith(h, breachedAndEscalated("hook"))
	in.Send(context.Background(), old, draft, policyOf(ntTarget("hook", recv.URL)), nil).Written(true)
	if got := len(draft.Status.Notifications); got != 2 || len(recv.received()) != 0 {
		t.Fatalf("a failing destination is not sent inline: ledger %d, requests %d", got, len(recv.received()))
	}
}

func withEvent(n supportv1.Notification, ev supportv1.EventType) supportv1.Notification {
	n.Event = ev
	return n
}

func TestFreshHeads(t *testing.T) {
	older := nt.Retrying("old", "a", 1, nt.Now.Add(time.Minute), "503")
	cases := []struct {
		name       string
		old, draft []supportv1.Notification
		want       [][]string
	}{
		{"nothing new", []supportv1.Notification{nt.Item("x", "a")}, []supportv1.Notification{nt.Item("x", "a")}, nil},
		{"two new to one, one to another", nil,
			[]supportv1.Notification{nt.Item("x", "a"), nt.Item("y", "b"), nt.Item("z", "a")}, [][]string{{"x", "z"}, {"y"}}},
		{"an older pending one goes first", []supportv1.Notification{older},
			[]supportv1.Notification{older, nt.Item("x", "a"), nt.Item("y", "b")}, [][]string{{"y"}}},
		{"a failed one does not block", []supportv1.Notification{nt.FailedItem("f", "a")},
			[]supportv1.Notification{nt.FailedItem("f", "a"), nt.Item("x", "a")}, [][]string{{"x"}}},
		{"a remedy report and what follows go after the write", nil,
			[]supportv1.Notification{nt.Item("x", "a"), withEvent(nt.Item("r", "a"), supportv1.EventRemedyDone), nt.Item("y", "a"),
				withEvent(nt.Item("k", "b"), supportv1.EventAcknowledged), nt.Item("z", "b")}, [][]string{{"x"}}},
		{"created, deadlines and levels go first", nil,
			[]supportv1.Notification{withEvent(nt.Item("c", "a"), supportv1.EventCreated), withEvent(nt.Item("r", "a"), supportv1.EventAtRisk),
				nt.Item("x", "a"), withEvent(nt.Item("e", "a"), supportv1.EventEscalated), withEvent(nt.Item("f", "a"), supportv1.EventFollowUpDue)},
			[][]string{{"c", "r", "x", "e"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got [][]string
			for _, g := range freshHeads(tc.old, tc.draft) {
				got = append(got, nt.IDs(g))
			}
			if !slices.EqualFunc(got, tc.want, slices.Equal[[]string]) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestInlineNeverSendsTwiceFromAStaleCache(t *testing.T) {
	recv := ntNewReceiver(t, ntSecretValue, nil)
	h, in := inlineHarness(t, nil, 5*time.Second)
	policy := policyOf(ntTarget("hook", recv.URL))
	old, draft := draftWith(h, breachedAndEscalated("hook"))
	in.Send(context.Background(), old, draft, policy, nil).Written(true)
	// A pass that read the cache before that write decides the same
	// notifications again: they are folded as delivered, not sent.
	old, draft = draftWith(h, breachedAndEscalated("hook"))
	in.Send(context.Background(), old, draft, policy, nil).Written(false)
	if got := len(recv.received()); got != 2 {
		t.Fatalf("receiver got %d requests, want 2", got)
	}
	if got := nt.IDs(draft.Status.Notifications); len(got) != 0 {
		t.Fatalf("the stale pass's draft should record them delivered; ledger %v", got)
	}
}

// A pass that read the complaint before this process's own last write of
// it numbers its notifications anew and its write is refused: nothing of
// it may reach a receiver first (the fault suite saw a Breached sent under
// two numbers after a restart).
func TestInlineSendsNothingFromAReadBehindItsOwnWrite(t *testing.T) {
	recv := ntNewReceiver(t, ntSecretValue, nil)
	h, in := inlineHarness(t, nil, 5*time.Second)
	policy := policyOf(ntTarget("hook", recv.URL))
	in.Wrote(h.uid, 3)

	old, draft := draftWith(h, breachedAndEscalated("hook"))
	old.Status.NotificationSeq = 2 // the cache before the write of seq 3
	if b := in.Send(context.Background(), old, draft, policy, nil); b != nil {
		t.Fatal("sent from a read behind this process's own write")
	}
	if got := len(draft.Status.Notifications); got != 2 {
		t.Fatalf("ledger has %d notifications, want both pending", got)
	}
	if got := recv.ids(); len(got) != 0 {
		t.Fatalf("receiver got %v, want nothing", got)
	}

	old, draft = draftWith(h, breachedAndEscalated("hook"))
	old.Status.NotificationSeq = 3 // the cache caught up
	in.Send(context.Background(), old, draft, policy, nil).Written(true)
	if got := recv.ids(); !slices.Equal(got, []string{"ev-breached", "ev-escalated"}) {
		t.Fatalf("receiver got %v once the read shows the write, want both", got)
	}
}

// A restarted process's cache may miss the last write of the one before
// it: nothing goes inline until Grace after it starts leading.
func TestInlineWaitsItsGraceAfterStart(t *testing.T) {
	recv := ntNewReceiver(t, ntSecretValue, nil)
	h, in := inlineHarness(t, nil, 5*time.Second)
	in.Grace = 3 * time.Second
	policy := policyOf(ntTarget("hook", recv.URL))
	send := func() int {
		old, draft := draftWith(h, breachedAndEscalated("hook"))
		in.Send(context.Background(), old, draft, policy, nil).Written(false)
		return len(recv.ids())
	}
	if got := send(); got != 0 {
		t.Fatalf("receiver got %d before Start, want 0", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { _ = in.Start(ctx) }()
	for in.started.Load() == nil {
		time.Sleep(time.Millisecond)
	}
	h.clock.Step(2 * time.Second)
	if got := send(); got != 0 {
		t.Fatalf("receiver got %d within the grace, want 0", got)
	}
	h.clock.Step(time.Second)
	if got := send(); got != 2 {
		t.Fatalf("receiver got %d once the grace is over, want 2", got)
	}
}

// Held outcomes, and the numbers a process wrote, are forgotten heldTTL
// after they were kept.
func TestHeldOutcomesAndWrittenNumbersExpire(t *testing.T) {
	clk := clocktesting.NewFakeClock(nt.Now)
	h := newHeldOutcomes(clk)
	h.keep("uid", []ledger.Record{{ID: "a", Target: "crm", Delivered: true}})
	in := &Inline{r: &deliveryReconciler{clock: clk}}
	in.Wrote("uid", 3)
	stale := &supportv1.Complaint{}
	stale.UID, stale.Status.NotificationSeq = "uid", 2
	clk.Step(heldTTL - time.Second)
	if !h.has("uid", "a", "crm") || !in.behind(stale) {
		t.Fatal("kept less than heldTTL")
	}
	clk.Step(2 * time.Second)
	if h.has("uid", "a", "crm") || in.behind(stale) {
		t.Fatal("kept past heldTTL")
	}
}
