package controllers

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery"
)

// TestNotifierReceiverDownForTenMinutes replays a 10-minute receiver outage on
// simulated time with the default retry policy: every event arrives once the
// receiver is back, in order, within one backoff cap of its recovery, and
// nothing is given up.
func TestNotifierReceiverDownForTenMinutes(t *testing.T) {
	for _, jitter := range []float64{0, 0.5, 0.999} {
		t.Run(fmt.Sprintf("jitter %.3f", jitter), func(t *testing.T) {
			var mu sync.Mutex
			simNow := ntNow
			recovered := ntNow.Add(10 * time.Minute)
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
			n := ntNotifier(ntSecret(ntSecretKey, "s3cret"))
			n.Backoff = delivery.DefaultBackoff
			n.Rand = func() float64 { return jitter }
			notify := []supportv1.NotifyTarget{ntTarget("crm", rcv.URL)} // default maxAttempts
			list := []supportv1.Notification{ntItem("a", "crm"), ntItem("b", "crm"), ntItem("c", "crm")}
			build := ntBuild(ntComplaint())

			for step := 0; pending(list) > 0; step++ {
				if step > 100 {
					t.Fatalf("still pending after %d passes: %+v", step, list)
				}
				mu.Lock()
				now := simNow
				mu.Unlock()
				var out deliveryOutcome
				list, out = n.Deliver(context.Background(), ntNamespace, notify, list, build, now)
				if len(out.Failed) > 0 {
					t.Fatalf("gave up during a 10-minute outage: %+v", out.Failed)
				}
				if pending(list) == 0 {
					break
				}
				if !out.Next.After(now) {
					t.Fatalf("next attempt %s is not after now %s", out.Next, now)
				}
				mu.Lock()
				simNow = out.Next
				mu.Unlock()
			}
			if got := rcv.ids(); len(got) < 3 || !equalTail(got, []string{"a", "b", "c"}) {
				t.Fatalf("receiver got %v, want a, b, c last and in order", got)
			}
			if len(deliveredAt) != 3 {
				t.Fatalf("delivered %d times, want 3 (each once)", len(deliveredAt))
			}
			if late := deliveredAt[0].Sub(recovered); late > delivery.DefaultBackoff.Max+time.Second {
				t.Errorf("first delivery %s after recovery, want within %s", late, delivery.DefaultBackoff.Max)
			}
			t.Logf("jitter %.3f: delivered %s after recovery, %d attempts in all", jitter, deliveredAt[0].Sub(recovered), len(rcv.received()))
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
