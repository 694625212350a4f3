package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

const (
	levelName  = "lead"
	hookName   = "hook"
	secretName = "hook-signing"
	secretKey  = "hmac"
)

// namespaceWithPolicy creates a namespace, its webhook signing Secret and
// one ServicePolicy: a firstResponse target, a one-level ladder
// {lead, after 0s, notify [hook]} and the signed webhook destination hook
// (Breached and Escalated) on the loopback receiver.
func namespaceWithPolicy(ctx context.Context, c client.Client, ns, secret string, firstResponse time.Duration, url string) error {
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	if err := c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: secretName, Namespace: ns},
		StringData: map[string]string{secretKey: secret}}); err != nil {
		return err
	}
	return c.Create(ctx, &supportv1.ServicePolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "bench", Namespace: ns},
		Spec: supportv1.ServicePolicySpec{
			Targets: supportv1.Targets{FirstResponse: &metav1.Duration{Duration: firstResponse}},
			Escalation: &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{
				{Name: levelName, After: metav1.Duration{}, Notify: []string{hookName}},
			}},
			Notify: []supportv1.NotifyTarget{{
				Name:   hookName,
				Events: []supportv1.EventType{supportv1.EventBreached, supportv1.EventEscalated},
				Webhook: &supportv1.Webhook{URL: url,
					SecretRef: &supportv1.SecretKeyRef{Name: secretName, Key: secretKey}},
			}},
		},
	})
}

// complaintName is the i-th complaint's name of a population.
func complaintName(i int) string { return fmt.Sprintf("c-%05d", i) }

// newComplaint is a complaint as a front desk records it. A non-zero
// reportedAt places its clocks: due = reportedAt + firstResponse.
func newComplaint(ns string, i int, reportedAt time.Time) *supportv1.Complaint {
	c := &supportv1.Complaint{
		ObjectMeta: metav1.ObjectMeta{Name: complaintName(i), Namespace: ns, Labels: map[string]string{"team": "pharmacy"}},
		Spec: supportv1.ComplaintSpec{
			Customer: supportv1.Customer{
				Name: fmt.Sprintf("Customer %d", i), Company: "Acme Ltd", Tier: supportv1.TierStandard,
				Contact: &supportv1.Contact{Email: fmt.Sprintf("customer%d@example.com", i), Phone: "+1 555 0100"},
			},
			Category: supportv1.CategoryMissedDeadline,
			Severity: supportv1.SeverityHigh,
			Channel:  supportv1.Channel("Phone"),
			Summary:  "Insulin promised for Saturday not delivered",
			Description: "The customer ordered insulin on Thursday and was promised delivery on Saturday " +
				"morning. Nothing arrived; nobody called. The customer wants the delivery today and a " +
				"call from the pharmacist.",
			Product:    &supportv1.Product{Name: "Insulin glargine", Specification: "100 U/ml, 5 x 3 ml", Batch: "L2231"},
			RecordedBy: "front-desk/amy",
			Owner:      "agent-bob",
		},
	}
	if !reportedAt.IsZero() {
		t := metav1.NewTime(reportedAt)
		c.Spec.ReportedAt = &t
	}
	return c
}

// createResult is what a creation burst did.
type createResult struct {
	first, last time.Time   // first request sent, last create returned
	created     []time.Time // per index: when its create returned (zero: failed)
	failed      int
}

// createComplaints creates the count complaints build makes with workers
// goroutines, as fast as the API server takes them.
func createComplaints(ctx context.Context, c client.Client, count, workers int, build func(i int) *supportv1.Complaint) createResult {
	res := createResult{created: make([]time.Time, count)}
	var next atomic.Int64
	var failed atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	res.first = time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= count || ctx.Err() != nil {
					return
				}
				obj := build(i)
				var err error
				for attempt := 0; attempt < 3; attempt++ {
					if err = c.Create(ctx, obj); err == nil || apierrors.IsAlreadyExists(err) || ctx.Err() != nil {
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
				if err != nil {
					if failed.Add(1) <= 3 {
						logf("create %s/%s: %v", obj.Namespace, obj.Name, err)
					}
					continue
				}
				now := time.Now()
				mu.Lock()
				res.created[i] = now
				if now.After(res.last) {
					res.last = now
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.failed = int(failed.Load())
	return res
}

// seenTimes records the first time each key was seen in some state.
type seenTimes struct {
	mu    sync.Mutex
	at    map[string]time.Time
	count atomic.Int64
}

func newSeenTimes() *seenTimes { return &seenTimes{at: map[string]time.Time{}} }

func (s *seenTimes) mark(key string, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.at[key]; !ok {
		s.at[key] = t
		s.count.Add(1)
	}
}

func (s *seenTimes) get(key string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.at[key]
}

// watcher is an informer cache of the harness, distinct from the manager's.
type watcher struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func (w *watcher) stop() {
	if w == nil {
		return
	}
	w.cancel()
	<-w.done
}

func stripManagedFields(obj any) (any, error) {
	if o, ok := obj.(metav1.Object); ok {
		o.SetManagedFields(nil)
	}
	return obj, nil
}

// startWatcher runs an informer for obj in namespaces (all when empty) and
// calls on for every add and update, on the informer's goroutine.
func startWatcher(ctx context.Context, cl *cluster, scheme *runtime.Scheme, obj client.Object, namespaces []string, on func(obj any)) (*watcher, error) {
	opts := cache.Options{Scheme: scheme, DefaultTransform: stripManagedFields}
	if len(namespaces) > 0 {
		opts.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range namespaces {
			opts.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	cfg := *cl.cfg
	cfg.UserAgent = "bench-watcher"
	ca, err := cache.New(&cfg, opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	inf, err := ca.GetInformer(ctx, obj)
	if err != nil {
		cancel()
		return nil, err
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    on,
		UpdateFunc: func(_, n any) { on(n) },
	}); err != nil {
		cancel()
		return nil, err
	}
	w := &watcher{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		if err := ca.Start(ctx); err != nil {
			logf("watcher: %v", err)
		}
	}()
	syncCtx, syncCancel := context.WithTimeout(ctx, 60*time.Second)
	defer syncCancel()
	if !ca.WaitForCacheSync(syncCtx) {
		w.stop()
		return nil, fmt.Errorf("watcher cache did not sync")
	}
	return w, nil
}

// watchDueTimes records, per namespace/name, when a complaint of namespaces
// was first seen with its first-response due time in status.
func watchDueTimes(ctx context.Context, cl *cluster, scheme *runtime.Scheme, namespaces []string, seen *seenTimes) (*watcher, error) {
	return startWatcher(ctx, cl, scheme, &supportv1.Complaint{}, namespaces, func(obj any) {
		now := time.Now()
		c, ok := obj.(*supportv1.Complaint)
		if !ok || c.Status.Clocks.FirstResponse == nil || c.Status.Clocks.FirstResponse.DueAt == nil {
			return
		}
		seen.mark(c.Namespace+"/"+c.Name, now)
	})
}

// watchEscalations records, per namespace/name, when each Escalation was
// first seen (metadata only).
func watchEscalations(ctx context.Context, cl *cluster, scheme *runtime.Scheme, seen *seenTimes) (*watcher, error) {
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(supportv1.GroupVersion.WithKind("Escalation"))
	return startWatcher(ctx, cl, scheme, meta, nil, func(obj any) {
		now := time.Now()
		if o, ok := obj.(metav1.Object); ok {
			seen.mark(o.GetNamespace()+"/"+o.GetName(), now)
		}
	})
}
