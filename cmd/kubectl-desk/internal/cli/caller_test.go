package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// whoami answers a SelfSubjectReview as the API server does for user.
func whoami(user string) interceptor.Funcs {
	return interceptor.Funcs{Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
		if r, ok := obj.(*authenticationv1.SelfSubjectReview); ok {
			r.Status.UserInfo = authenticationv1.UserInfo{Username: user, Groups: []string{"system:authenticated"}}
			return nil
		}
		return c.Create(ctx, obj, opts...)
	}}
}

// approvalCluster is a fake cluster where user is logged in, with a
// complaint c-1 pending approval and an open request c-1-request-x; patch,
// when not nil, answers every patch instead of the fake.
func approvalCluster(t *testing.T, user string, patch func() error) (*Options, *bytes.Buffer, client.Client) {
	t.Helper()
	ns := "support"
	c := &supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Name: "c-1", Namespace: ns},
		Spec: supportv1.ComplaintSpec{Customer: supportv1.Customer{Name: "Acme"}, Category: supportv1.CategoryOther, Summary: "late",
			Resolution: &supportv1.Resolution{Summary: "delivered", ProposedBy: "agent-bob"}},
		Status: supportv1.ComplaintStatus{Phase: supportv1.PhasePendingApproval, Policy: "standard"}}
	e := &supportv1.Escalation{ObjectMeta: metav1.ObjectMeta{Name: "c-1-request-x", Namespace: ns},
		Spec: supportv1.EscalationSpec{ComplaintName: "c-1", Level: 1, Reason: supportv1.ReasonRequested, RequestedBy: "agent-bob", Question: "q"}}
	funcs := whoami(user)
	if patch != nil {
		funcs.Patch = func(context.Context, client.WithWatch, client.Object, client.Patch, ...client.PatchOption) error {
			return patch()
		}
	}
	cl := fake.NewClientBuilder().WithScheme(Scheme).WithObjects(c, e).WithInterceptorFuncs(funcs).Build()
	t.Setenv("KUBECONFIG", t.TempDir()+"/none")
	flags := genericclioptions.NewConfigFlags(true)
	flags.Namespace = &ns
	out := &bytes.Buffer{}
	return &Options{ConfigFlags: flags, IOStreams: genericiooptions.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: out}, client: cl}, out, cl
}

func runDesk(o *Options, args ...string) error {
	cmd := newRootCmd(o)
	cmd.SetArgs(args)
	cmd.SetOut(o.Out)
	cmd.SetErr(o.Out)
	return cmd.ExecuteContext(context.Background())
}

// approve, ack and decide record the caller as the API server
// authenticates them, whatever Options.By holds.
func TestApproveAckAndDecideRecordTheCaller(t *testing.T) {
	o, _, cl := approvalCluster(t, "lead-carol", nil)
	o.By = "someone-else" // never read by these commands
	for _, args := range [][]string{{"approve", "c-1"}, {"acknowledge", "c-1"}, {"decide", "c-1-request-x", "--decision", "yes"}} {
		if err := runDesk(o, args...); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	var c supportv1.Complaint
	if err := cl.Get(context.Background(), client.ObjectKey{Namespace: "support", Name: "c-1"}, &c); err != nil {
		t.Fatal(err)
	}
	if c.Spec.Resolution.ApprovedBy != "lead-carol" || c.Spec.Acknowledgement == nil || c.Spec.Acknowledgement.By != "lead-carol" {
		t.Errorf("approvedBy %q, acknowledgement %+v: want lead-carol", c.Spec.Resolution.ApprovedBy, c.Spec.Acknowledgement)
	}
	var e supportv1.Escalation
	if err := cl.Get(context.Background(), client.ObjectKey{Namespace: "support", Name: "c-1-request-x"}, &e); err != nil {
		t.Fatal(err)
	}
	if e.Spec.Acknowledgement == nil || e.Spec.Acknowledgement.By != "lead-carol" {
		t.Errorf("escalation acknowledgement %+v: want by lead-carol", e.Spec.Acknowledgement)
	}
}

func TestApproveAckAndDecideRefuseBy(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"approve", "c-1", "--by", "lead-carol"},
			"--by cannot name someone else for an approval: the API server records who approves (you, as kubectl auth whoami says)"},
		{[]string{"--by", "lead-carol", "approve", "c-1"}, "--by cannot name someone else for an approval"},
		{[]string{"ack", "c-1", "--by=agent-bob"},
			"--by cannot name someone else for an acknowledgement: the first response is recorded as the person who made it (you, as kubectl auth whoami says)"},
		{[]string{"decide", "c-1-request-x", "--decision", "yes", "--by", "lead-carol"},
			"--by cannot name someone else for a decision: the API server records who decides (you, as kubectl auth whoami says)"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			o, _, cl := approvalCluster(t, "agent-bob", nil)
			err := runDesk(o, tc.args...)
			if err == nil || err.Error() != tc.want && !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			var c supportv1.Complaint
			if err := cl.Get(context.Background(), client.ObjectKey{Namespace: "support", Name: "c-1"}, &c); err != nil {
				t.Fatal(err)
			}
			if c.Spec.Resolution.ApprovedBy != "" || c.Spec.Acknowledgement != nil {
				t.Error("the complaint was written")
			}
		})
	}
}

// Help offers --by only where it is read.
func TestHelpOffersByOnlyWhereItIsRead(t *testing.T) {
	for cmd, offered := range map[string]bool{"approve": false, "ack": false, "decide": false, "done": false, "failed": false, "new": true, "resolve": true, "escalate": true, "update": true} {
		o, out, _ := approvalCluster(t, "agent-bob", nil)
		if err := runDesk(o, cmd, "--help"); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(out.String(), "--by string"); got != offered {
			t.Errorf("kubectl desk %s --help offers --by: %v, want %v\n%s", cmd, got, offered, out)
		}
	}
}

// The admission policy's refusal reaches the person as the API server
// words it, said to be the policy's.
func TestApproveTellsTheAdmissionPolicysRefusal(t *testing.T) {
	msg := "spec.resolution.approvedBy must differ from spec.resolution.proposedBy (agent-bob): nobody approves their own proposal (you: agent-bob)"
	forbidden := func() error {
		return apierrors.NewForbidden(schema.GroupResource{Group: supportv1.GroupVersion.Group, Resource: "complaints"}, "c-1",
			&admissionDenied{"ValidatingAdmissionPolicy 'servicedesk-approvals' with binding 'servicedesk-approvals' denied request: " + msg})
	}
	o, _, _ := approvalCluster(t, "agent-bob", forbidden)
	err := runDesk(o, "approve", "c-1")
	want := "the admission policy servicedesk-approvals refused your approval of complaint c-1: " + msg
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	o, _, _ = approvalCluster(t, "agent-bob", forbidden)
	err = runDesk(o, "decide", "c-1-request-x", "--decision", "yes")
	if err == nil || !strings.HasPrefix(err.Error(), "the admission policy servicedesk-approvals refused your decision on escalation c-1-request-x: ") {
		t.Errorf("got %v", err)
	}

	rbac := func() error {
		return apierrors.NewForbidden(schema.GroupResource{Group: supportv1.GroupVersion.Group, Resource: "complaints"}, "c-1",
			&admissionDenied{`User "agent-bob" cannot patch resource "complaints"`})
	}
	o, _, _ = approvalCluster(t, "agent-bob", rbac)
	err = runDesk(o, "approve", "c-1")
	if err == nil || !strings.HasPrefix(err.Error(), "the API server refused your approval of complaint c-1: ") || !strings.Contains(err.Error(), "cannot patch") {
		t.Errorf("got %v", err)
	}
}

type admissionDenied struct{ msg string }

func (e *admissionDenied) Error() string { return e.msg }
