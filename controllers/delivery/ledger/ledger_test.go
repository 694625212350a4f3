package ledger

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	nt "github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/internal/deliverytest"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// Fixtures of the ledger and conditions tests: the shared ones are nt
// (deliverytest); the ledger's own carry an "nt" prefix so they cannot clash
// with the package's identifiers.

// ntBackoff with Rand 0 waits Base/2 after the first failure and doubles:
// 5s, 10s, 20s, 40s, 80s, 150s (capped).
var ntBackoff = webhook.Backoff{Base: 10 * time.Second, Max: 5 * time.Minute}

// ---------------------------------------------------------------- Enqueue

func TestEnqueueAddsOneNotificationPerTargetWithStableID(t *testing.T) {
	at := nt.Now.Add(-time.Second)
	existing := []supportv1.Notification{nt.Item("older", "crm")}
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
			got, dropped := Enqueue(slices.Clone(tt.list), &seq, "uid-1", supportv1.EventBreached, "resolution", at, tt.targets)
			if seq != tt.seq+1 {
				t.Errorf("seq = %d, want %d (incremented once per call)", seq, tt.seq+1)
			}
			if dropped != nil {
				t.Errorf("dropped = %v, want none", dropped)
			}
			if len(got) != len(tt.list)+len(tt.targets) {
				t.Fatalf("len = %d, want %d", len(got), len(tt.list)+len(tt.targets))
			}
			if !slices.Equal(nt.IDs(got[:len(tt.list)]), nt.IDs(tt.list)) {
				t.Errorf("existing entries changed: %v", nt.IDs(got))
			}
			wantID := webhook.EventID("uid-1", string(supportv1.EventBreached), strconv.FormatInt(tt.seq+1, 10))
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
	list, _ = Enqueue(list, &seq, "uid-1", supportv1.EventBreached, "", nt.Now, []string{"crm"})
	list, _ = Enqueue(list, &seq, "uid-1", supportv1.EventBreached, "", nt.Now, []string{"crm", "pager"})
	if seq != 2 {
		t.Fatalf("seq = %d, want 2", seq)
	}
	want := []string{
		webhook.EventID("uid-1", "Breached", "1"),
		webhook.EventID("uid-1", "Breached", "2"),
		webhook.EventID("uid-1", "Breached", "2"),
	}
	if got := nt.IDs(list); !slices.Equal(got, want) {
		t.Errorf("ids = %v, want %v", got, want)
	}
	if want[0] == want[1] {
		t.Errorf("two occurrences of the same event got the same id")
	}
	// The id is a pure function of uid, event and occurrence: a retry of the
	// reconcile that re-enqueues with the same seq produces the same id.
	again := int64(1)
	redo, _ := Enqueue(nil, &again, "uid-1", supportv1.EventBreached, "", nt.Now.Add(time.Hour), []string{"crm"})
	if redo[0].ID != want[1] {
		t.Errorf("id is not stable: %s, want %s", redo[0].ID, want[1])
	}
}

func TestEnqueueWithoutTargetsChangesNothing(t *testing.T) {
	list := []supportv1.Notification{nt.Item("a", "crm"), nt.FailedItem("b", "crm")}
	for _, targets := range [][]string{nil, {}} {
		seq := int64(7)
		got, dropped := Enqueue(slices.Clone(list), &seq, "uid-1", supportv1.EventClosed, "", nt.Now, targets)
		if seq != 7 {
			t.Errorf("targets %v: seq = %d, want 7 unchanged", targets, seq)
		}
		if !slices.Equal(nt.IDs(got), nt.IDs(list)) || dropped != nil {
			t.Errorf("targets %v: list %v dropped %v, want unchanged and none", targets, nt.IDs(got), dropped)
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
		{"below the bound nothing is dropped", MaxPending - 2, []string{"crm", "pager"}, 0},
		{"one over the bound drops the oldest pending", MaxPending, []string{"crm"}, 1},
		{"two over the bound drops the two oldest pending", MaxPending - 1, []string{"crm", "pager", "chat"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Failed entries at the very front and in the middle must survive.
			var list []supportv1.Notification
			list = append(list, nt.FailedItem("failed-front", "crm"))
			for i := range tt.pending {
				if i == 1 {
					list = append(list, nt.FailedItem("failed-middle", "crm"))
				}
				list = append(list, nt.Item(fmt.Sprintf("p%03d", i), "crm"))
			}
			seq := int64(0)
			got, dropped := Enqueue(slices.Clone(list), &seq, "uid-1", supportv1.EventBreached, "", nt.Now, tt.targets)

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
			if p := Pending(got); p != min(tt.pending+len(tt.targets), MaxPending) {
				t.Errorf("pending = %d, want %d", p, min(tt.pending+len(tt.targets), MaxPending))
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
			wantID := webhook.EventID("uid-1", "Breached", "1")
			for i, n := range tail {
				if n.ID != wantID || n.Target != tt.targets[i] {
					t.Errorf("new entry %d = %s to %s, want %s to %s", i, n.ID, n.Target, wantID, tt.targets[i])
				}
			}
		})
	}
}

// ------------------------------------------------------------------ Heads

// Only a destination's oldest pending notification is ever sent, and only
// when due: delivery is in order per destination, and a destination waiting
// for its retry holds back only its own queue.
func TestHeads(t *testing.T) {
	tests := []struct {
		name     string
		list     []supportv1.Notification
		wantDue  []string // id/target, in ledger order
		wantNext time.Time
	}{
		{"empty ledger", nil, []string{}, time.Time{}},
		{"a fresh item is due", []supportv1.Notification{nt.Item("e1", "crm")}, []string{"e1/crm"}, time.Time{}},
		{
			"one head per destination, in ledger order",
			[]supportv1.Notification{nt.Item("c1", "crm"), nt.Item("h1", "chat"), nt.Item("c2", "crm"), nt.Item("h2", "chat")},
			[]string{"c1/crm", "h1/chat"}, time.Time{},
		},
		{
			"many items to one destination: only the oldest",
			[]supportv1.Notification{nt.Item("e00", "crm"), nt.Item("e01", "crm"), nt.Item("e02", "crm"), nt.Item("e03", "crm")},
			[]string{"e00/crm"}, time.Time{},
		},
		{
			"failed items are not heads: the next one is",
			[]supportv1.Notification{nt.FailedItem("f1", "crm"), nt.Item("c2", "crm"), nt.FailedItem("f2", "chat")},
			[]string{"c2/crm"}, time.Time{},
		},
		{
			"a head not yet due holds back its destination and says when",
			[]supportv1.Notification{nt.Retrying("c1", "crm", 2, nt.At(12, 0, 30), "HTTP 500"), nt.Item("c2", "crm")},
			[]string{}, nt.At(12, 0, 30),
		},
		{
			"due exactly now",
			[]supportv1.Notification{nt.Retrying("c1", "crm", 1, nt.Now, "HTTP 500")},
			[]string{"c1/crm"}, time.Time{},
		},
		{
			"one second early is not due",
			[]supportv1.Notification{nt.Retrying("c1", "crm", 1, nt.Now.Add(time.Second), "HTTP 500")},
			[]string{}, nt.Now.Add(time.Second),
		},
		{
			"items not yet due skipped, next is the earliest head",
			[]supportv1.Notification{
				nt.Retrying("crm1", "crm", 2, nt.At(12, 0, 30), "HTTP 500"), nt.Item("crm2", "crm"),
				nt.Retrying("pager1", "pager", 1, nt.At(12, 0, 20), ""), nt.Retrying("chat1", "chat", 1, nt.Now, ""),
			},
			[]string{"chat1/chat"}, nt.At(12, 0, 20),
		},
		{
			"a later item's retry time does not count: it is no head",
			[]supportv1.Notification{nt.Item("c1", "crm"), nt.Retrying("c2", "crm", 1, nt.At(12, 0, 5), "")},
			[]string{"c1/crm"}, time.Time{},
		},
		{"everything failed", []supportv1.Notification{nt.FailedItem("f1", "crm"), nt.FailedItem("f2", "chat")}, []string{}, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := slices.Clone(tt.list)
			due, next := Heads(tt.list, nt.Now)
			if got := nt.Keys(due); !slices.Equal(got, tt.wantDue) {
				t.Errorf("due = %v, want %v", got, tt.wantDue)
			}
			if !next.Equal(tt.wantNext) {
				t.Errorf("next = %v, want %v", next, tt.wantNext)
			}
			if !equality.Semantic.DeepEqual(tt.list, input) {
				t.Errorf("Heads modified its input")
			}
		})
	}
}

// ----------------------------------------------------------------- Decide

func TestDecide(t *testing.T) {
	r500 := webhook.Result{Outcome: webhook.Retry, StatusCode: 500, Message: "HTTP 500 Internal Server Error: database down"}
	tests := []struct {
		name        string
		prior       int32
		res         webhook.Result
		maxAttempts int32
		rnd         float64
		want        Record // ID, Target and Event are filled in
	}{
		{"delivered", 0, webhook.Result{Outcome: webhook.Delivered, StatusCode: 204}, 0, 0, Record{Attempts: 1, Delivered: true}},
		{"delivered on the last allowed attempt", 2, webhook.Result{Outcome: webhook.Delivered, StatusCode: 200}, 3, 0, Record{Attempts: 3, Delivered: true}},
		{"410 Gone fails at once", 0, webhook.Result{Outcome: webhook.Gone, StatusCode: 410, Message: "HTTP 410 Gone: receiver is gone"}, 20, 0,
			Record{Attempts: 1, Failed: true, LastError: "HTTP 410 Gone: receiver is gone"}},
		// now + Backoff.Delay(attempts, rnd), rounded up to the next whole second
		{"first failure waits Base/2", 0, r500, 0, 0, Record{Attempts: 1, NextAttemptAt: nt.At(12, 0, 6), LastError: r500.Message}},
		{"second failure waits Base", 1, r500, 0, 0, Record{Attempts: 2, NextAttemptAt: nt.At(12, 0, 11), LastError: r500.Message}},
		{"third failure doubles", 2, r500, 0, 0, Record{Attempts: 3, NextAttemptAt: nt.At(12, 0, 21), LastError: r500.Message}},
		{"eighth failure is capped at Max/2", 7, r500, 0, 0, Record{Attempts: 8, NextAttemptAt: nt.At(12, 2, 31), LastError: r500.Message}},
		{"jitter 0.999 waits nearly Base", 0, r500, 0, 0.999, Record{Attempts: 1, NextAttemptAt: nt.At(12, 0, 11), LastError: r500.Message}},
		{"Retry-After longer than the backoff wins", 0, webhook.Result{Outcome: webhook.Retry, StatusCode: 429, RetryAfter: 120 * time.Second, Message: "HTTP 429"}, 0, 0,
			Record{Attempts: 1, NextAttemptAt: nt.At(12, 2, 1), LastError: "HTTP 429"}},
		{"Retry-After shorter than the backoff keeps the backoff", 0, webhook.Result{Outcome: webhook.Retry, StatusCode: 429, RetryAfter: time.Second, Message: "HTTP 429"}, 0, 0,
			Record{Attempts: 1, NextAttemptAt: nt.At(12, 0, 6), LastError: "HTTP 429"}},
		{"one attempt allowed", 0, r500, 1, 0, Record{Attempts: 1, Failed: true, LastError: "gave up after 1 attempts: " + r500.Message}},
		{"last of three attempts", 2, r500, 3, 0, Record{Attempts: 3, Failed: true, LastError: "gave up after 3 attempts: " + r500.Message}},
		{"second of three attempts is retried", 1, r500, 3, 0, Record{Attempts: 2, NextAttemptAt: nt.At(12, 0, 11), LastError: r500.Message}},
		{"default of 20 when unset: 20th attempt gives up", DefaultMaxAttempts - 1, r500, 0, 0,
			Record{Attempts: DefaultMaxAttempts, Failed: true, LastError: fmt.Sprintf("gave up after %d attempts: %s", DefaultMaxAttempts, r500.Message)}},
		{"default of 20 when unset: 19th attempt is retried", DefaultMaxAttempts - 2, r500, 0, 0,
			Record{Attempts: DefaultMaxAttempts - 1, NextAttemptAt: nt.At(12, 2, 31), LastError: r500.Message}},
		{"negative maxAttempts takes the default", 0, r500, -1, 0, Record{Attempts: 1, NextAttemptAt: nt.At(12, 0, 6), LastError: r500.Message}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			item := nt.Item("e1", "crm")
			item.Attempts = tt.prior
			want := tt.want
			want.ID, want.Target, want.Event = "e1", "crm", supportv1.EventBreached
			if got := Decide(item, tt.res, tt.maxAttempts, ntBackoff, nt.Now, tt.rnd); got != want {
				t.Errorf("Decide() =\n  %+v\nwant\n  %+v", got, want)
			}
		})
	}
}

func TestUndeliverableKeepsTheAttemptCount(t *testing.T) {
	item := nt.Retrying("e1", "crm", 2, nt.At(12, 0, 30), "HTTP 500")
	want := Record{ID: "e1", Target: "crm", Event: supportv1.EventBreached, Attempts: 2, Failed: true, LastError: "destination crm is gone"}
	if got := Undeliverable(item, "destination crm is gone"); got != want {
		t.Errorf("Undeliverable() = %+v, want %+v", got, want)
	}
}

// ------------------------------------------------------------------ Apply

func TestApply(t *testing.T) {
	// base: crm's head e1 failed once; e1 to chat and e2 to crm are fresh.
	base := func() []supportv1.Notification {
		return []supportv1.Notification{
			nt.Retrying("e1", "crm", 1, nt.At(12, 0, 6), "HTTP 500"),
			nt.Item("e1", "chat"),
			nt.Item("e2", "crm"),
		}
	}
	rec := func(id, target string, attempts int32) Record {
		return Record{ID: id, Target: target, Event: supportv1.EventBreached, Attempts: attempts}
	}
	delivered := func(id, target string, attempts int32) Record {
		r := rec(id, target, attempts)
		r.Delivered = true
		return r
	}
	retry := func(id, target string, attempts int32, next time.Time, msg string) Record {
		r := rec(id, target, attempts)
		r.NextAttemptAt, r.LastError = next, msg
		return r
	}
	failed := func(id, target string, attempts int32, msg string) Record {
		r := rec(id, target, attempts)
		r.Failed, r.LastError = true, msg
		return r
	}
	asFailed := func(n supportv1.Notification, attempts int32, msg string) supportv1.Notification {
		n.Attempts, n.Failed, n.LastError, n.NextAttemptAt = attempts, true, msg, nil
		return n
	}
	manyFailed := func() []supportv1.Notification {
		var list []supportv1.Notification
		for i := range MaxFailedKept {
			list = append(list, nt.FailedItem(fmt.Sprintf("old%02d", i), "crm"))
		}
		return append(list, nt.Item("new", "crm"))
	}

	tests := []struct {
		name        string
		list        []supportv1.Notification
		outcomes    []Record
		want        []supportv1.Notification
		wantApplied []int // indexes into outcomes
	}{
		{
			"delivered removes the notification",
			base(), []Record{delivered("e1", "crm", 2)},
			[]supportv1.Notification{nt.Item("e1", "chat"), nt.Item("e2", "crm")}, []int{0},
		},
		{
			"retry sets attempts, nextAttemptAt and lastError",
			base(), []Record{retry("e1", "crm", 2, nt.At(12, 0, 11), "HTTP 503")},
			[]supportv1.Notification{nt.Retrying("e1", "crm", 2, nt.At(12, 0, 11), "HTTP 503"), nt.Item("e1", "chat"), nt.Item("e2", "crm")}, []int{0},
		},
		{
			"merged by id and target: e1 to chat leaves, e1 to crm stays",
			base(), []Record{delivered("e1", "chat", 1)},
			[]supportv1.Notification{nt.Retrying("e1", "crm", 1, nt.At(12, 0, 6), "HTTP 500"), nt.Item("e2", "crm")}, []int{0},
		},
		{
			"the same record twice in one batch takes effect once",
			base(), []Record{retry("e1", "crm", 2, nt.At(12, 0, 11), "HTTP 503"), retry("e1", "crm", 2, nt.At(12, 0, 11), "HTTP 503")},
			[]supportv1.Notification{nt.Retrying("e1", "crm", 2, nt.At(12, 0, 11), "HTTP 503"), nt.Item("e1", "chat"), nt.Item("e2", "crm")}, []int{0},
		},
		{
			"stale: a retry with no more attempts than the ledger is skipped",
			base(), []Record{retry("e1", "crm", 1, nt.At(12, 0, 59), "late")},
			base(), nil,
		},
		{
			"stale: a delivery with fewer attempts than the ledger is skipped",
			base(), []Record{delivered("e1", "crm", 0)},
			base(), nil,
		},
		{
			"an id no longer in the ledger is skipped",
			base(), []Record{delivered("e9", "crm", 1), failed("e2", "chat", 1, "no such pair")},
			base(), nil,
		},
		{
			"an outcome for a notification already given up is skipped",
			[]supportv1.Notification{nt.FailedItem("f1", "crm")}, []Record{delivered("f1", "crm", 4)},
			[]supportv1.Notification{nt.FailedItem("f1", "crm")}, nil,
		},
		{
			"Undeliverable applies with the same attempt count",
			base(), []Record{Undeliverable(base()[0], "destination crm is no longer in policy standard")},
			[]supportv1.Notification{asFailed(base()[0], 1, "destination crm is no longer in policy standard"), nt.Item("e1", "chat"), nt.Item("e2", "crm")}, []int{0},
		},
		{
			"giving up clears nextAttemptAt",
			base(), []Record{failed("e1", "crm", 2, "gave up after 2 attempts: HTTP 500")},
			[]supportv1.Notification{asFailed(base()[0], 2, "gave up after 2 attempts: HTTP 500"), nt.Item("e1", "chat"), nt.Item("e2", "crm")}, []int{0},
		},
		{
			"several outcomes in one batch, stale ones left out",
			base(), []Record{delivered("e1", "chat", 1), retry("e1", "crm", 1, nt.At(12, 0, 59), "stale"), retry("e2", "crm", 1, nt.At(12, 0, 6), "HTTP 502")},
			[]supportv1.Notification{nt.Retrying("e1", "crm", 1, nt.At(12, 0, 6), "HTTP 500"), nt.Retrying("e2", "crm", 1, nt.At(12, 0, 6), "HTTP 502")}, []int{0, 2},
		},
		{
			"failed notifications are trimmed to the newest MaxFailedKept",
			manyFailed(), []Record{failed("new", "crm", 1, "HTTP 410 Gone")},
			append(manyFailed()[1:MaxFailedKept], asFailed(nt.Item("new", "crm"), 1, "HTTP 410 Gone")), []int{0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := slices.Clone(tt.list)
			got, applied := Apply(tt.list, tt.outcomes)

			if !equality.Semantic.DeepEqual(got, tt.want) {
				t.Errorf("ledger =\n  %+v\nwant\n  %+v", got, tt.want)
			}
			var wantApplied []Record
			for _, i := range tt.wantApplied {
				wantApplied = append(wantApplied, tt.outcomes[i])
			}
			if !slices.Equal(applied, wantApplied) {
				t.Errorf("applied = %+v, want %+v", applied, wantApplied)
			}
			if !equality.Semantic.DeepEqual(tt.list, input) {
				t.Errorf("Apply modified its input ledger:\n  %+v\nwas\n  %+v", tt.list, input)
			}

			// A write conflict makes the recorder read the object again
			// and apply the same outcomes once more: nothing changes.
			again, reapplied := Apply(got, tt.outcomes)
			if !equality.Semantic.DeepEqual(again, got) || len(reapplied) != 0 {
				t.Errorf("applying the same outcomes again changed the ledger to %+v (applied %+v)", again, reapplied)
			}
		})
	}
}

// ------------------------------------------------------------- TrimFailed

func TestTrimFailed(t *testing.T) {
	// build makes a ledger from a pattern: 'f' failed, 'p' pending.
	build := func(pattern string) []supportv1.Notification {
		var list []supportv1.Notification
		for i, c := range pattern {
			id := fmt.Sprintf("%c%02d", c, i)
			if c == 'f' {
				list = append(list, nt.FailedItem(id, "crm"))
			} else {
				list = append(list, nt.Item(id, "crm"))
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
		{"only pending, many", strings.Repeat("p", MaxFailedKept+5), nil},
		{"exactly the bound", strings.Repeat("f", MaxFailedKept) + "p", nil},
		{"one over the bound drops the oldest failed", strings.Repeat("f", MaxFailedKept+1), []int{0}},
		{"interleaved: oldest failed dropped, pending kept in order", "pfpf" + strings.Repeat("f", MaxFailedKept) + "p", []int{1, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list := build(tt.pattern)
			input := slices.Clone(list)
			got := TrimFailed(list)

			var want []string
			for i, n := range list {
				if !slices.Contains(tt.wantDropped, i) {
					want = append(want, n.ID)
				}
			}
			if !slices.Equal(nt.IDs(got), want) {
				t.Errorf("TrimFailed(%s) = %v, want %v", tt.pattern, nt.IDs(got), want)
			}
			failed := len(got) - Pending(got)
			if failed > MaxFailedKept {
				t.Errorf("%d failed kept, want at most %d", failed, MaxFailedKept)
			}
			if Pending(got) != Pending(list) {
				t.Errorf("pending entries were dropped")
			}
			if !slices.Equal(nt.IDs(list), nt.IDs(input)) {
				t.Errorf("input ledger modified")
			}
		})
	}
}

// About tags the notifications of the event just queued, and only those.
func TestAbout(t *testing.T) {
	var seq int64
	at := time.Unix(1_700_000_000, 0)
	list, _ := Enqueue(nil, &seq, "uid-1", supportv1.EventRemedyRequested, "reship asked", at, []string{"queue", "crm"})
	list, _ = Enqueue(list, &seq, "uid-1", supportv1.EventRemedyRequested, "refund asked", at, []string{"crm"})
	About(list, "uid-1", supportv1.EventRemedyRequested, 1, "c-reship")
	About(list, "uid-1", supportv1.EventRemedyRequested, seq, "c-refund")
	var got []string
	for _, n := range list {
		got = append(got, n.Target+"="+n.Remedy)
	}
	if want := []string{"queue=c-reship", "crm=c-reship", "crm=c-refund"}; !slices.Equal(got, want) {
		t.Errorf("remedies = %v, want %v", got, want)
	}
}
