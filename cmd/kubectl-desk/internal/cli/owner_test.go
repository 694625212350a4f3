package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// deskCluster is a fake cluster of the namespace support where the API
// server says the caller is whoami ("": it does not say), with complaints
// c-new (nobody owns it), c-bob (agent-bob owns it, Acknowledged) and
// c-closed; funcs intercept the client's calls.
type deskCluster struct {
	o      *Options
	out    *bytes.Buffer
	client client.WithWatch
}

func newDeskCluster(t *testing.T, whoami string, funcs interceptor.Funcs) *deskCluster {
	t.Helper()
	ns := "support"
	created := metav1.NewTime(time.Now().Add(-time.Hour).Truncate(time.Second))
	complaint := func(name, owner string, phase supportv1.Phase, channel supportv1.Channel) *supportv1.Complaint {
		c := &supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, CreationTimestamp: created}}
		c.Spec = supportv1.ComplaintSpec{Customer: supportv1.Customer{Name: "Acme", Tier: supportv1.TierStandard},
			Category: supportv1.CategoryMissedDeadline, Summary: "late", Owner: owner, Channel: channel, RecordedBy: "front-desk"}
		c.Status.Phase = phase
		return c
	}
	closed := complaint("c-closed", "agent-bob", supportv1.PhaseClosed, "Email")
	closed.Spec.Feedback = &supportv1.Feedback{Satisfaction: ptr.To[int32](4)}
	if funcs.Create == nil {
		funcs.Create = func(ctx context.Context, cl client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			if r, ok := obj.(*authenticationv1.SelfSubjectReview); ok {
				r.Status.UserInfo.Username = whoami
				return nil
			}
			return cl.Create(ctx, obj, opts...)
		}
	}
	cl := fake.NewClientBuilder().WithScheme(Scheme).
		WithObjects(complaint("c-new", "", supportv1.PhaseNew, ""), complaint("c-bob", "agent-bob", supportv1.PhaseAcknowledged, "Phone"), closed).
		WithInterceptorFuncs(funcs).Build()
	t.Setenv("KUBECONFIG", t.TempDir()+"/none")
	flags := genericclioptions.NewConfigFlags(true)
	flags.Namespace = &ns
	out := &bytes.Buffer{}
	return &deskCluster{o: &Options{ConfigFlags: flags, IOStreams: genericiooptions.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: out}, client: cl},
		out: out, client: cl}
}

// run runs kubectl desk with args; it returns what it printed and its error.
func (d *deskCluster) run(args ...string) (string, error) {
	d.out.Reset()
	cmd := newRootCmd(d.o)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return d.out.String(), err
}

func (d *deskCluster) get(t *testing.T, name string) *supportv1.Complaint {
	t.Helper()
	c := &supportv1.Complaint{}
	if err := d.client.Get(context.Background(), client.ObjectKey{Namespace: "support", Name: name}, c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTakeAndAssign(t *testing.T) {
	for _, tc := range []struct {
		name    string
		whoami  string
		args    []string
		out     string // exactly, when the command succeeds
		err     string // a piece of the error
		owner   string // spec.owner of args[1] afterwards
		written bool   // whether the complaint was written
	}{
		{"take an unowned complaint", "agent-dan", []string{"take", "c-new"}, "complaint c-new: owner (none) → agent-dan\n", "", "agent-dan", true},
		{"take from a colleague", "agent-dan", []string{"take", "c-bob"}, "complaint c-bob: owner agent-bob → agent-dan\n", "", "agent-dan", true},
		{"take what is yours already", "agent-bob", []string{"take", "c-bob"}, "complaint c-bob: owner agent-bob (unchanged)\n", "", "agent-bob", false},
		{"take refuses --by", "agent-dan", []string{"take", "c-new", "--by", "lead-carol"}, "",
			"take makes you the owner, as the API server knows you: --by does not apply; to make someone else the owner, run kubectl desk assign c-new --to USER", "", false},
		{"take when the API server does not say who you are", "", []string{"take", "c-new"}, "",
			"the API server did not say who you are: take needs it to make you the owner; to name the owner yourself, run kubectl desk assign c-new --to USER", "", false},
		{"take a closed complaint", "agent-dan", []string{"take", "c-closed"}, "", "complaint c-closed is Closed (owner agent-bob): a closed complaint gets no new owner", "agent-bob", false},
		{"take prints the object with -o name", "agent-dan", []string{"take", "c-new", "-o", "name"}, "complaint.support.servicedesk.dev/c-new\n", "", "agent-dan", true},
		{"assign", "", []string{"assign", "c-bob", "--to", "agent-dan"}, "complaint c-bob: owner agent-bob → agent-dan\n", "", "agent-dan", true},
		{"assign an unowned complaint", "", []string{"assign", "c-new", "--to", "agent-dan"}, "complaint c-new: owner (none) → agent-dan\n", "", "agent-dan", true},
		{"assign the owner it has", "", []string{"assign", "c-bob", "--to", "agent-bob"}, "complaint c-bob: owner agent-bob (unchanged)\n", "", "agent-bob", false},
		{"assign without --to", "", []string{"assign", "c-bob"}, "", `required flag(s) "to" not set`, "agent-bob", false},
		{"assign to nobody", "", []string{"assign", "c-bob", "--to", " "}, "", "the new owner is empty", "agent-bob", false},
		{"assign refuses --by", "", []string{"assign", "c-bob", "--to", "agent-dan", "--by", "lead-carol"}, "", "assign records only the new owner (--to), not who assigned: --by does not apply", "agent-bob", false},
		{"assign a closed complaint", "", []string{"assign", "c-closed", "--to", "agent-dan"}, "", "complaint c-closed is Closed", "agent-bob", false},
		{"assign a complaint that does not exist", "", []string{"assign", "c-nope", "--to", "agent-dan"}, "", `complaint "c-nope" not found in namespace "support"`, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDeskCluster(t, tc.whoami, interceptor.Funcs{})
			target := tc.args[1]
			var before *supportv1.Complaint
			if target != "c-nope" {
				before = d.get(t, target)
			}
			out, err := d.run(tc.args...)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("error: %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("error %v, want one holding %q", err, tc.err)
			case tc.err == "" && out != tc.out:
				t.Errorf("printed %q, want %q", out, tc.out)
			case tc.err != "" && out != "":
				t.Errorf("printed besides the error: %q", out)
			}
			if before == nil {
				return
			}
			after := d.get(t, target)
			if after.Spec.Owner != tc.owner && !(tc.owner == "" && after.Spec.Owner == before.Spec.Owner) {
				t.Errorf("spec.owner %q, want %q", after.Spec.Owner, tc.owner)
			}
			if written := after.ResourceVersion != before.ResourceVersion; written != tc.written {
				t.Errorf("written: %v, want %v", written, tc.written)
			}
			// Only spec.owner changes.
			before.Spec.Owner = after.Spec.Owner
			if b, a := mustJSON(t, before.Spec), mustJSON(t, after.Spec); b != a {
				t.Errorf("more than spec.owner changed:\nbefore %s\nafter  %s", b, a)
			}
		})
	}
}

// TestTakeBoundToVersionRead: a complaint changed between the read and the
// write (a colleague took it meanwhile) is not taken over unseen.
func TestTakeBoundToVersionRead(t *testing.T) {
	d := newDeskCluster(t, "agent-dan", interceptor.Funcs{
		Get: func(ctx context.Context, cl client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if err := cl.Get(ctx, key, obj, opts...); err != nil {
				return err
			}
			// A colleague takes it just after the plugin read it.
			fresh := obj.DeepCopyObject().(client.Object)
			fresh.(*supportv1.Complaint).Spec.Owner = "agent-eve"
			return cl.Update(ctx, fresh)
		},
	})
	_, err := d.run("take", "c-new")
	if err == nil || !strings.Contains(err.Error(), "complaint c-new changed since it was read: look at it again (kubectl desk timeline c-new) and run the command again") {
		t.Fatalf("error %v, want a conflict", err)
	}
	if c := d.get(t, "c-new"); c.Spec.Owner != "agent-eve" {
		t.Errorf("spec.owner %q, want the colleague's agent-eve kept", c.Spec.Owner)
	}
}

func TestBoardUnownedCmd(t *testing.T) {
	d := newDeskCluster(t, "agent-bob", interceptor.Funcs{})
	out, err := d.run("board", "--unowned")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "c-new") || strings.Contains(out, "c-bob") || strings.Contains(out, "c-closed") {
		t.Errorf("board --unowned shows more or less than c-new:\n%s", out)
	}
	if _, err := d.run("board", "--unowned", "--mine"); err == nil || !strings.Contains(err.Error(), "--mine and --unowned exclude each other") {
		t.Errorf("board --unowned --mine: %v, want a refusal", err)
	}
	out, err = d.run("board", "--mine")
	if err != nil || !strings.Contains(out, "c-bob") || strings.Contains(out, "c-new") {
		t.Errorf("board --mine: %v\n%s", err, out)
	}
}

func TestReportBy(t *testing.T) {
	d := newDeskCluster(t, "agent-bob", interceptor.Funcs{})
	out, err := d.run("report", "--by", "Owner")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{", by owner\n", "\nOWNER       COMPLAINTS   RESPONSE P50", "\nagent-bob   2  ", "\n(unowned)   1  "} {
		if !strings.Contains(out, want) {
			t.Errorf("report --by owner lacks %q:\n%s", want, out)
		}
	}
	out, err = d.run("report", "--by", "channel", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		By     string `json:"by"`
		Groups []struct {
			Name             string   `json:"name"`
			Complaints       int      `json:"complaints"`
			MeanSatisfaction *float64 `json:"meanSatisfaction"`
		} `json:"groups"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	var got []string
	for _, g := range r.Groups {
		got = append(got, g.Name)
	}
	if r.By != "channel" || strings.Join(got, " ") != "Phone Email (unknown)" || r.Groups[1].MeanSatisfaction == nil || *r.Groups[1].MeanSatisfaction != 4 {
		t.Errorf("report --by channel -o json: %s", out)
	}
	if _, err := d.run("report", "--by", "colour"); err == nil || !strings.Contains(err.Error(), `unknown grouping "colour": valid values are owner, channel, tier, category`) {
		t.Errorf("report --by colour: %v", err)
	}
	// Without --by the report is the whole period's, as before.
	out, err = d.run("report")
	if err != nil || !strings.Contains(out, "CATEGORY         COMPLAINTS") || strings.Contains(out, "by owner") {
		t.Errorf("report: %v\n%s", err, out)
	}
}

func TestOwnerCompletion(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"take completes complaint names", []string{cobra.ShellCompRequestCmd, "take", "c-"}, "c-bob\tAcknowledged late\nc-closed\tClosed late\nc-new\tNew late\n:4\n"},
		{"assign completes complaint names", []string{cobra.ShellCompRequestCmd, "assign", "c-n"}, "c-new\tNew late\n:4\n"},
		{"assign --to completes the owners", []string{cobra.ShellCompRequestCmd, "assign", "c-new", "--to", ""}, "agent-bob\n:4\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDeskCluster(t, "agent-bob", interceptor.Funcs{})
			cmd := newRootCmd(d.o)
			cmd.SetArgs(tc.args)
			cmd.SetOut(d.out)
			cmd.SetErr(&bytes.Buffer{})
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			if got, _, _ := strings.Cut(d.out.String(), "Completion ended"); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
