package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/yaml"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
)

func TestStoryPolicy(t *testing.T) {
	p := storyPolicy(time.Minute, "http://127.0.0.1:4000")
	r := p.Spec.Recovery
	if !r.RequireApproval || !r.RequireAgreement || !r.RequireApology {
		t.Errorf("recovery %+v: the story needs a lead's approval, the customer's agreement and an apology", r)
	}
	for _, a := range storyActions {
		d := r.Department(a.Department)
		if d == nil {
			t.Fatalf("action %s names department %s, not in the policy", a.Name, a.Department)
		}
		for _, n := range d.Notify {
			if !hasNotify(p, n) {
				t.Errorf("department %s notifies %s, which is not in spec.notify", d.Name, n)
			}
		}
	}
	wh, bill := r.Department(storyWarehouse).FulfilWithin.Duration, r.Department(storyBilling).FulfilWithin.Duration
	if wh != 5*time.Minute || bill != 30*time.Second || p.Spec.FollowUp.After.Duration != 30*time.Second {
		t.Errorf("warehouse %s, billing %s, follow-up %s; want 5m, 30s (missed on purpose), 30s", wh, bill, p.Spec.FollowUp.After.Duration)
	}
	// Nothing else breaches while the story is told: every target is
	// several first responses long.
	for name, d := range map[string]*metav1.Duration{"firstResponse": p.Spec.Targets.FirstResponse, "update": p.Spec.Targets.Update,
		"resolution": p.Spec.Targets.Resolution, "assignment": p.Spec.Targets.Assignment, "approval": p.Spec.Targets.Approval} {
		if d == nil || d.Duration < 5*time.Minute {
			t.Errorf("target %s = %v, want at least 5 first responses", name, d)
		}
	}
	for _, n := range p.Spec.Notify {
		if want := "http://127.0.0.1:4000/" + n.Name; n.Webhook.URL != want || n.Webhook.SecretRef == nil || len(n.Events) == 0 {
			t.Errorf("%s: url %s (want %s), secret %v, events %v", n.Name, n.Webhook.URL, want, n.Webhook.SecretRef, n.Events)
		}
	}
	// Durations must be what the CRD's pattern accepts, at the shortest
	// first response too.
	raw, err := yaml.Marshal(storyPolicy(time.Second, "http://127.0.0.1:4000").Spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"fulfilWithin: 500ms", "after: 500ms", "requireAgreement: true"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("spec YAML lacks %q:\n%s", want, raw)
		}
	}
}

// The story's policy governs the story's complaint only, the demo's policy
// the others: as the operator picks among the namespace's policies.
func TestStoryPolicyGovernsTheStoryOnly(t *testing.T) {
	policies := []supportv1.ServicePolicy{*demoPolicy(time.Minute, ""), *storyPolicy(time.Minute, "")}
	for _, c := range append(demoComplaints(), storyComplaint()) {
		want := DemoPolicy
		if c.Name == StoryComplaint {
			want = StoryPolicy
		}
		got, _, _ := sla.Select(policies, c)
		if got == nil || got.Name != want {
			t.Errorf("%s: governed by %v, want %s", c.Name, got, want)
		}
		unpinned := c.DeepCopy()
		unpinned.Spec.PolicyName = ""
		if got, _, _ := sla.Select(policies, unpinned); got == nil || got.Name != want {
			t.Errorf("%s without its pin: governed by %v, want %s", c.Name, got, want)
		}
	}
}

func TestStoryComplaintAndResolution(t *testing.T) {
	c := storyComplaint()
	if c.Namespace != DemoNamespace || c.Labels[demoLabel] != demoOwner || c.Spec.Owner != "" || c.Spec.Acknowledgement != nil {
		t.Errorf("story complaint %+v: want a fresh one in %s, nobody owning it", c.ObjectMeta, DemoNamespace)
	}
	res := storyResolution()
	if !res.Apologized || res.Gesture == nil || res.ProposedBy == "" || res.ApprovedBy != "" || len(res.Actions) != 2 {
		t.Errorf("resolution %+v: want apologized, a gesture, proposed, not approved yet, two actions", res)
	}
	depts := map[string]bool{}
	for _, a := range res.Actions {
		depts[a.Department] = true
	}
	if !depts[storyWarehouse] || !depts[storyBilling] {
		t.Errorf("actions %+v: want one by warehouse, one by billing", res.Actions)
	}
}

func TestStoryPace(t *testing.T) {
	for f, want := range map[time.Duration]time.Duration{time.Minute: 5 * time.Second, 2 * time.Second: 250 * time.Millisecond,
		30 * time.Second: 2500 * time.Millisecond, time.Hour: 5 * time.Second} {
		if got := storyPace(f); got != want {
			t.Errorf("storyPace(%s) = %s, want %s", f, got, want)
		}
	}
}

func TestStorySteps(t *testing.T) {
	steps := storySteps(storyTimesFor(time.Minute))
	if len(steps) != storyLen {
		t.Fatalf("%d steps, storyLen %d", len(steps), storyLen)
	}
	var desk []string
	for i, s := range steps {
		if s.who == "" || s.what == "" || s.awaits == "" || s.done == nil || s.reached == nil || s.then == nil {
			t.Errorf("step %d lacks a part: %+v", i+1, s)
		}
		if (s.act == nil) != (s.desk == "") {
			t.Errorf("step %d: a step that writes shows the kubectl desk command, one that waits none: %q", i+1, s.desk)
		}
		if s.desk != "" {
			if !strings.HasPrefix(s.desk, "kubectl desk ") || !strings.Contains(s.desk, " -n "+DemoNamespace) {
				t.Errorf("step %d: %q", i+1, s.desk)
			}
			desk = append(desk, strings.Fields(s.desk)[2])
		}
	}
	if got := strings.Join(desk, " "); got != "new assign ack resolve approve agree done done feedback" {
		t.Errorf("kubectl desk commands in order: %s", got)
	}
	all := ""
	for _, s := range steps {
		all += s.desk + "\n" + strings.Join(s.hints, "\n") + "\n"
	}
	for _, want := range []string{
		"kubectl desk done crushed-parcel-reship -n demo --reference TRACK-4711",
		"kubectl desk done crushed-parcel-refund-fee -n demo --reference CN-2026-0815",
		`--action "reship=warehouse:Reship:a new glucose meter, overnight"`,
		"kubectl get remedies -n demo -l support.servicedesk.dev/complaint=crushed-parcel -w",
		"kubectl get remedies -n demo -l support.servicedesk.dev/department=warehouse",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the steps do not show %q:\n%s", want, all)
		}
	}
}

// lockedBuffer is the story's output, read while it writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func fakeStory(t *testing.T, objs ...client.Object) (*story, client.Client, *lockedBuffer) {
	t.Helper()
	scheme, err := controllers.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).Build()
	out := &lockedBuffer{}
	st := newStory(c, out, 2*time.Second)
	st.poll, st.react, st.replay = 10*time.Millisecond, 300*time.Millisecond, 10*time.Millisecond
	return st, c, out
}

func TestStoryToldInAnEarlierRun(t *testing.T) {
	closed := storyComplaint()
	closed.Status.Phase = supportv1.PhaseClosed
	st, _, out := fakeStory(t, storyPolicy(2*time.Second, ""), closed)
	if err := st.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.Contains(got, "demo/crushed-parcel lived its whole life in an earlier run (Closed)") ||
		!strings.Contains(got, "kubectl delete complaint crushed-parcel -n demo") || strings.Contains(got, "1/11") {
		t.Errorf("output:\n%s", got)
	}
}

// Without an operator nothing reacts: the story records the complaint,
// says which reaction did not come, and stops.
func TestStoryStopsWhenTheOperatorDoesNotReact(t *testing.T) {
	st, c, out := fakeStory(t, storyPolicy(2*time.Second, ""))
	if err := st.run(context.Background()); err != errStoryStopped {
		t.Fatalf("run = %v, want errStoryStopped", err)
	}
	var got supportv1.Complaint
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: DemoNamespace, Name: StoryComplaint}, &got); err != nil {
		t.Fatalf("the story did not record its complaint: %v", err)
	}
	for _, want := range []string{"story 1/11 front-desk/amy records", "as a person: kubectl desk new -n demo --policy demo-recovery",
		"story 1/11 stopped: the operator did not reach phase New"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "2/11") {
		t.Errorf("the story went on without the operator:\n%s", out.String())
	}
}

// A story interrupted after the agreement goes on at the departments'
// steps, telling the earlier ones as done.
func TestStoryResumes(t *testing.T) {
	c := storyComplaint()
	c.Spec.Owner = storyOwner
	c.Spec.Acknowledgement = &supportv1.Acknowledgement{By: storyOwner}
	c.Spec.Resolution = storyResolution()
	c.Spec.Resolution.ApprovedBy = storyLead
	c.Spec.Agreement = &supportv1.Agreement{Accepted: true, By: storyOwner}
	c.Status = supportv1.ComplaintStatus{Phase: supportv1.PhaseImplementing, Policy: StoryPolicy, Owner: storyOwner}
	c.UID = "uid-1"
	ctrl := true
	var objs []client.Object
	due := metav1.NewTime(time.Now().Add(time.Hour))
	for _, a := range storyActions {
		objs = append(objs, &supportv1.Remedy{
			ObjectMeta: metav1.ObjectMeta{Name: remedyName(a.Name), Namespace: DemoNamespace,
				Labels:          map[string]string{supportv1.LabelComplaint: StoryComplaint, supportv1.LabelDepartment: a.Department},
				OwnerReferences: []metav1.OwnerReference{{APIVersion: supportv1.GroupVersion.String(), Kind: "Complaint", Name: StoryComplaint, UID: c.UID, Controller: &ctrl}}},
			Spec:   supportv1.RemedySpec{ComplaintName: StoryComplaint, Action: a.Name, Department: a.Department, Kind: a.Kind},
			Status: supportv1.RemedyStatus{Phase: supportv1.RemedyPending, Clock: supportv1.ClockStatus{DueAt: &due}},
		})
	}
	st, cl, out := fakeStory(t, append(objs, storyPolicy(2*time.Second, ""), c)...)
	st.pace = 0
	// No operator: the warehouse's report is written, its reaction never comes.
	if err := st.run(context.Background()); err != errStoryStopped {
		t.Fatalf("run = %v, want errStoryStopped", err)
	}
	for _, want := range []string{"goes on from an earlier run (phase Implementing)", "story 6/11 agent-bob tells Lena; she agrees: done in an earlier run (Implementing",
		"story 7/11 warehouse-bot (the warehouse's operator)", "story 7/11 stopped: the operator did not reach remedy crushed-parcel-reship Done"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	var r supportv1.Remedy
	if err := cl.Get(context.Background(), client.ObjectKey{Namespace: DemoNamespace, Name: remedyName("reship")}, &r); err != nil {
		t.Fatal(err)
	}
	if f := r.Spec.Fulfilment; f == nil || f.Outcome != supportv1.FulfilmentDone || f.By != "warehouse-bot" || f.Reference != "TRACK-4711" {
		t.Errorf("the warehouse's report: %+v", f)
	}
	if err := cl.Get(context.Background(), client.ObjectKey{Namespace: DemoNamespace, Name: remedyName("refund-fee")}, &r); err != nil || r.Spec.Fulfilment != nil {
		t.Errorf("billing's remedy reported before its turn: %+v, %v", r.Spec.Fulfilment, err)
	}
}

// Deleting the story's complaint tells its life again.
func TestStoryToldAgainWhenDeleted(t *testing.T) {
	closed := storyComplaint()
	closed.Status.Phase = supportv1.PhaseClosed
	st, c, out := fakeStory(t, storyPolicy(2*time.Second, ""), closed)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); st.tell(ctx) }()
	waitFor(t, 5*time.Second, "the earlier run's story", func() bool { return strings.Contains(out.String(), "earlier run (Closed)") })
	if err := c.Delete(ctx, closed); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the story told again", func() bool {
		return strings.Contains(out.String(), "was deleted: its life starts again") && strings.Contains(out.String(), "story 1/11 front-desk/amy records")
	})
	cancel()
	<-done
}
