//go:build faults

package faults

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// Remedies in a workload (withRemedies): half the happy and half the
// timeout complaints get a resolution with two actions, for two
// departments. Once approved, the operator creates one Remedy per action;
// each department (its own API user, allowed only to read and report
// remedies, watching the remedies labelled with its name, as a
// department's operator does) reports Done as they appear:
//
//	warehouse: fulfilWithin 4s; half its remedies reported at once, half
//	           late (1-4s after the due time), so some go overdue, and the
//	           manager is SIGKILLed across some due times and reports;
//	billing:   fulfilWithin 2m, reported within 2s: never overdue.
//
// A department reports either clearly in time (at least 1.5s before the
// due time) or clearly late (at least 1s after it), never within a second
// of it: a clock judged to the second cannot tell those apart.
type department struct {
	name         string
	action       supportv1.RemedyAction
	fulfilWithin time.Duration
	lateShare    float64 // share of remedies reported after the due time
}

var departments = []department{
	{name: "warehouse", action: supportv1.RemedyAction{Name: "reship", Department: "warehouse", Kind: supportv1.RemedyReship, Detail: "right item, overnight"},
		fulfilWithin: 4 * time.Second, lateShare: 0.5},
	{name: "billing", action: supportv1.RemedyAction{Name: "refund", Department: "billing", Kind: supportv1.RemedyRefund, Detail: "delivery fee"},
		fulfilWithin: 2 * time.Minute},
}

// remedyEvents are the remedy events: the workload's first destination
// lists them in its events; the second gets them as the departments'
// notify destination.
var remedyEvents = []supportv1.EventType{supportv1.EventRemedyRequested, supportv1.EventRemedyDone, supportv1.EventRemedyFailed}

// remedyDest is the departments' notify destination.
const remedyDest = "chat"

// hasActions says which complaints of a workload with remedies get actions.
func (w *workload) hasActions(i int) bool {
	class := i % classes
	return w.remedies != nil && (class == 0 || class == 3) && (i/classes)%2 == 0
}

// resolutionActionsJSON is the actions of a remedied resolution, as the merge patch's JSON.
func resolutionActionsJSON() string {
	var parts []string
	for _, d := range departments {
		a := d.action
		parts = append(parts, fmt.Sprintf(`{"name":%q,"department":%q,"kind":%q,"detail":%q}`, a.Name, a.Department, a.Kind, a.Detail))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// withDepartments adds the departments to a workload policy, and the
// remedy events to the first destination's events.
func withDepartments(p *supportv1.ServicePolicy) {
	for _, d := range departments {
		p.Spec.Recovery.Departments = append(p.Spec.Recovery.Departments,
			supportv1.Department{Name: d.name, FulfilWithin: dur(d.fulfilWithin), Notify: []string{remedyDest}})
	}
	p.Spec.Notify = append([]supportv1.NotifyTarget(nil), p.Spec.Notify...) // the policies share the list
	for i := range p.Spec.Notify {
		if p.Spec.Notify[i].Name != remedyDest {
			p.Spec.Notify[i].Events = append(append([]supportv1.EventType(nil), p.Spec.Notify[i].Events...), remedyEvents...)
		}
	}
}

// remedyLog is what the workload saw of its remedies: every UID a watch
// saw under each name (a Remedy deleted and created again shows a second
// one), deletions, and the departments' reports.
type remedyLog struct {
	mu      sync.Mutex
	uids    map[string][]types.UID // name -> UIDs, in the order first seen
	deleted map[string]int
	adds    int
	// created: when the watch first saw each remedy; asked: when it first
	// saw each complaint's status.remediesRequestedAt.
	created, asked map[string]time.Time
	// appearedAfter: how long after spec.requestedAt a department first saw the remedy.
	appearedAfter map[string]time.Duration
	reports       map[string]*remedyReport // name -> the department's report
	scheduled     map[types.UID]bool
	errs          []string
}

// remedyReport is a department's report as the department sent it.
type remedyReport struct {
	UID        types.UID
	Late       bool      // meant to be after the due time
	Sent, Done time.Time // the successful request's start and answer
	Attempts   int
}

func newRemedyLog() *remedyLog {
	return &remedyLog{uids: map[string][]types.UID{}, deleted: map[string]int{}, created: map[string]time.Time{}, asked: map[string]time.Time{}, appearedAfter: map[string]time.Duration{},
		reports: map[string]*remedyReport{}, scheduled: map[types.UID]bool{}}
}

func (l *remedyLog) fail(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, fmt.Sprintf(format, args...))
}

// watchRemedies records every Remedy of the workload's namespace the
// workload's (admin) cache sees created or deleted.
func (l *remedyLog) watch(c cache.Cache) {
	GinkgoHelper()
	inf, err := c.GetInformer(ctx, &supportv1.Remedy{})
	must(err)
	_, err = inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc: func(o any) {
			r := o.(*supportv1.Remedy)
			l.mu.Lock()
			defer l.mu.Unlock()
			l.adds++
			if _, ok := l.created[r.Name]; !ok {
				l.created[r.Name] = time.Now()
			}
			for _, u := range l.uids[r.Name] {
				if u == r.UID {
					return // a relist
				}
			}
			l.uids[r.Name] = append(l.uids[r.Name], r.UID)
		},
		DeleteFunc: func(o any) {
			if t, ok := o.(toolscache.DeletedFinalStateUnknown); ok {
				o = t.Obj
			}
			if r, ok := o.(*supportv1.Remedy); ok {
				l.mu.Lock()
				l.deleted[r.Name]++
				l.mu.Unlock()
			}
		},
	})
	must(err)
}

// observeComplaint records when a complaint's status first asked its departments.
func (l *remedyLog) observeComplaint(c *supportv1.Complaint) {
	if c.Status.RemediesRequestedAt == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.asked[c.Name]; !ok {
		l.asked[c.Name] = time.Now()
	}
}

// startDepartments starts each department's operator: an API user bound
// in ns to a Role that may only read and report remedies, a cache of the
// remedies labelled with its name, and a report of each as it appears.
func (w *workload) startDepartments() {
	GinkgoHelper()
	for _, d := range departments {
		user := w.ns + "-" + d.name + "-bot"
		role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "remedy-fulfiller-" + d.name, Namespace: w.ns},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{supportv1.GroupVersion.Group}, Resources: []string{"remedies"},
				Verbs: []string{"get", "list", "watch", "patch", "update"}}}}
		must(k8s.Create(ctx, role))
		must(k8s.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: role.Name, Namespace: w.ns},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
			Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}}}))
		u, err := env.AddUser(envtest.User{Name: user}, nil)
		must(err)
		ucfg := u.Config()
		ucfg.QPS, ucfg.Burst = 100, 200
		cl, err := client.New(ucfg, client.Options{Scheme: scheme})
		must(err)
		mine := labels.SelectorFromSet(labels.Set{supportv1.LabelDepartment: d.name})
		c, err := cache.New(ucfg, cache.Options{Scheme: scheme, DefaultNamespaces: map[string]cache.Config{w.ns: {}},
			ByObject: map[client.Object]cache.ByObject{&supportv1.Remedy{}: {Label: mine}}})
		must(err)
		dctx, stop := context.WithCancel(ctx)
		DeferCleanup(stop)
		inf, err := c.GetInformer(ctx, &supportv1.Remedy{})
		must(err)
		seen := func(o any) {
			if r, ok := o.(*supportv1.Remedy); ok {
				w.remedies.schedule(dctx, cl, d, user, r)
			}
		}
		_, err = inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{AddFunc: seen, UpdateFunc: func(_, o any) { seen(o) }})
		must(err)
		go func() { _ = c.Start(dctx) }()
		if !c.WaitForCacheSync(ctx) {
			Fail("department cache did not sync")
		}
	}
}

// schedule plans the department's report of a remedy it has not reported
// yet: at once (in time), or after its due time (late).
func (l *remedyLog) schedule(ctx context.Context, cl client.Client, d department, user string, r *supportv1.Remedy) {
	if r.Spec.Fulfilment != nil || r.Status.Phase == supportv1.RemedyCancelled {
		return
	}
	now := time.Now()
	l.mu.Lock()
	if l.scheduled[r.UID] {
		l.mu.Unlock()
		return
	}
	l.scheduled[r.UID] = true
	if _, ok := l.appearedAfter[r.Name]; !ok {
		l.appearedAfter[r.Name] = now.Sub(r.Spec.RequestedAt.Time)
	}
	l.mu.Unlock()
	due := r.Spec.RequestedAt.Time.Truncate(time.Second).Add(d.fulfilWithin)
	at := now.Add(time.Duration(rand.IntN(1000)) * time.Millisecond)
	late := rand.Float64() < d.lateShare || at.After(due.Add(-1500*time.Millisecond))
	if late {
		at = due.Add(time.Second + time.Duration(rand.IntN(3000))*time.Millisecond)
		if now.After(at) {
			at = now
		}
	}
	name, uid := r.Name, r.UID
	go func() {
		defer GinkgoRecover()
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(at)):
		}
		rep := &remedyReport{UID: uid, Late: late}
		// A JSON merge patch of spec.fulfilment alone, on this remedy (its
		// UID: a remedy created again under the name is not reported by it).
		patch := fmt.Sprintf(`{"metadata":{"uid":%q},"spec":{"fulfilment":{"outcome":"Done","by":%q,"reference":%q,"note":"carried out by the fault suite"}}}`,
			uid, user, strings.ToUpper(d.name[:1])+"-"+name)
		for {
			rep.Attempts++
			rep.Sent = time.Now()
			err := cl.Patch(ctx, &supportv1.Remedy{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: r.Namespace}},
				client.RawPatch(types.MergePatchType, []byte(patch)), client.FieldOwner(user))
			rep.Done = time.Now()
			if err == nil {
				break
			}
			if apierrors.IsNotFound(err) || apierrors.IsConflict(err) || apierrors.IsInvalid(err) || apierrors.IsForbidden(err) {
				// Gone, replaced (another UID), already reported (final) or refused.
				l.fail("%s: the %s department's report was refused: %v", name, d.name, err)
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Duration(200+rand.IntN(300)) * time.Millisecond):
			}
		}
		l.mu.Lock()
		l.reports[name] = rep
		l.mu.Unlock()
	}()
}

// remedyFigures is what the end found of the remedies.
type remedyFigures struct {
	// ReportedLate: reports the departments meant to be late; Overdue:
	// remedies reported at or after their due time (fulfilledAt).
	Complaints, Remedies, Reported, ReportedLate, Overdue, OverdueEscalations int
	// WatchAdds counts the creations (and relists) the watch saw.
	WatchAdds int
	// AppearedAfter{Median,Max}Seconds: how long after it was asked for
	// (spec.requestedAt) its department saw a remedy.
	AppearedAfterMedianSeconds, AppearedAfterMaxSeconds float64
	// AskedAfterMaxSeconds: the longest from a complaint's
	// remediesRequestedAt (the approval) to the watch seeing it in its
	// status; CreatedAfterAskedMaxSeconds: from there to its remedy's
	// creation seen; with the remedies of each.
	AskedAfterMaxSeconds, CreatedAfterAskedMaxSeconds float64
	SlowestAsked, SlowestCreated                      string
	// Events received (distinct ids) of each remedy event, over both destinations.
	Events map[string]int
}

// checkRemedies verifies the remedies of a settled workload: every complaint
// with actions has one Remedy per action, created once (one UID ever seen,
// never deleted), owned by it and asked at its remediesRequestedAt, reported
// Done by its department at the time the API server recorded the report;
// the complaint was resolved at the latest report; exactly one RemedyOverdue
// escalation per remedy reported after its due time and none for one
// reported in time; each destination received each remedy's RemedyRequested
// and RemedyDone, each under one webhook-id, at least once. Complaints
// without actions have no remedy and no remedy event.
func (w *workload) checkRemedies(byName map[string]*supportv1.Complaint, escalations []supportv1.Escalation,
	received map[string]map[string]hit, problem func(string, ...any)) *remedyFigures {
	GinkgoHelper()
	l := w.remedies
	fig := &remedyFigures{Events: map[string]int{}}
	var rl supportv1.RemedyList
	must(k8s.List(ctx, &rl, client.InNamespace(w.ns)))
	remedies := map[string]*supportv1.Remedy{}
	for i := range rl.Items {
		remedies[rl.Items[i].Name] = &rl.Items[i]
	}
	overdueEsc := map[string][]string{} // remedy -> its RemedyOverdue escalations
	escPhase := map[string]supportv1.EscalationPhase{}
	for _, e := range escalations {
		escPhase[e.Name] = e.Status.Phase
		if e.Spec.Reason == supportv1.ReasonRemedyOverdue {
			fig.OverdueEscalations++
			overdueEsc[e.Spec.RemedyName] = append(overdueEsc[e.Spec.RemedyName], e.Name)
			if !strings.HasPrefix(e.Spec.RemedyName, e.Spec.ComplaintName+"-") {
				problem("escalation %s: remedy %s is not of its complaint %s", e.Name, e.Spec.RemedyName, e.Spec.ComplaintName)
			}
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.errs {
		problem("department: %s", e)
	}
	fig.WatchAdds = l.adds
	var appeared []float64
	for _, d := range l.appearedAfter {
		appeared = append(appeared, d.Seconds())
	}
	if sort.Float64s(appeared); len(appeared) > 0 {
		fig.AppearedAfterMedianSeconds, fig.AppearedAfterMaxSeconds = appeared[len(appeared)/2], appeared[len(appeared)-1]
	}
	fulfilWithin := map[string]time.Duration{}
	for _, d := range departments {
		fulfilWithin[d.name] = d.fulfilWithin
	}
	expected := map[string]bool{}
	for i := range w.n {
		name := complaintName(i)
		c := byName[name]
		if c == nil {
			continue // reported missing by check
		}
		// Remedy events of the complaint, per destination: remedy -> event -> distinct ids.
		events := map[string]map[string]map[string]int{}
		for _, d := range dests {
			events[d] = map[string]map[string]int{}
			for seq := int64(1); seq <= c.Status.NotificationSeq; seq++ {
				for _, ev := range remedyEvents {
					id := webhook.EventID(string(c.UID), string(ev), strconv.FormatInt(seq, 10))
					h, ok := received[d][id]
					if !ok || h.Delivered == 0 {
						continue
					}
					fig.Events[string(ev)]++
					rem := remedyOfDetail(h.Detail)
					if events[d][rem] == nil {
						events[d][rem] = map[string]int{}
					}
					events[d][rem][string(ev)]++
				}
			}
		}
		if !w.hasActions(i) {
			for _, d := range dests {
				if len(events[d]) > 0 {
					problem("%s: remedy events %v at %s, but its resolution has no actions", name, events[d], d)
				}
			}
			continue
		}
		fig.Complaints++
		var latest time.Time
		for _, d := range departments {
			rname := name + "-" + d.action.Name
			expected[rname] = true
			fig.Remedies++
			r := remedies[rname]
			if r == nil {
				problem("%s: remedy %s missing", name, rname)
				continue
			}
			if uids := l.uids[rname]; len(uids) != 1 || uids[0] != r.UID {
				problem("%s: remedy %s created %d times (uids seen %v, now %s)", name, rname, len(uids), uids, r.UID)
			}
			if n := l.deleted[rname]; n > 0 {
				problem("%s: remedy %s deleted %d times", name, rname, n)
			}
			if !metav1.IsControlledBy(r, c) {
				problem("%s: remedy %s not controlled by its complaint", name, rname)
			}
			if c.Status.RemediesRequestedAt == nil || !r.Spec.RequestedAt.Equal(c.Status.RemediesRequestedAt) {
				problem("%s: remedy %s requested at %s, the complaint's remediesRequestedAt is %v", name, rname, ts(&r.Spec.RequestedAt), ts(c.Status.RemediesRequestedAt))
			}
			if r.Spec.Department != d.name || r.Labels[supportv1.LabelDepartment] != d.name || r.Spec.Kind != d.action.Kind {
				problem("%s: remedy %s is for %s (label %s), kind %s; want %s, %s", name, rname, r.Spec.Department, r.Labels[supportv1.LabelDepartment], r.Spec.Kind, d.name, d.action.Kind)
			}
			if asked, ok := l.asked[name]; ok {
				if d := asked.Sub(r.Spec.RequestedAt.Time).Seconds(); d > fig.AskedAfterMaxSeconds {
					fig.AskedAfterMaxSeconds, fig.SlowestAsked = d, rname
				}
				if d := l.created[rname].Sub(asked).Seconds(); d > fig.CreatedAfterAskedMaxSeconds {
					fig.CreatedAfterAskedMaxSeconds, fig.SlowestCreated = d, rname
				}
			}
			if r.Status.Phase != supportv1.RemedyDone || r.Spec.Fulfilment == nil || r.Status.FulfilledAt == nil {
				problem("%s: remedy %s phase %q, fulfilledAt %v: want Done", name, rname, r.Status.Phase, ts(r.Status.FulfilledAt))
				continue
			}
			fig.Reported++
			fulfilled := r.Status.FulfilledAt.Time
			if fulfilled.After(latest) {
				latest = fulfilled
			}
			rep := l.reports[rname]
			if rep == nil {
				problem("%s: remedy %s Done, but its department never reported it", name, rname)
				continue
			}
			if rep.UID != r.UID {
				problem("%s: remedy %s reported under uid %s, it is %s", name, rname, rep.UID, r.UID)
			}
			// The API server's stamp of the report: between the start of the
			// request that recorded it (to the second) and its answer,
			// whether the manager was up or not.
			if fulfilled.Before(rep.Sent.Truncate(time.Second)) || fulfilled.After(rep.Done) {
				problem("%s: remedy %s fulfilledAt %s, the report was written between %s and %s", name, rname,
					fulfilled.UTC().Format(time.RFC3339), rep.Sent.UTC().Format(time.RFC3339Nano), rep.Done.UTC().Format(time.RFC3339Nano))
			}
			due := r.Spec.RequestedAt.Time.Truncate(time.Second).Add(fulfilWithin[d.name])
			overdue := !fulfilled.Before(due)
			if rep.Late {
				fig.ReportedLate++
			}
			// A report whose write ended before the due time is on time; one
			// whose write began at or after it is late.
			if (rep.Done.Before(due) && overdue) || (!rep.Sent.Before(due) && !overdue) {
				problem("%s: remedy %s written between %s and %s, due %s: overdue %t (fulfilledAt %s)", name, rname,
					rep.Sent.UTC().Format(time.RFC3339Nano), rep.Done.UTC().Format(time.RFC3339Nano), due.UTC().Format(time.RFC3339), overdue, fulfilled.UTC().Format(time.RFC3339))
			}
			esc := overdueEsc[rname]
			wantState := supportv1.ClockMet
			if overdue {
				fig.Overdue++
				wantState = supportv1.ClockBreached
				if len(esc) != 1 {
					problem("%s: remedy %s done late (fulfilledAt %s, due %s): %d RemedyOverdue escalations %v, want 1", name, rname,
						fulfilled.UTC().Format(time.RFC3339), due.UTC().Format(time.RFC3339), len(esc), esc)
				} else if r.Status.Escalation != esc[0] {
					problem("%s: remedy %s status.escalation %q, its escalation is %s", name, rname, r.Status.Escalation, esc[0])
				} else if p := escPhase[esc[0]]; p != supportv1.EscalationClosed {
					problem("%s: escalation %s of remedy %s (Done) is %q, want Closed", name, esc[0], rname, p)
				}
			} else if len(esc) != 0 || r.Status.Escalation != "" {
				problem("%s: remedy %s done in time (fulfilledAt %s, due %s), but escalated %v (status.escalation %q)", name, rname,
					fulfilled.UTC().Format(time.RFC3339), due.UTC().Format(time.RFC3339), esc, r.Status.Escalation)
			}
			if r.Status.Clock.State != wantState || r.Status.Clock.DueAt == nil || !r.Status.Clock.DueAt.Time.Equal(due) {
				problem("%s: remedy %s clock %s due %v, want %s due %s", name, rname, r.Status.Clock.State, ts(r.Status.Clock.DueAt), wantState, due.UTC().Format(time.RFC3339))
			}
			for _, dst := range dests {
				for _, ev := range []supportv1.EventType{supportv1.EventRemedyRequested, supportv1.EventRemedyDone} {
					if n := events[dst][rname][string(ev)]; n != 1 {
						problem("%s: %d distinct %s events of %s received by %s, want 1; history: %s", name, n, ev, rname, dst, historyLine(c))
					}
				}
				if n := events[dst][rname][string(supportv1.EventRemedyFailed)]; n != 0 {
					problem("%s: %d RemedyFailed events of %s received by %s, want none", name, n, rname, dst)
				}
			}
		}
		if c.Status.ResolvedAt == nil || !c.Status.ResolvedAt.Time.Equal(latest) {
			problem("%s: resolvedAt %v, the latest remedy was fulfilled at %s", name, ts(c.Status.ResolvedAt), latest.UTC().Format(time.RFC3339))
		}
		if requested := remedyHistory(c, supportv1.EventRemedyRequested); requested != len(departments) {
			problem("%s: %d RemedyRequested entries in its history, want %d", name, requested, len(departments))
		}
	}
	var stray []string
	for rname := range remedies {
		if !expected[rname] {
			stray = append(stray, rname)
		}
	}
	for rname := range overdueEsc {
		if !expected[rname] {
			stray = append(stray, "escalation of "+rname)
		}
	}
	sort.Strings(stray)
	for _, s := range stray {
		problem("remedy not asked for by the workload: %s", s)
	}
	return fig
}

// remedyOfDetail is the remedy a remedy event's detail names ("Remedy
// c-0001-reship requested from ...", "Remedy c-0001-reship done (...").
func remedyOfDetail(detail string) string {
	f := strings.Fields(detail)
	if len(f) >= 2 && f[0] == "Remedy" {
		return f[1]
	}
	return "?" + detail
}

// remedyHistory counts a complaint's history entries of an event.
func remedyHistory(c *supportv1.Complaint, ev supportv1.EventType) int {
	n := 0
	for _, h := range c.Status.History {
		if h.Event == string(ev) {
			n++
		}
	}
	return n
}
