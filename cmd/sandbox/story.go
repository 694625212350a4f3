package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
)

// The demo's story: one complaint lives its whole life, step by step, each
// step written as the person (or the department's operator) would write it
// and the next one taken only once the operator reacted: recorded, owned,
// acknowledged, proposed, approved, agreed, carried out by two departments
// (billing late on purpose: RemedyOverdue), resolved, followed up, closed.
const (
	StoryPolicy    = "demo-recovery"
	StoryComplaint = "crushed-parcel"
	// storyLabel marks the story's complaint; the story's policy selects
	// it (which also pins the policy), and governs no other complaint.
	storyLabel = "sandbox.servicedesk.dev/story"
	storyValue = "whole-life"

	storyOwner     = "agent-bob"
	storyLead      = "lead-carol"
	storyRecorder  = "front-desk/amy"
	storyWarehouse = "warehouse"
	storyBilling   = "billing"
)

// The resolution's actions: one Remedy each, <complaint>-<name>.
var storyActions = []supportv1.RemedyAction{
	{Name: "reship", Department: storyWarehouse, Kind: supportv1.RemedyReship, Detail: "a new glucose meter, overnight"},
	{Name: "refund-fee", Department: storyBilling, Kind: supportv1.RemedyRefund, Detail: "refund the express delivery fee"},
}

// storyLen is the number of the story's steps.
const storyLen = 11

// storyTimes are the story policy's durations, scaled from the demo's
// first response f, so --demo-first-response speeds the story up as it
// does the rest of the demo. Nothing breaches but billing's remedy, on
// purpose: its clock (f/2) runs out while the story waits for it.
type storyTimes struct {
	firstResponse, update, resolution, assignment, approval time.Duration
	warehouse, billing                                      time.Duration // fulfilWithin
	followUp, closeAfter                                    time.Duration
}

func storyTimesFor(f time.Duration) storyTimes {
	return storyTimes{firstResponse: 5 * f, update: 10 * f, resolution: 20 * f, assignment: 5 * f, approval: 5 * f,
		warehouse: 5 * f, billing: f / 2, followUp: f / 2, closeAfter: 10 * f}
}

// storyPace is the pause between two steps, for a reader to follow: 5s at
// the default first response of 1m, 250ms at the tests' 2s.
func storyPace(f time.Duration) time.Duration {
	return min(max(f/12, 250*time.Millisecond), 5*time.Second)
}

// storyPolicy governs the story's complaint only: approval by a lead, the
// customer's agreement, two departments (warehouse in time, billing late),
// a follow-up soon after resolution; every event to the receiver's /desk,
// each department's remedies to its own path.
func storyPolicy(f time.Duration, receiverBase string) *supportv1.ServicePolicy {
	t := storyTimesFor(f)
	hook := func(dest string) *supportv1.Webhook {
		return &supportv1.Webhook{URL: receiverBase + "/" + dest, Timeout: duration(5 * time.Second),
			SecretRef: &supportv1.SecretKeyRef{Name: DemoSecret, Key: DemoSecretKey}}
	}
	return &supportv1.ServicePolicy{
		ObjectMeta: demoMeta(StoryPolicy),
		Spec: supportv1.ServicePolicySpec{
			// Its complaint pins it too; the precedence wins it over the
			// demo's match-all policy even without the pin.
			Precedence: 10,
			Match:      supportv1.PolicyMatch{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{storyLabel: storyValue}}},
			Targets: supportv1.Targets{FirstResponse: duration(t.firstResponse), Update: duration(t.update), Resolution: duration(t.resolution),
				Assignment: duration(t.assignment), Approval: duration(t.approval), AtRiskPercent: 50},
			PauseWhile: []supportv1.WaitingOn{supportv1.WaitingOnCustomer},
			Recovery: &supportv1.Recovery{RequireApology: true, RequireApproval: true, RequireAgreement: true,
				Departments: []supportv1.Department{
					{Name: storyWarehouse, FulfilWithin: duration(t.warehouse), Notify: []string{storyWarehouse}},
					{Name: storyBilling, FulfilWithin: duration(t.billing), Notify: []string{storyBilling}},
				}},
			FollowUp: &supportv1.FollowUp{After: metav1.Duration{Duration: t.followUp}, ReopenBelow: 3, CloseAfter: duration(t.closeAfter)},
			Notify: []supportv1.NotifyTarget{
				// Archived too: deleting the complaint sends its record and
				// the operator deletes its remedies and escalations with it
				// (the sandbox has no garbage collector).
				{Name: "desk", Events: append(allEvents(), supportv1.EventArchived), Webhook: hook("desk")},
				// A department's entry gets its own remedies whatever its
				// events; RemedyFailed: told when the other's fails too.
				{Name: storyWarehouse, Events: []supportv1.EventType{supportv1.EventRemedyFailed}, Webhook: hook(storyWarehouse)},
				{Name: storyBilling, Events: []supportv1.EventType{supportv1.EventRemedyFailed}, Webhook: hook(storyBilling)},
			},
		},
	}
}

// storyComplaint is the complaint as the front desk records it: nobody
// owns it yet.
func storyComplaint() *supportv1.Complaint {
	m := demoMeta(StoryComplaint)
	m.Labels[storyLabel] = storyValue
	return &supportv1.Complaint{ObjectMeta: m, Spec: supportv1.ComplaintSpec{
		Customer: supportv1.Customer{Name: "Lena Park", Tier: supportv1.TierStandard},
		Category: supportv1.CategoryOrderError, Severity: supportv1.SeverityMedium, Channel: "Phone",
		Summary: "Glucose meter arrived crushed, express delivery fee charged", RecordedBy: storyRecorder,
		PolicyName: StoryPolicy,
	}}
}

func storyResolution() *supportv1.Resolution {
	pct := int32(10)
	return &supportv1.Resolution{
		Summary: "A new meter overnight and the delivery fee back", Apologized: true,
		Gesture:    &supportv1.Gesture{Kind: supportv1.GestureDiscount, Detail: "10% off the next order", Value: &supportv1.GestureValue{Percent: &pct}},
		Actions:    storyActions,
		ProposedBy: storyOwner,
	}
}

// remedyName is the Remedy the operator creates for an action.
func remedyName(action string) string { return sla.RemedyName(StoryComplaint, action) }

// storyState is what the story reads before and after each step.
type storyState struct {
	complaint *supportv1.Complaint             // nil: not recorded
	remedies  map[string]*supportv1.Remedy     // by department
	overdue   map[string]*supportv1.Escalation // RemedyOverdue, by department
}

func (s *storyState) phase() supportv1.Phase {
	if s.complaint == nil {
		return ""
	}
	return s.complaint.Status.Phase
}

// phaseRank orders the phases of the story's path, so that "reached" stays
// true once the complaint went further (a story resumed after a restart).
var phaseRank = map[supportv1.Phase]int{supportv1.PhaseNew: 1, supportv1.PhaseAcknowledged: 2, supportv1.PhasePendingApproval: 3,
	supportv1.PhaseAwaitingAgreement: 4, supportv1.PhaseImplementing: 5, supportv1.PhaseResolved: 6, supportv1.PhaseClosed: 7}

func (s *storyState) atLeast(p supportv1.Phase) bool {
	r, ok := phaseRank[s.phase()]
	return ok && r >= phaseRank[p]
}

func (s *storyState) remedyPhase(dept string) supportv1.RemedyPhase {
	if r := s.remedies[dept]; r != nil {
		return r.Status.Phase
	}
	return ""
}

func (s *storyState) reported(dept string) bool {
	r := s.remedies[dept]
	return r != nil && r.Spec.Fulfilment != nil
}

// storyStep is one step: what somebody does (act, unless done says it is
// recorded already), and what the operator does in answer (reached, told
// by then), waited for at most the operator's reaction time and wait.
type storyStep struct {
	who, what string // narration: who does what
	desk      string // the same by a person, with kubectl desk
	hints     []string
	done      func(*storyState) bool
	act       func(context.Context, *story, *storyState) error // nil: nothing to write, only wait
	awaits    string                                           // what the operator is waited for, for a timeout
	reached   func(*storyState) bool
	then      func(*storyState) string
	wait      time.Duration // beyond the operator's reaction time
}

// story runs the steps against the API server.
type story struct {
	c      client.Client
	out    io.Writer
	f      time.Duration
	pace   time.Duration
	poll   time.Duration
	react  time.Duration // how long the operator may take to react
	replay time.Duration // how often a told story looks whether it was deleted
	now    func() time.Time
}

func newStory(c client.Client, out io.Writer, f time.Duration) *story {
	return &story{c: c, out: out, f: f, pace: storyPace(f), poll: 200 * time.Millisecond, react: 45 * time.Second,
		replay: 2 * time.Second, now: time.Now}
}

// inDemo is the namespace flag of the printed commands.
const inDemo = "-n " + DemoNamespace

// storySteps are the story's steps, in order.
func storySteps(times storyTimes) []storyStep {
	var steps []storyStep
	for _, part := range [][]storyStep{intakeSteps(), recoverySteps(), departmentSteps(times), closingSteps(times)} {
		steps = append(steps, part...)
	}
	return steps
}

// storyAction is the story's action carried out by dept.
func storyAction(dept string) supportv1.RemedyAction {
	for _, a := range storyActions {
		if a.Department == dept {
			return a
		}
	}
	return supportv1.RemedyAction{}
}

// intakeSteps: the front desk records the complaint, its owner takes it and calls the customer back.
func intakeSteps() []storyStep {
	c := StoryComplaint
	return []storyStep{
		{
			who: storyRecorder, what: "records Lena Park's call: her glucose meter arrived crushed; nobody owns the complaint yet",
			desk:  fmt.Sprintf(`kubectl desk new %s --policy %s --customer "Lena Park" --category OrderError --channel Phone --summary %q`, inDemo, StoryPolicy, storyComplaint().Spec.Summary),
			hints: []string{fmt.Sprintf("kubectl get complaint %s %s -w", c, inDemo)},
			done:  func(s *storyState) bool { return s.complaint != nil },
			act: func(ctx context.Context, st *story, _ *storyState) error {
				_, err := createIfAbsent(ctx, st.c, storyComplaint())
				return err
			},
			awaits:  "phase New",
			reached: func(s *storyState) bool { return s.atLeast(supportv1.PhaseNew) },
			then: func(s *storyState) string {
				return fmt.Sprintf("%s under policy %s: the assignment and first-response clocks run", s.phase(), s.complaint.Status.Policy)
			},
		},
		{
			who: storyOwner, what: "is made the owner",
			desk:    fmt.Sprintf("kubectl desk assign %s %s --to %s", c, inDemo, storyOwner),
			done:    func(s *storyState) bool { return s.complaint.Spec.Owner != "" },
			act:     patchComplaint(func(s *supportv1.ComplaintSpec) { s.Owner = storyOwner }),
			awaits:  "status.owner " + storyOwner,
			reached: func(s *storyState) bool { return s.complaint.Status.Owner == storyOwner },
			then:    func(*storyState) string { return "owned (OwnerChanged in the history), the assignment clock met" },
		},
		{
			who: storyOwner, what: "calls Lena back: the first response",
			desk: fmt.Sprintf(`kubectl desk ack %s %s --note "called back, photos of the parcel on the way"`, c, inDemo),
			done: func(s *storyState) bool { return s.complaint.Spec.Acknowledgement != nil },
			act: patchComplaint(func(s *supportv1.ComplaintSpec) {
				s.Acknowledgement = &supportv1.Acknowledgement{By: storyOwner, Note: "called back, photos of the parcel on the way"}
			}),
			awaits:  "phase Acknowledged",
			reached: func(s *storyState) bool { return s.atLeast(supportv1.PhaseAcknowledged) },
			then: func(s *storyState) string {
				return string(s.phase()) + ": first response met, the update and resolution clocks run"
			},
		},
	}
}

// recoverySteps: the owner proposes a resolution, a lead approves it, the customer agrees.
func recoverySteps() []storyStep {
	c := StoryComplaint
	res := storyResolution()
	reship, refund := storyAction(storyWarehouse), storyAction(storyBilling)
	return []storyStep{
		{
			who:  storyOwner,
			what: fmt.Sprintf("proposes: an apology, %s by %s, %s by %s, and %s", reship.Name, reship.Department, refund.Name, refund.Department, res.Gesture.Detail),
			desk: fmt.Sprintf(`kubectl desk resolve %s %s --summary %q --apologized --gesture Discount --detail %q --value 10%% --action %s --action %s`,
				c, inDemo, res.Summary, res.Gesture.Detail, deskAction(reship), deskAction(refund)),
			done:    func(s *storyState) bool { return s.complaint.Spec.Resolution != nil },
			act:     patchComplaint(func(s *supportv1.ComplaintSpec) { s.Resolution = storyResolution() }),
			awaits:  "phase PendingApproval",
			reached: func(s *storyState) bool { return s.atLeast(supportv1.PhasePendingApproval) },
			then: func(s *storyState) string {
				return string(s.phase()) + ": the policy wants a lead's approval (the approval clock runs)"
			},
		},
		{
			who: storyLead, what: "approves it",
			desk: fmt.Sprintf("kubectl desk approve %s %s", c, inDemo),
			done: func(s *storyState) bool { r := s.complaint.Spec.Resolution; return r != nil && r.ApprovedBy != "" },
			act: patchComplaint(func(s *supportv1.ComplaintSpec) {
				if s.Resolution != nil {
					s.Resolution.ApprovedBy = storyLead
				}
			}),
			awaits:  "phase AwaitingAgreement",
			reached: func(s *storyState) bool { return s.atLeast(supportv1.PhaseAwaitingAgreement) },
			then: func(s *storyState) string {
				return string(s.phase()) + ": nothing is carried out before Lena agrees (clocks paused, waiting on the customer)"
			},
		},
		{
			who: storyOwner, what: "tells Lena; she agrees",
			desk: fmt.Sprintf(`kubectl desk agree %s %s --note "a new meter tomorrow is fine"`, c, inDemo),
			hints: []string{
				fmt.Sprintf("kubectl get remedies %s -l %s=%s -w", inDemo, supportv1.LabelComplaint, c),
				fmt.Sprintf("kubectl desk timeline %s %s", c, inDemo),
			},
			done: func(s *storyState) bool { return s.complaint.Spec.Agreement != nil },
			act: patchComplaint(func(s *supportv1.ComplaintSpec) {
				s.Agreement = &supportv1.Agreement{Accepted: true, By: storyOwner, Note: "a new meter tomorrow is fine"}
			}),
			awaits: "phase Implementing with a Remedy per action",
			reached: func(s *storyState) bool {
				for _, a := range storyActions {
					if r := s.remedies[a.Department]; r == nil || r.Status.Clock.DueAt == nil {
						return false
					}
				}
				return s.atLeast(supportv1.PhaseImplementing)
			},
			then: func(s *storyState) string {
				var parts []string
				for _, a := range storyActions {
					r := s.remedies[a.Department]
					parts = append(parts, fmt.Sprintf("%s (%s, %s, due %s)", r.Name, a.Department, r.Status.Phase, clockTime(r.Status.Clock.DueAt)))
				}
				return fmt.Sprintf("%s: the departments are asked, Remedy %s", s.phase(), strings.Join(parts, " and "))
			},
		},
	}
}

// departmentSteps: the departments carry out the resolution: the warehouse in time, billing late.
func departmentSteps(times storyTimes) []storyStep {
	reship, refund := storyAction(storyWarehouse), storyAction(storyBilling)
	return []storyStep{
		{
			who: "warehouse-bot", what: fmt.Sprintf("(the warehouse's operator) finds %s among its remedies, ships it, reports it Done", remedyName(reship.Name)),
			desk:    fmt.Sprintf(`kubectl desk done %s %s --reference TRACK-4711 --note "shipped overnight"`, remedyName(reship.Name), inDemo),
			hints:   []string{fmt.Sprintf("kubectl get remedies %s -l %s=%s -o wide", inDemo, supportv1.LabelDepartment, storyWarehouse)},
			done:    func(s *storyState) bool { return s.reported(storyWarehouse) },
			act:     fulfil(storyWarehouse, supportv1.Fulfilment{Outcome: supportv1.FulfilmentDone, By: "warehouse-bot", Reference: "TRACK-4711", Note: "shipped overnight"}),
			awaits:  "remedy " + remedyName(reship.Name) + " Done",
			reached: func(s *storyState) bool { return s.remedyPhase(storyWarehouse) == supportv1.RemedyDone },
			then: func(s *storyState) string {
				return fmt.Sprintf("remedy Done, clock %s; the complaint stays %s: billing has not reported", s.remedies[storyWarehouse].Status.Clock.State, s.phase())
			},
		},
		{
			who: "billing", what: fmt.Sprintf("lets %s run past its %s (on purpose)", remedyName(refund.Name), times.billing),
			hints:  []string{fmt.Sprintf("kubectl get escalations %s", inDemo)},
			done:   func(s *storyState) bool { return s.reported(storyBilling) },
			awaits: "the RemedyOverdue escalation of " + remedyName(refund.Name),
			reached: func(s *storyState) bool {
				r := s.remedies[storyBilling]
				return r != nil && r.Status.Escalation != ""
			},
			then: func(s *storyState) string {
				r := s.remedies[storyBilling]
				return fmt.Sprintf("remedy clock %s: Escalation %s (RemedyOverdue) to billing's destination, apart from the ladder; the remedy stays %s",
					r.Status.Clock.State, r.Status.Escalation, r.Status.Phase)
			},
			wait: times.billing,
		},
		{
			who: "billing-bot", what: fmt.Sprintf("(billing's operator) refunds the fee and reports %s Done, late", remedyName(refund.Name)),
			desk:   fmt.Sprintf(`kubectl desk done %s %s --reference CN-2026-0815 --note "fee refunded"`, remedyName(refund.Name), inDemo),
			done:   func(s *storyState) bool { return s.reported(storyBilling) },
			act:    fulfil(storyBilling, supportv1.Fulfilment{Outcome: supportv1.FulfilmentDone, By: "billing-bot", Reference: "CN-2026-0815", Note: "fee refunded"}),
			awaits: "phase Resolved",
			reached: func(s *storyState) bool {
				e := s.overdue[storyBilling]
				return s.atLeast(supportv1.PhaseResolved) && (e == nil || e.Status.Phase == supportv1.EscalationClosed)
			},
			then: func(s *storyState) string {
				msg := fmt.Sprintf("%s at the last report; the follow-up call is due %s", s.phase(), clockTime(s.complaint.Status.FollowUpAt))
				if e := s.overdue[storyBilling]; e != nil {
					msg += fmt.Sprintf("; escalation %s %s, billing's clock stays %s", e.Name, e.Status.Phase, s.remedies[storyBilling].Status.Clock.State)
				}
				return msg
			},
		},
	}
}

// closingSteps: the follow-up call and the customer's feedback.
func closingSteps(times storyTimes) []storyStep {
	c := StoryComplaint
	return []storyStep{
		{
			who: "the operator", what: fmt.Sprintf("waits %s after the resolution for the follow-up call", times.followUp),
			done:    func(s *storyState) bool { return s.complaint.Spec.Feedback != nil },
			awaits:  "FollowUpDue",
			reached: func(s *storyState) bool { return s.complaint.Status.FollowUpNotified },
			then:    func(*storyState) string { return "FollowUpDue: time to call Lena" },
			wait:    times.followUp,
		},
		{
			who: storyOwner, what: "calls Lena: satisfied, 5 of 5",
			desk: fmt.Sprintf(`kubectl desk feedback %s %s --satisfaction 5 --accepted --comment "new meter works, thanks"`, c, inDemo),
			done: func(s *storyState) bool { return s.complaint.Spec.Feedback != nil },
			act: patchComplaint(func(s *supportv1.ComplaintSpec) {
				yes, five := true, int32(5)
				s.Feedback = &supportv1.Feedback{Accepted: &yes, Satisfaction: &five, Comment: "new meter works, thanks"}
			}),
			awaits:  "phase Closed",
			reached: func(s *storyState) bool { return s.phase() == supportv1.PhaseClosed },
			then:    func(s *storyState) string { return string(s.phase()) + ": the customer is satisfied" },
		},
	}
}

// deskAction is an action as kubectl desk resolve --action takes it.
func deskAction(a supportv1.RemedyAction) string {
	return fmt.Sprintf("%q", fmt.Sprintf("%s=%s:%s:%s", a.Name, a.Department, a.Kind, a.Detail))
}

func clockTime(t *metav1.Time) string {
	if t == nil {
		return "-"
	}
	return t.Local().Format(time.TimeOnly)
}

// patchComplaint writes the complaint's spec as a person's command does:
// a merge patch of what changed.
func patchComplaint(change func(*supportv1.ComplaintSpec)) func(context.Context, *story, *storyState) error {
	return func(ctx context.Context, st *story, s *storyState) error {
		if s.complaint == nil {
			return fmt.Errorf("complaint %s/%s is gone", DemoNamespace, StoryComplaint)
		}
		c := s.complaint.DeepCopy()
		patch := client.MergeFromWithOptions(c.DeepCopy(), client.MergeFromWithOptimisticLock{})
		change(&c.Spec)
		return st.c.Patch(ctx, c, patch)
	}
}

// fulfil reports a department's remedy of the story as its operator does:
// it lists the remedies labelled with its department, takes the pending
// one of the story's complaint and patches spec.fulfilment alone.
func fulfil(dept string, f supportv1.Fulfilment) func(context.Context, *story, *storyState) error {
	return func(ctx context.Context, st *story, _ *storyState) error {
		var list supportv1.RemedyList
		if err := st.c.List(ctx, &list, client.InNamespace(DemoNamespace), client.MatchingLabels{supportv1.LabelDepartment: dept}); err != nil {
			return err
		}
		for i := range list.Items {
			r := &list.Items[i]
			if r.Spec.ComplaintName != StoryComplaint || r.Spec.Fulfilment != nil || r.Status.Phase == supportv1.RemedyCancelled {
				continue
			}
			patch := client.MergeFromWithOptions(r.DeepCopy(), client.MergeFromWithOptimisticLock{})
			r.Spec.Fulfilment = &f
			return st.c.Patch(ctx, r, patch)
		}
		return fmt.Errorf("no pending remedy of %s for %s", StoryComplaint, dept)
	}
}

// read fetches the story's complaint, its remedies and their escalations.
func (st *story) read(ctx context.Context) (*storyState, error) {
	s := &storyState{remedies: map[string]*supportv1.Remedy{}, overdue: map[string]*supportv1.Escalation{}}
	var c supportv1.Complaint
	switch err := st.c.Get(ctx, client.ObjectKey{Namespace: DemoNamespace, Name: StoryComplaint}, &c); {
	case apierrors.IsNotFound(err):
		return s, nil
	case err != nil:
		return nil, err
	}
	s.complaint = &c
	var list supportv1.RemedyList
	if err := st.c.List(ctx, &list, client.InNamespace(DemoNamespace), client.MatchingLabels{supportv1.LabelComplaint: StoryComplaint}); err != nil {
		return nil, err
	}
	for i := range list.Items {
		r := &list.Items[i]
		if !metav1.IsControlledBy(r, &c) || r.Status.Phase == supportv1.RemedyCancelled {
			continue
		}
		s.remedies[r.Spec.Department] = r
		if r.Status.Escalation == "" {
			continue
		}
		var e supportv1.Escalation
		if err := st.c.Get(ctx, client.ObjectKey{Namespace: DemoNamespace, Name: r.Status.Escalation}, &e); err == nil {
			s.overdue[r.Spec.Department] = &e
		} else if !apierrors.IsNotFound(err) {
			return nil, err
		}
	}
	return s, nil
}

// errStoryStopped ends the story without finishing it (told already).
var errStoryStopped = errors.New("story stopped")

func (st *story) say(format string, args ...any) {
	fmt.Fprintf(st.out, "%s story "+format+"\n", append([]any{st.now().Format(time.TimeOnly)}, args...)...)
}

// run tells the story to its end, or until ctx is done. A story closed in
// an earlier run is not told again; one interrupted goes on from where it
// stopped.
func (st *story) run(ctx context.Context) error {
	s, err := st.start(ctx)
	if err != nil || s.phase() == supportv1.PhaseClosed {
		return err
	}
	var p supportv1.ServicePolicy
	if err := st.c.Get(ctx, client.ObjectKey{Namespace: DemoNamespace, Name: StoryPolicy}, &p); err != nil {
		return err
	}
	times := policyTimes(&p, st.f)
	steps := storySteps(times)
	began := st.now()
	if s.complaint == nil {
		st.say("the whole life of %s/%s, one step at a time, the operator reacting in between (policy %s: a lead approves,",
			DemoNamespace, StoryComplaint, StoryPolicy)
		st.say("the customer agrees, departments %s (%s) and %s (%s, missed on purpose), follow-up after %s):",
			storyWarehouse, times.warehouse, storyBilling, times.billing, times.followUp)
	} else {
		st.say("%s/%s goes on from an earlier run (phase %s)", DemoNamespace, StoryComplaint, s.phase())
	}
	for i, step := range steps {
		n := fmt.Sprintf("%d/%d", i+1, len(steps))
		if s.complaint != nil && step.done(s) {
			if s, err = st.recorded(ctx, n, step, s); err != nil {
				return err
			}
			continue
		}
		if i > 0 {
			if err := sleep(ctx, st.pace); err != nil {
				return err
			}
		}
		if s, err = st.take(ctx, n, step); err != nil {
			return err
		}
	}
	st.say("%s/%s: its whole life in %s; kubectl desk timeline %s %s tells it, kubectl get remedies %s -o wide lists its remedies",
		DemoNamespace, StoryComplaint, st.now().Sub(began).Round(time.Second), StoryComplaint, inDemo, inDemo)
	st.say("to see it again: kubectl delete complaint %s %s (its remedies and escalations go with it)", StoryComplaint, inDemo)
	return nil
}

// start reads where the story is: a complaint being deleted is waited
// for, one closed in an earlier run is told so (phase Closed returned).
func (st *story) start(ctx context.Context) (*storyState, error) {
	s, err := st.read(ctx)
	if err != nil {
		return nil, err
	}
	if s.complaint != nil && !s.complaint.DeletionTimestamp.IsZero() {
		st.say("%s/%s is being deleted: waiting for it to go", DemoNamespace, StoryComplaint)
		if s, err = st.waitGone(ctx); err != nil {
			if errors.Is(err, errStoryStopped) {
				st.say("%s/%s is still being deleted after %s: see the operator's log", DemoNamespace, StoryComplaint, st.react)
			}
			return nil, err
		}
	}
	if s.phase() == supportv1.PhaseClosed {
		st.say("%s/%s lived its whole life in an earlier run (Closed): kubectl desk timeline %s %s tells it;", DemoNamespace, StoryComplaint, StoryComplaint, inDemo)
		st.say("to see it again: kubectl delete complaint %s %s (its remedies and escalations go with it)", StoryComplaint, inDemo)
	}
	return s, nil
}

// recorded tells a step recorded in an earlier run, once the operator
// reacted to it.
func (st *story) recorded(ctx context.Context, n string, step storyStep, s *storyState) (*storyState, error) {
	if !step.reached(s) {
		var err error
		if s, err = st.waitFor(ctx, st.react+step.wait, step.reached); err != nil {
			if errors.Is(err, errStoryStopped) {
				st.say("%s stopped: the operator did not reach %s (phase %s); see the operator's log", n, step.awaits, s.phase())
			}
			return s, err
		}
	}
	st.say("%s %s %s: done in an earlier run (%s)", n, step.who, step.what, step.then(s))
	return s, nil
}

// take tells a step, writes it and waits for the operator's reaction.
func (st *story) take(ctx context.Context, n string, step storyStep) (*storyState, error) {
	st.say("%s %s %s", n, step.who, step.what)
	if step.desk != "" {
		fmt.Fprintf(st.out, "           as a person: %s\n", step.desk)
	}
	for _, h := range step.hints {
		fmt.Fprintf(st.out, "           see: %s\n", h)
	}
	if step.act != nil {
		s, err := st.read(ctx)
		if err != nil {
			return s, err
		}
		if err := step.act(ctx, st, s); err != nil {
			st.say("%s stopped: writing it was refused: %v", n, err)
			return s, errStoryStopped
		}
	}
	took := st.now()
	s, err := st.waitFor(ctx, st.react+step.wait, step.reached)
	if err != nil {
		if errors.Is(err, errStoryStopped) {
			st.say("%s stopped: the operator did not reach %s (phase %s); see the operator's log", n, step.awaits, s.phase())
		}
		return s, err
	}
	st.say("%s   operator, %s later: %s", n, st.now().Sub(took).Round(100*time.Millisecond), step.then(s))
	return s, nil
}

// tell runs the story, and again each time its complaint is deleted (the
// way to see it again, or to start over after a step that did not happen),
// until ctx is done.
func (st *story) tell(ctx context.Context) {
	for {
		if err := st.run(ctx); err != nil && ctx.Err() == nil && !errors.Is(err, errStoryStopped) {
			st.say("stopped: %v", err)
		}
		if err := st.awaitDeletion(ctx); err != nil {
			return
		}
		st.say("%s/%s was deleted: its life starts again", DemoNamespace, StoryComplaint)
	}
}

// awaitDeletion waits until the story's complaint is gone, reading it
// every replay interval.
func (st *story) awaitDeletion(ctx context.Context) error {
	for {
		s, err := st.read(ctx)
		if err == nil && s.complaint == nil {
			return nil
		}
		if err := sleep(ctx, st.replay); err != nil {
			return err
		}
	}
}

// policyTimes are the durations of the story's policy as stored (an
// earlier run's may differ from this run's --demo-first-response).
func policyTimes(p *supportv1.ServicePolicy, f time.Duration) storyTimes {
	t := storyTimesFor(f)
	if r := p.Spec.Recovery; r != nil {
		if d := r.Department(storyWarehouse); d != nil && d.FulfilWithin != nil {
			t.warehouse = d.FulfilWithin.Duration
		}
		if d := r.Department(storyBilling); d != nil && d.FulfilWithin != nil {
			t.billing = d.FulfilWithin.Duration
		}
	}
	if fu := p.Spec.FollowUp; fu != nil {
		t.followUp = fu.After.Duration
	}
	return t
}

// waitGone waits until the story's complaint is gone.
func (st *story) waitGone(ctx context.Context) (*storyState, error) {
	deadline := st.now().Add(st.react)
	for {
		s, err := st.read(ctx)
		if err != nil || s.complaint == nil {
			return s, err
		}
		if st.now().After(deadline) {
			return s, errStoryStopped
		}
		if err := sleep(ctx, st.poll); err != nil {
			return s, err
		}
	}
}

// waitFor reads the story's state until its complaint exists and cond holds, for at most d; on a
// timeout it returns the last state read and errStoryStopped.
func (st *story) waitFor(ctx context.Context, d time.Duration, cond func(*storyState) bool) (*storyState, error) {
	deadline := st.now().Add(d)
	for {
		s, err := st.read(ctx)
		if err != nil {
			return s, err
		}
		if s.complaint != nil && cond(s) {
			return s, nil
		}
		if st.now().After(deadline) {
			return s, errStoryStopped
		}
		if err := sleep(ctx, st.poll); err != nil {
			return s, err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
