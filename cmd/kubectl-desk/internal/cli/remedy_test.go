package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// remedyCluster is a fake cluster where user is logged in, with the
// remedies c-1-reship (warehouse, pending, due in an hour), c-1-refund
// (billing, done) and c-2-voucher (billing, cancelled); funcs, when not
// nil, answers every patch (it may call the fake client).
func remedyCluster(t *testing.T, user string, patch func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error) (*Options, *bytes.Buffer, client.Client) {
	t.Helper()
	ns := "support"
	now := time.Now().Truncate(time.Second)
	mk := func(name, complaint, department string, kind supportv1.RemedyKind, phase supportv1.RemedyPhase, due time.Duration) *supportv1.Remedy {
		dueAt := metav1.NewTime(now.Add(due))
		return &supportv1.Remedy{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: supportv1.RemedySpec{ComplaintName: complaint, Action: strings.TrimPrefix(name, complaint+"-"), Department: department, Kind: kind,
				Detail: "right item", RequestedAt: metav1.NewTime(now.Add(-time.Hour))},
			Status: supportv1.RemedyStatus{Phase: phase, Clock: supportv1.ClockStatus{State: supportv1.ClockRunning, DueAt: &dueAt}}}
	}
	refund := mk("c-1-refund", "c-1", "billing", supportv1.RemedyRefund, supportv1.RemedyDone, -time.Hour)
	refund.Spec.Fulfilment = &supportv1.Fulfilment{Outcome: supportv1.FulfilmentDone, By: "billing-bot", Reference: "CN-7"}
	refund.Status.Clock.State = supportv1.ClockMet
	funcs := whoami(user)
	funcs.Patch = patch
	cl := fake.NewClientBuilder().WithScheme(Scheme).
		WithObjects(mk("c-1-reship", "c-1", "warehouse", supportv1.RemedyReship, supportv1.RemedyPending, time.Hour), refund,
			mk("c-2-voucher", "c-2", "billing", supportv1.RemedyVoucher, supportv1.RemedyCancelled, 2*time.Hour)).
		WithStatusSubresource(&supportv1.Remedy{}).
		WithInterceptorFuncs(funcs).Build()
	t.Setenv("KUBECONFIG", t.TempDir()+"/none")
	flags := genericclioptions.NewConfigFlags(true)
	flags.Namespace = &ns
	out := &bytes.Buffer{}
	return &Options{ConfigFlags: flags, IOStreams: genericiooptions.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: out}, client: cl}, out, cl
}

func getRemedy(t *testing.T, cl client.Client, name string) *supportv1.Remedy {
	t.Helper()
	r := &supportv1.Remedy{}
	if err := cl.Get(context.Background(), client.ObjectKey{Namespace: "support", Name: name}, r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRemediesCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string // the rows' names, in order
	}{
		{[]string{"remedies"}, []string{"c-1-refund", "c-2-voucher", "c-1-reship"}},
		{[]string{"remedies", "--pending"}, []string{"c-1-reship"}},
		{[]string{"remedies", "--department", "billing"}, []string{"c-1-refund", "c-2-voucher"}},
		{[]string{"remedies", "--complaint", "c-1", "-A"}, []string{"c-1-refund", "c-1-reship"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			o, out, _ := remedyCluster(t, "warehouse-wendy", nil)
			if err := runDesk(o, tc.args...); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			var names []string
			for _, l := range lines[1:] {
				f := strings.Fields(l)
				if f[0] == "support" {
					f = f[1:]
				}
				names = append(names, f[0])
			}
			if strings.Join(names, " ") != strings.Join(tc.want, " ") {
				t.Errorf("rows %v, want %v\n%s", names, tc.want, out)
			}
		})
	}

	o, out, _ := remedyCluster(t, "warehouse-wendy", nil)
	if err := runDesk(o, "remedies", "--department", "marketing"); err != nil || out.String() != "No remedies.\n" {
		t.Errorf("no remedies: %v %q", err, out)
	}
	o, out, _ = remedyCluster(t, "warehouse-wendy", nil)
	if err := runDesk(o, "remedies", "-o", "json", "--pending"); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Items []struct {
			Name, Department, Clock string
			Left                    *int64
		}
	}
	if err := json.Unmarshal(out.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].Name != "c-1-reship" || list.Items[0].Department != "warehouse" || list.Items[0].Left == nil {
		t.Errorf("json: %s", out)
	}
	o, _, _ = remedyCluster(t, "warehouse-wendy", nil)
	if err := runDesk(o, "remedies", "-o", "xml"); err == nil || !strings.Contains(err.Error(), `unknown output format "xml"`) {
		t.Errorf("got %v", err)
	}
}

// done and failed record the caller as the API server authenticates them,
// bound to the version read.
func TestDoneAndFailedRecordTheCaller(t *testing.T) {
	var patches []string
	record := func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
		data, _ := p.Data(obj)
		patches = append(patches, string(data))
		return c.Patch(ctx, obj, p, opts...)
	}
	o, out, cl := remedyCluster(t, "warehouse-wendy", record)
	o.By = "someone-else" // never read
	if err := runDesk(o, "done", "c-1-reship", "--reference", "TRACK-1", "--note", "shipped"); err != nil {
		t.Fatal(err)
	}
	if out.String() != "remedy.support.servicedesk.dev/c-1-reship reported done\n" {
		t.Errorf("printed %q", out)
	}
	got := getRemedy(t, cl, "c-1-reship").Spec.Fulfilment
	if got == nil || *got != (supportv1.Fulfilment{Outcome: supportv1.FulfilmentDone, By: "warehouse-wendy", Note: "shipped", Reference: "TRACK-1"}) {
		t.Errorf("fulfilment %+v", got)
	}
	if len(patches) != 1 || !strings.Contains(patches[0], `"resourceVersion":"`) {
		t.Errorf("the patch is not bound to the version read: %v", patches)
	}

	o, out, cl = remedyCluster(t, "warehouse-wendy", nil)
	if err := runDesk(o, "failed", "c-1-reship", "--reason", "out of stock", "-o", "name"); err != nil {
		t.Fatal(err)
	}
	if out.String() != "remedy.support.servicedesk.dev/c-1-reship\n" {
		t.Errorf("printed %q", out)
	}
	got = getRemedy(t, cl, "c-1-reship").Spec.Fulfilment
	if got == nil || *got != (supportv1.Fulfilment{Outcome: supportv1.FulfilmentFailed, By: "warehouse-wendy", Note: "out of stock"}) {
		t.Errorf("fulfilment %+v", got)
	}
}

func TestDoneAndFailedRefuse(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"done", "c-1-reship", "--by", "warehouse-bot"},
			"--by cannot name someone else for a remedy's report: it is recorded as the person who carried it out (you, as kubectl auth whoami says)"},
		{[]string{"--by", "warehouse-bot", "failed", "c-1-reship", "--reason", "x"}, "--by cannot name someone else for a remedy's report"},
		{[]string{"failed", "c-1-reship"}, `required flag(s) "reason" not set`},
		{[]string{"failed", "c-1-reship", "--reason", " "}, "--reason is empty: say why remedy c-1-reship could not be carried out"},
		{[]string{"done", "c-1-refund"}, "remedy c-1-refund already has its report (spec.fulfilment: Done by billing-bot, reference CN-7), and a report is final once recorded"},
		{[]string{"failed", "c-2-voucher", "--reason", "x"}, "remedy c-2-voucher is Cancelled (status.phase): its resolution was set aside"},
		{[]string{"done", "c-9-nope"}, `remedy "c-9-nope" not found in namespace "support": list the remedies with kubectl desk remedies`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			o, _, cl := remedyCluster(t, "warehouse-wendy", nil)
			err := runDesk(o, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if f := getRemedy(t, cl, "c-1-reship").Spec.Fulfilment; f != nil {
				t.Errorf("c-1-reship was written: %+v", f)
			}
		})
	}
}

// A write of someone else between the read and the patch: a status write
// of the operator is read again and the report written; a report recorded
// meanwhile is refused, never overwritten.
func TestDoneMeetsAConcurrentWrite(t *testing.T) {
	concurrent := func(write func(context.Context, client.WithWatch, *supportv1.Remedy) error) func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
		first := true
		return func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
			if first {
				first = false
				r := &supportv1.Remedy{}
				if err := c.Get(ctx, client.ObjectKeyFromObject(obj), r); err != nil {
					return err
				}
				if err := write(ctx, c, r); err != nil {
					return err
				}
			}
			return c.Patch(ctx, obj, p, opts...)
		}
	}
	t.Run("the operator's status write", func(t *testing.T) {
		o, _, cl := remedyCluster(t, "warehouse-wendy", concurrent(func(ctx context.Context, c client.WithWatch, r *supportv1.Remedy) error {
			r.Status.Clock.State = supportv1.ClockBreached
			return c.Status().Update(ctx, r)
		}))
		if err := runDesk(o, "done", "c-1-reship"); err != nil {
			t.Fatal(err)
		}
		r := getRemedy(t, cl, "c-1-reship")
		if r.Spec.Fulfilment == nil || r.Spec.Fulfilment.By != "warehouse-wendy" || r.Status.Clock.State != supportv1.ClockBreached {
			t.Errorf("remedy %+v %+v", r.Spec.Fulfilment, r.Status.Clock)
		}
	})
	t.Run("another report", func(t *testing.T) {
		o, _, cl := remedyCluster(t, "warehouse-wendy", concurrent(func(ctx context.Context, c client.WithWatch, r *supportv1.Remedy) error {
			r.Spec.Fulfilment = &supportv1.Fulfilment{Outcome: supportv1.FulfilmentFailed, By: "warehouse-bot", Note: "no stock"}
			return c.Update(ctx, r)
		}))
		err := runDesk(o, "done", "c-1-reship")
		if err == nil || !strings.Contains(err.Error(), "already has its report (spec.fulfilment: Failed by warehouse-bot)") {
			t.Fatalf("got %v", err)
		}
		if f := getRemedy(t, cl, "c-1-reship").Spec.Fulfilment; f.By != "warehouse-bot" {
			t.Errorf("the other report was overwritten: %+v", f)
		}
	})
}

func TestCompleteRemedies(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"done", ""}, "c-1-reship\twarehouse Reship right item\n:4\n"},
		{[]string{"remedies", "--department", ""}, "billing\nwarehouse\n:4\n"},
		{[]string{"remedies", "--complaint", "c-2"}, "c-2\n:4\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			o, out, _ := remedyCluster(t, "warehouse-wendy", nil)
			root := newRootCmd(o)
			root.SetArgs(append([]string{cobra.ShellCompRequestCmd}, tc.args...))
			root.SetOut(out)
			root.SetErr(&bytes.Buffer{})
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.want {
				t.Errorf("got %q, want %q", out, tc.want)
			}
		})
	}
}
