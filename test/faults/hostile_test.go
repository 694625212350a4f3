//go:build faults

package faults

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1t "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers"
	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

func newComplaint(ns, shard string, i int) *supportv1.Complaint {
	return &supportv1.Complaint{
		ObjectMeta: metav1t.ObjectMeta{Name: complaintName(i), Namespace: ns, Labels: map[string]string{controllers.ShardLabel: shard}},
		Spec: supportv1.ComplaintSpec{Customer: supportv1.Customer{Name: "Customer " + strconv.Itoa(i)},
			Category: supportv1.CategoryOther, Summary: "fault suite complaint " + strconv.Itoa(i)},
	}
}

var _ = Describe("Hostile webhook receivers", Label("receivers"), func() {
	It("are retried or failed as documented, read up to a cap, and cost the other destinations nothing", func() {
		const ns, quiet, shard = "faults-rcv", "faults-rcv-quiet", "receivers"
		must(namespaceWithSecret(ns))
		must(namespaceWithSecret(quiet))
		var garbageWritten atomic.Int64
		const garbageSize = 64 << 20
		closed, err := testenv.FreePort()
		must(err)
		type bad struct {
			name        string
			maxAttempts int32
			delivered   bool // expected outcome
			raw         bool
			b           behaviour
		}
		bads := []bad{
			{name: "slow", delivered: true, b: func(w http.ResponseWriter, r *http.Request, _ int) int {
				time.Sleep(3 * time.Second) // under the default 10s timeout
				w.WriteHeader(http.StatusNoContent)
				return http.StatusNoContent
			}},
			{name: "e500", maxAttempts: 2, b: func(w http.ResponseWriter, r *http.Request, _ int) int {
				http.Error(w, "internal error: database on fire "+string(make([]byte, 2000)), http.StatusInternalServerError)
				return http.StatusInternalServerError
			}},
			{name: "e503-once", delivered: true, b: func(w http.ResponseWriter, r *http.Request, attempt int) int {
				if attempt == 1 {
					w.Header().Set("Retry-After", "1")
					w.WriteHeader(http.StatusServiceUnavailable)
					return http.StatusServiceUnavailable
				}
				w.WriteHeader(http.StatusOK)
				return http.StatusOK
			}},
			{name: "refused", maxAttempts: 2}, // a port nobody listens on
			{name: "reset", maxAttempts: 2, raw: true, b: func(w http.ResponseWriter, r *http.Request, _ int) int {
				_, _ = io.ReadFull(r.Body, make([]byte, 64)) // part of the body, then RST
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					if tc, ok := conn.(*net.TCPConn); ok {
						_ = tc.SetLinger(0)
					}
					_ = conn.Close()
				}
				return 0
			}},
			{name: "redirect", maxAttempts: 2, b: func(w http.ResponseWriter, r *http.Request, _ int) int {
				http.Redirect(w, r, "/redirected", http.StatusTemporaryRedirect)
				return http.StatusTemporaryRedirect
			}},
			{name: "garbage", delivered: true, b: func(w http.ResponseWriter, r *http.Request, _ int) int {
				w.Header().Set("Content-Type", "application/octet-stream")
				w.WriteHeader(http.StatusOK)
				buf := make([]byte, 32<<10)
				_, _ = rand.Read(buf)
				for written := 0; written < garbageSize; written += len(buf) {
					if _, err := w.Write(buf); err != nil {
						break
					}
					garbageWritten.Add(int64(len(buf)))
				}
				return http.StatusOK
			}},
		}
		secret := &supportv1.SecretKeyRef{Name: "hook", Key: "hmac"}
		notify := []supportv1.NotifyTarget{{Name: "good", Events: []supportv1.EventType{supportv1.EventCreated, supportv1.EventAcknowledged},
			Webhook: &supportv1.Webhook{URL: rcv.url(destName(ns, "good")), SecretRef: secret}}}
		for _, b := range bads {
			url := rcv.url(destName(ns, b.name))
			if b.name == "refused" {
				url = "http://" + closed + "/d/refused"
			} else {
				rcv.setBehaviour(destName(ns, b.name), b.raw, b.b)
			}
			notify = append(notify, supportv1.NotifyTarget{Name: b.name, Events: []supportv1.EventType{supportv1.EventCreated},
				Webhook: &supportv1.Webhook{URL: url, SecretRef: secret, MaxAttempts: b.maxAttempts}})
		}
		policy := func(ns string, notify []supportv1.NotifyTarget) *supportv1.ServicePolicy {
			return &supportv1.ServicePolicy{ObjectMeta: metav1t.ObjectMeta{Name: "p", Namespace: ns},
				Spec: supportv1.ServicePolicySpec{Targets: supportv1.Targets{FirstResponse: dur(time.Hour)}, Notify: notify}}
		}
		must(k8s.Create(ctx, policy(ns, notify)))
		must(k8s.Create(ctx, policy(quiet, []supportv1.NotifyTarget{{Name: "good", Events: []supportv1.EventType{supportv1.EventCreated, supportv1.EventAcknowledged},
			Webhook: &supportv1.Webhook{URL: rcv.url(destName(quiet, "good")), SecretRef: secret}}})))
		startManagers(shard, 1)

		By("creating 3 complaints facing the hostile receivers, then 30 elsewhere, one every 500ms, acknowledging each")
		created := map[string]time.Time{} // ns/name -> when the create returned
		var mu sync.Mutex
		create := func(ns string, i int) {
			c := newComplaint(ns, shard, i)
			Expect(k8s.Create(ctx, c)).To(Succeed())
			mu.Lock()
			created[ns+"/"+c.Name] = time.Now()
			mu.Unlock()
			Expect(k8s.Patch(ctx, c, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"acknowledgement":{"by":"agent-bob"}}}`)))).To(Succeed())
		}
		for i := range 3 {
			create(ns, i)
		}
		for i := range 30 {
			time.Sleep(500 * time.Millisecond)
			create(quiet, i)
		}

		By("waiting until every delivery is delivered or given up")
		Expect(settled(ns, 3*time.Minute)).To(Succeed())
		Expect(settled(quiet, time.Minute)).To(Succeed())

		var cl supportv1.ComplaintList
		must(k8s.List(ctx, &cl, client.InNamespace(ns)))
		failedBy := map[string]int{}
		for _, c := range cl.Items {
			for _, n := range c.Status.Notifications {
				if n.Failed {
					failedBy[n.Target]++
					Expect(n.Attempts).To(BeNumerically("==", 2), "%s to %s", n.Event, n.Target)
					Expect(len(n.LastError)).To(BeNumerically("<=", 300), "receiver text kept in status is short: %q", n.LastError)
				}
			}
			cond := apimeta.FindStatusCondition(c.Status.Conditions, supportv1.ConditionNotificationFailed)
			Expect(cond).NotTo(BeNil())
			Expect(cond.Status).To(Equal(metav1t.ConditionTrue))
		}
		outcome := map[string]any{}
		for _, b := range bads {
			got := rcv.snapshot(destName(ns, b.name))
			attempts := 0
			for _, h := range got {
				attempts += h.Attempts
			}
			outcome[b.name] = fmt.Sprintf("ids %d, requests %d, failed %d", len(got), attempts, failedBy[b.name])
			if b.delivered {
				Expect(failedBy[b.name]).To(BeZero(), b.name)
				Expect(got).To(HaveLen(3), b.name)
				for id, h := range got {
					Expect(h.Delivered).To(BeNumerically(">=", 1), "%s %s", b.name, id)
				}
			} else {
				Expect(failedBy[b.name]).To(Equal(3), "%s: every Created given up after maxAttempts", b.name)
			}
		}
		// 503 with Retry-After: 1 is retried no sooner than a second later.
		var gaps []string
		for id, h := range rcv.snapshot(destName(ns, "e503-once")) {
			Expect(h.Attempt).To(HaveLen(2), id)
			gap := h.Attempt[1].Sub(h.Attempt[0])
			gaps = append(gaps, gap.Round(10*time.Millisecond).String())
			Expect(gap).To(BeNumerically(">=", 900*time.Millisecond), id)
		}
		outcome["e503-once retried after"] = gaps
		Expect(rcv.otherHits("/redirected")).To(BeZero(), "redirects are not followed")
		// The sender reads a capped part of a body (64 KiB): the rest of the
		// 64 MiB is never read, and the receiver's writes stop once the
		// kernel's socket buffers are full.
		Expect(garbageWritten.Load()).To(BeNumerically("<", 3*(24<<20)), "garbage bytes the receiver could write")

		By("checking that the other destinations got their events on time")
		var lat []time.Duration
		for _, d := range []string{destName(ns, "good"), destName(quiet, "good")} {
			for _, h := range rcv.snapshot(d) {
				if h.Event != string(supportv1.EventCreated) {
					continue
				}
				Expect(h.Attempts).To(Equal(1))
				lat = append(lat, h.First.Sub(created[h.Complaint]))
			}
		}
		Expect(lat).To(HaveLen(33))
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		raw, _ := json.Marshal(map[string]any{"outcomes": outcome, "garbageBytesWritten": garbageWritten.Load(),
			"goodCreatedLatencyP50": lat[len(lat)/2].String(), "goodCreatedLatencyMax": lat[len(lat)-1].String()})
		GinkgoWriter.Printf("receivers: %s\n", raw)
		AddReportEntry("receivers", string(raw))
		Expect(lat[len(lat)-1]).To(BeNumerically("<", 5*time.Second), "a good destination waited on a bad one")
	})
})

var _ = Describe("Conflicting writers", Label("writers"), func() {
	It("lose no update, fight over no field, and churn nothing", func() {
		n := envInt("FAULTS_WRITERS_COMPLAINTS", 20)
		const ns, shard = "faults-writers", "writers"
		must(namespaceWithSecret(ns))
		apply := func() error {
			body := fmt.Sprintf(`{"apiVersion":"support.servicedesk.dev/v1alpha1","kind":"ServicePolicy","metadata":{"name":"gitops","namespace":%q},
"spec":{"targets":{"firstResponse":"1h","update":"30m","resolution":"4h"},"pauseWhile":["Customer"],
"notify":[{"name":"crm","events":["Created","Acknowledged","Resolved"],"webhook":{"url":%q,"secretRef":{"name":"hook","key":"hmac"}}}]}}`,
				ns, rcv.url(destName(ns, "crm")))
			p := &supportv1.ServicePolicy{ObjectMeta: metav1t.ObjectMeta{Name: "gitops", Namespace: ns}}
			// No force: a field the operator had taken would be a conflict.
			return k8s.Patch(ctx, p, client.RawPatch(types.ApplyPatchType, []byte(body)), client.FieldOwner("gitops"))
		}
		Expect(apply()).To(Succeed())
		startManagers(shard, 1)
		for i := range n {
			c := newComplaint(ns, shard, i)
			Expect(k8s.Create(ctx, c)).To(Succeed())
		}
		policy := &supportv1.ServicePolicy{}
		Eventually(func() bool {
			_ = k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gitops"}, policy)
			return policy.Status.ObservedGeneration == policy.Generation
		}).Should(BeTrue())
		Expect(settled(ns, time.Minute)).To(Succeed())
		time.Sleep(3 * time.Second)
		must(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gitops"}, policy))
		gen, rv := policy.Generation, policy.ResourceVersion

		By("a person patching every complaint's spec while the operator writes status, GitOps re-applying every 2s")
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var applyErrs, applies atomic.Int64
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				case <-time.After(2 * time.Second):
				}
				applies.Add(1)
				if err := apply(); err != nil {
					applyErrs.Add(1)
					GinkgoWriter.Printf("apply: %v\n", err)
				}
			}
		}()
		last := make([]int, n)
		var conflicts atomic.Int64
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer GinkgoRecover()
				name := complaintName(i)
				for k := 1; k <= 15; k++ {
					// Half the patches are kubectl-style merge patches, half
					// read-modify-write updates (optimistic lock, retried on conflict).
					patch := func() error {
						if k%2 == 0 {
							c := &supportv1.Complaint{}
							if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, c); err != nil {
								return err
							}
							c.Spec.LastUpdate = &supportv1.ProgressUpdate{Note: "note " + strconv.Itoa(k), By: "agent-bob"}
							c.Spec.Owner = "agent-" + strconv.Itoa(k)
							return k8s.Update(ctx, c, client.FieldOwner("person"))
						}
						return k8s.Patch(ctx, &supportv1.Complaint{ObjectMeta: metav1t.ObjectMeta{Name: name, Namespace: ns}},
							client.RawPatch(types.MergePatchType, []byte(fmt.Sprintf(`{"spec":{"owner":"agent-%d","lastUpdate":{"note":"note %d","by":"agent-bob"}}}`, k, k))),
							client.FieldOwner("person"))
					}
					for {
						err := patch()
						if err == nil {
							break
						}
						Expect(apierrors.IsConflict(err)).To(BeTrue(), "%v", err)
						conflicts.Add(1)
					}
					last[i] = k
					time.Sleep(time.Duration(200+i%5*50) * time.Millisecond)
				}
			}()
		}
		time.Sleep(10 * time.Second)
		close(stop)
		wg.Wait()
		Expect(applyErrs.Load()).To(BeZero(), "server-side apply without force met a conflict: the operator owns a spec field")

		By("checking that every spec write survived and the operator caught up with each")
		Eventually(func(g Gomega) {
			for i := range n {
				c := &supportv1.Complaint{}
				g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: complaintName(i)}, c)).To(Succeed())
				g.Expect(c.Spec.LastUpdate).NotTo(BeNil())
				g.Expect(c.Spec.LastUpdate.Note).To(Equal("note " + strconv.Itoa(last[i])))
				g.Expect(c.Spec.Owner).To(Equal("agent-" + strconv.Itoa(last[i])))
				g.Expect(c.Status.ObservedGeneration).To(Equal(c.Generation))
				g.Expect(c.Status.LastUpdateAt).NotTo(BeNil())
			}
		}).Should(Succeed())
		Expect(settled(ns, time.Minute)).To(Succeed())

		By("counting resourceVersion changes over 15s with nothing changing")
		var rvs map[string]string
		snapshot := func() map[string]string {
			out := map[string]string{}
			var cl supportv1.ComplaintList
			must(k8s.List(ctx, &cl, client.InNamespace(ns)))
			for _, c := range cl.Items {
				out[c.Name] = c.ResourceVersion
			}
			p := &supportv1.ServicePolicy{}
			must(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gitops"}, p))
			out["policy"] = p.ResourceVersion
			return out
		}
		time.Sleep(2 * time.Second)
		rvs = snapshot()
		for range 5 {
			time.Sleep(3 * time.Second)
			Expect(apply()).To(Succeed())
		}
		changed := 0
		for k, v := range snapshot() {
			if rvs[k] != v {
				changed++
				GinkgoWriter.Printf("%s changed its resourceVersion with nothing changing\n", k)
			}
		}
		must(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gitops"}, policy))
		raw, _ := json.Marshal(map[string]any{"complaints": n, "personWrites": n * 15, "personConflictsRetried": conflicts.Load(),
			"applies": applies.Load() + 5, "policyGenerationBefore": gen, "policyGenerationAfter": policy.Generation,
			"policyRVBefore": rv, "policyRVAfter": policy.ResourceVersion, "objectsChangedWhileIdle": changed})
		GinkgoWriter.Printf("writers: %s\n", raw)
		AddReportEntry("writers", string(raw))
		Expect(policy.Generation).To(Equal(gen))
		Expect(policy.ResourceVersion).To(Equal(rv), "re-applying the same policy changed it")
		Expect(changed).To(BeZero())
		for _, c := range listComplaints(ns) {
			for _, m := range c.ManagedFields {
				if m.Subresource == "" && m.Manager != "person" && m.Manager != "faults.test" {
					Fail(fmt.Sprintf("%s: spec written by %q", c.Name, m.Manager))
				}
			}
		}
	})
})

func listComplaints(ns string) []supportv1.Complaint {
	var cl supportv1.ComplaintList
	must(k8s.List(ctx, &cl, client.InNamespace(ns)))
	return cl.Items
}
