package delivery

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	nt "github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/internal/deliverytest"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/ledger"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// TestReceiverDownForTenMinutes replays a 10-minute receiver outage on
// simulated time with the default retry policy, driving Heads → attempt →
// Apply on the fake clock: every event arrives once the receiver is back,
// in order, within one backoff cap of its recovery, and nothing is given up.
func TestReceiverDownForTenMinutes(t *testing.T) {
	for _, jitter := range []float64{0, 0.5, 0.999} {
		t.Run(fmt.Sprintf("jitter %.3f", jitter), func(t *testing.T) {
			var mu sync.Mutex
			simNow := nt.Now
			recovered := nt.Now.Add(10 * time.Minute)
			var deliveredAt []time.Time
			rcv := ntNewReceiver(t, "", func(int) (int, http.Header, string) {
				mu.Lock()
				defer mu.Unlock()
				if simNow.Before(recovered) {
					return http.StatusServiceUnavailable, nil, "down for maintenance"
				}
				deliveredAt = append(deliveredAt, simNow)
				return http.StatusNoContent, nil, ""
			})
			list := []supportv1.Notification{nt.Item("a", "crm"), nt.Item("b", "crm"), nt.Item("c", "crm")}
			h := ntNewHarness(t, list, ntSecret(ntSecretKey, "s3cret"))
			h.r.backoff = webhook.DefaultBackoff
			h.r.rand = func() float64 { return jitter }
			notify := []supportv1.NotifyTarget{ntTarget("crm", rcv.URL)} // default maxAttempts

			for step := 0; ledger.Pending(list) > 0; step++ {
				if step > 100 {
					t.Fatalf("still pending after %d passes: %+v", step, list)
				}
				mu.Lock()
				now := simNow
				mu.Unlock()
				h.clock.SetTime(now)
				_, next := h.drain(notify) // Heads → attempt → Apply while a head is due
				list = h.ledger()
				if failed := len(list) - ledger.Pending(list); failed > 0 {
					t.Fatalf("gave up during a 10-minute outage: %+v", list)
				}
				if ledger.Pending(list) == 0 {
					break
				}
				if !next.After(now) {
					t.Fatalf("next attempt %s is not after now %s", next, now)
				}
				mu.Lock()
				simNow = next
				mu.Unlock()
			}
			got := rcv.ids()
			if len(got) < 3 || !equalTail(got, []string{"a", "b", "c"}) {
				t.Fatalf("receiver got %v, want a, b, c last and in order", got)
			}
			for _, id := range got[:len(got)-3] {
				if id != "a" {
					t.Fatalf("receiver got %v: only the head a may be tried during the outage", got)
				}
			}
			if len(deliveredAt) != 3 {
				t.Fatalf("delivered %d times, want 3 (each once)", len(deliveredAt))
			}
			if late := deliveredAt[0].Sub(recovered); late < 0 || late > webhook.DefaultBackoff.Max+time.Second {
				t.Errorf("first delivery %s after recovery, want within %s", late, webhook.DefaultBackoff.Max)
			}
			t.Logf("jitter %.3f: delivered %s after recovery, %d attempts in all", jitter, deliveredAt[0].Sub(recovered), len(got))
		})
	}
}

func equalTail(got, want []string) bool {
	tail := got[len(got)-len(want):]
	for i := range want {
		if tail[i] != want[i] {
			return false
		}
	}
	return true
}
