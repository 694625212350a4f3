package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/cmd/kubectl-desk/internal/desk"
)

// work is what a work command on one complaint does: check it, then build
// its patch. check may be nil.
type work struct {
	check func(ctx context.Context, c *supportv1.Complaint, by string) error
	patch func(c *supportv1.Complaint, by string) ([]byte, error)
	// self: by is the caller as the API server authenticates them (Self),
	// never --by.
	self bool
	// what names the write in a refusal, e.g. "your approval of"; empty:
	// "the change to".
	what string
}

// newWorkCmd builds a work command on one complaint (its first argument)
// that reports the operation done, e.g. acknowledged.
func newWorkCmd(o *Options, use, short, example, operation string, args cobra.PositionalArgs, w func() work) (*cobra.Command, *genericclioptions.PrintFlags) {
	pf := genericclioptions.NewPrintFlags(operation).WithTypeSetter(Scheme)
	cmd := &cobra.Command{
		Use:               use,
		Short:             short,
		Example:           example,
		Args:              args,
		ValidArgsFunction: o.completeComplaints,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.runWork(cmd.Context(), args[0], w())
			if err != nil {
				return err
			}
			return o.print(pf, c)
		},
	}
	pf.AddFlags(cmd)
	return cmd, pf
}

// runWork reads the complaint, checks, patches it with the field manager
// kubectl-desk and returns it as the API server answered.
func (o *Options) runWork(ctx context.Context, name string, w work) (*supportv1.Complaint, error) {
	c, err := o.getComplaint(ctx, name)
	if err != nil {
		return nil, err
	}
	who := o.Actor
	if w.self {
		who = o.Self
	}
	by, err := who(ctx)
	if err != nil {
		return nil, err
	}
	if w.check != nil {
		if err := w.check(ctx, c, by); err != nil {
			return nil, err
		}
	}
	data, err := w.patch(c, by)
	if err != nil {
		return nil, err
	}
	if err := o.patchComplaint(ctx, c, data, w.what); err != nil {
		return nil, err
	}
	return c, nil
}

// patchComplaint writes the merge patch data to complaint c with the field
// manager kubectl-desk; c becomes the complaint as the API server answered.
// what names the write in a refusal, e.g. "your approval of"; empty: "the
// change to".
func (o *Options) patchComplaint(ctx context.Context, c *supportv1.Complaint, data []byte, what string) error {
	cl, err := o.Client()
	if err != nil {
		return err
	}
	name := c.Name
	if err := cl.Patch(ctx, c, client.RawPatch(types.MergePatchType, data), client.FieldOwner(desk.FieldManager)); err != nil {
		switch {
		case apierrors.IsNotFound(err):
			return desk.NotFound("complaint", name, c.Namespace)
		case apierrors.IsConflict(err):
			return fmt.Errorf("complaint %s changed since it was read: look at it again (kubectl desk timeline %s) and run the command again", name, name)
		}
		if what == "" {
			what = "the change to"
		}
		return refused(err, what+" complaint "+name)
	}
	return nil
}

// refused is the error for a write the API server refused: what it refused
// (e.g. "your approval of complaint c-1") and why. An admission policy's
// refusal is told as such, with its message (which field, who you are, the
// rule); any other error is passed through.
func refused(err error, what string) error {
	if policy, reason, ok := desk.AdmissionRefusal(err.Error()); ok {
		return fmt.Errorf("the admission policy %s refused %s: %s", policy, what, reason)
	}
	return fmt.Errorf("the API server refused %s: %w", what, err)
}

// getComplaint reads a complaint of the current namespace.
func (o *Options) getComplaint(ctx context.Context, name string) (*supportv1.Complaint, error) {
	return getNamed(ctx, o, "complaint", name, &supportv1.Complaint{})
}

// getNamed reads the object of kind called name in the current namespace
// into obj; one not found is told as such (desk.NotFound).
func getNamed[T client.Object](ctx context.Context, o *Options, kind, name string, obj T) (T, error) {
	var zero T
	cl, err := o.Client()
	if err != nil {
		return zero, err
	}
	ns, err := o.Namespace()
	if err != nil {
		return zero, err
	}
	if err := cl.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return zero, desk.NotFound(kind, name, ns)
		}
		return zero, err
	}
	return obj, nil
}

// policyOf reads the ServicePolicy that governs c (status.policy); nil when
// none does or it cannot be read.
func (o *Options) policyOf(ctx context.Context, c *supportv1.Complaint) *supportv1.ServicePolicy {
	if c.Status.Policy == "" {
		return nil
	}
	cl, err := o.Client()
	if err != nil {
		return nil
	}
	p := &supportv1.ServicePolicy{}
	if err := cl.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: c.Status.Policy}, p); err != nil {
		return nil
	}
	return p
}

// print prints what a work command did: by default a line that names the
// object and the operation, escaped for the terminal (desk.EscapeLines);
// -o json, yaml and kubectl's other formats for programs print the object
// as it is.
func (o *Options) print(pf *genericclioptions.PrintFlags, obj client.Object) error {
	p, err := pf.ToPrinter()
	if err != nil {
		return err
	}
	if pf.OutputFormat != nil && *pf.OutputFormat != "" && *pf.OutputFormat != "name" {
		return p.PrintObj(obj, o.Out)
	}
	var b strings.Builder
	if err := p.PrintObj(obj, &b); err != nil {
		return err
	}
	_, err = io.WriteString(o.Out, desk.EscapeLines(b.String()))
	return err
}

func newAckCmd(o *Options) *cobra.Command {
	var note string
	cmd, _ := newWorkCmd(o, "ack NAME [--note TEXT]", "Record the first response, in your name: you contacted the customer",
		`  kubectl desk ack c-x7k2p --note "called back, collected the batch number"`, "acknowledged", cobra.ExactArgs(1),
		func() work {
			return work{self: true, what: "your acknowledgement of",
				patch: func(_ *supportv1.Complaint, by string) ([]byte, error) { return desk.AckPatch(by, note), nil }}
		})
	cmd.Aliases = []string{"acknowledge"}
	cmd.Long = `Record the first response: you contacted the customer. The acknowledgement
(spec.acknowledgement.by) names you as the API server authenticates you
(kubectl auth whoami); --by is refused.`
	cmd.Flags().StringVar(&note, "note", "", "what was said or collected")
	recordsCaller(cmd, "for an acknowledgement: the first response is recorded as the person who made it")
	return cmd
}

func newWaitOnCmd(o *Options) *cobra.Command {
	cmd, pf := newWorkCmd(o, "wait-on NAME customer|vendor|none", "Say who the complaint waits on (the policy may pause its clocks)",
		`  kubectl desk wait-on c-x7k2p customer
  kubectl desk wait-on c-x7k2p none`, "updated", cobra.ExactArgs(2), nil)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		w, err := desk.WaitingOn(args[1])
		if err != nil {
			return err
		}
		c, err := o.runWork(cmd.Context(), args[0], work{patch: func(*supportv1.Complaint, string) ([]byte, error) { return desk.WaitOnPatch(w), nil }})
		if err != nil {
			return err
		}
		return o.print(pf, c)
	}
	cmd.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) == 1 {
			return desk.WaitingOnValues, cobra.ShellCompDirectiveNoFileComp
		}
		return o.completeComplaints(cmd, args, toComplete)
	}
	return cmd
}

func newUpdateCmd(o *Options) *cobra.Command {
	var note string
	cmd, _ := newWorkCmd(o, "update NAME --note TEXT", "Record a progress update given to the customer (restarts the update clock)",
		`  kubectl desk update c-x7k2p --note "replacement shipped, arrives tomorrow"`, "updated", cobra.ExactArgs(1),
		func() work {
			return work{patch: func(_ *supportv1.Complaint, by string) ([]byte, error) { return desk.UpdatePatch(by, note), nil }}
		})
	cmd.Flags().StringVar(&note, "note", "", "what the customer was told (required)")
	_ = cmd.MarkFlagRequired("note")
	return cmd
}

func newResolveCmd(o *Options) *cobra.Command {
	var (
		r       desk.ResolveOptions
		actions []string
	)
	cmd, _ := newWorkCmd(o, "resolve NAME --summary TEXT --apologized --remedy TEXT --gesture KIND [--detail TEXT]",
		"Propose the resolution: apology, remedy and a tangible gesture",
		`  kubectl desk resolve c-x7k2p --summary "Delivered overnight by courier" --apologized \
    --remedy "Overnight delivery at our cost" --gesture Discount --detail "15% off the next order"
  kubectl desk resolve c-x7k2p --summary "Replaced and refunded" --apologized --gesture Discount --value 15% \
    --action "reship=warehouse:Reship:right item, overnight" --action "refund=billing:Refund:delivery fee"`, "resolved", cobra.ExactArgs(1),
		func() work {
			return work{
				check: func(ctx context.Context, c *supportv1.Complaint, _ string) error {
					return desk.CheckResolve(c, o.policyOf(ctx, c), r.Apologized)
				},
				patch: func(_ *supportv1.Complaint, by string) ([]byte, error) {
					opts := r
					opts.By = by
					return desk.ResolvePatch(opts), nil
				},
			}
		})
	f := cmd.Flags()
	f.StringVar(&r.Summary, "summary", "", "how the problem was solved (required)")
	f.BoolVar(&r.Apologized, "apologized", false, "the customer received an apology")
	f.StringVar(&r.Remedy, "remedy", "", "what was done to solve the problem")
	f.StringVar(&r.Gesture, "gesture", "", "kind of tangible gesture: one of "+joinComma(desk.GestureKinds)+" (default: the policy's for the category)")
	f.StringVar(&r.Detail, "detail", "", "what exactly the gesture offers, e.g. \"15% off the next order\"")
	f.StringVar(&r.Value, "value", "", "the gesture's value: a percent of the order (15%) or an amount and its currency (25EUR); above the policy's approvalAbove, a lead approves")
	f.StringVar(&r.Fault, "fault", "", "the company's fault: None, Partial or Full (the policy's default gesture may depend on it)")
	f.StringVar(&r.Decline, "decline", "", "decline the demand, for this reason told to the customer (where the policy allows it; a lead approves it; no gesture)")
	f.StringArrayVar(&actions, "action", nil, "what a department carries out once the resolution is accepted, NAME=DEPARTMENT:KIND[:DETAIL] (KIND one of "+
		joinComma(desk.RemedyKinds)+"), e.g. \"reship=warehouse:Reship:right item, overnight\"; repeat for each")
	_ = cmd.MarkFlagRequired("summary")
	cmd.MarkFlagsMutuallyExclusive("decline", "gesture")
	cmd.MarkFlagsMutuallyExclusive("decline", "action")
	_ = cmd.RegisterFlagCompletionFunc("gesture", fixedCompletion(desk.GestureKinds))
	run := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		var err error
		if r.Actions, err = desk.ParseActions(actions); err != nil {
			return err
		}
		if r.Value != "" {
			if r.Gesture == "" {
				return fmt.Errorf("--value is the gesture's value: name the gesture with --gesture KIND")
			}
			if _, err := desk.ParseGestureValue(r.Value); err != nil {
				return err
			}
		}
		if r.Fault != "" {
			f, err := desk.Enum("company fault", r.Fault, []string{string(supportv1.FaultNone), string(supportv1.FaultPartial), string(supportv1.FaultFull)})
			if err != nil {
				return err
			}
			r.Fault = f
		}
		if r.Gesture != "" {
			g, err := desk.Enum("gesture kind", r.Gesture, desk.GestureKinds)
			if err != nil {
				return err
			}
			r.Gesture = g
		} else if r.Detail != "" {
			return fmt.Errorf("--detail describes a gesture: name its kind with --gesture (one of %s)", joinComma(desk.GestureKinds))
		}
		return run(cmd, args)
	}
	return cmd
}

func newApproveCmd(o *Options) *cobra.Command {
	cmd, _ := newWorkCmd(o, "approve NAME", "Approve the proposed resolution, in your name (a lead, when the policy requires approval)",
		`  kubectl desk approve c-x7k2p`, "approved", cobra.ExactArgs(1),
		func() work {
			return work{self: true, what: "your approval of",
				check: func(_ context.Context, c *supportv1.Complaint, _ string) error { return desk.CheckApprove(c) },
				patch: func(c *supportv1.Complaint, by string) ([]byte, error) {
					return desk.ApprovePatch(by, c.ResourceVersion), nil
				},
			}
		})
	cmd.Long = `Approve the proposed resolution of a complaint that is PendingApproval.
The approval (spec.resolution.approvedBy) names you as the API server
authenticates you (kubectl auth whoami); --by is refused. Where the
admission policy servicedesk-approvals is installed, the API server refuses
an approval of your own proposal, and one by someone the governing policy's
recovery.approvers does not name; its message is printed as it is.`
	recordsCaller(cmd, "for an approval: the API server records who approves")
	return cmd
}

func newAgreeCmd(o *Options) *cobra.Command {
	var (
		declined bool
		note     string
	)
	cmd, pf := newWorkCmd(o, "agree NAME [--declined] [--note TEXT]",
		"Record the customer's answer to the proposed resolution (where the policy requires their agreement)",
		`  kubectl desk agree c-x7k2p --note "a courier tonight is fine"
  kubectl desk agree c-x7k2p --declined --note "wants a refund, not a replacement"`, "agreement recorded", cobra.ExactArgs(1), nil)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := o.runWork(cmd.Context(), args[0], work{
			check: func(_ context.Context, c *supportv1.Complaint, _ string) error { return desk.CheckAgreement(c) },
			patch: func(_ *supportv1.Complaint, by string) ([]byte, error) {
				return desk.AgreementPatch(!declined, by, note), nil
			},
		})
		if err != nil {
			return err
		}
		return o.print(pf, c)
	}
	f := cmd.Flags()
	f.BoolVar(&declined, "declined", false, "the customer declines the proposal (the complaint goes back into work)")
	f.StringVar(&note, "note", "", "what the customer said")
	return cmd
}

func newFeedbackCmd(o *Options) *cobra.Command {
	var (
		satisfaction int32
		comment      string
		accepted     bool
	)
	cmd, pf := newWorkCmd(o, "feedback NAME --satisfaction 1-5 [--comment TEXT]",
		"Record the customer's answer to the follow-up (a low score reopens the complaint)",
		`  kubectl desk feedback c-x7k2p --satisfaction 5 --comment "thanks, all good"`, "feedback recorded", cobra.ExactArgs(1), nil)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := desk.CheckSatisfaction(satisfaction); err != nil {
			return err
		}
		var acc *bool
		if cmd.Flags().Changed("accepted") {
			acc = &accepted
		}
		c, err := o.runWork(cmd.Context(), args[0], work{
			check: func(_ context.Context, c *supportv1.Complaint, _ string) error { return desk.CheckFeedback(c) },
			patch: func(*supportv1.Complaint, string) ([]byte, error) {
				return desk.FeedbackPatch(satisfaction, comment, acc), nil
			},
		})
		if err != nil {
			return err
		}
		return o.print(pf, c)
	}
	f := cmd.Flags()
	f.Int32Var(&satisfaction, "satisfaction", 0, "satisfaction from 1 (very unhappy) to 5 (very happy) (required)")
	f.StringVar(&comment, "comment", "", "the customer's comment")
	f.BoolVar(&accepted, "accepted", false, "whether the customer accepts the resolution (unsaid unless given)")
	_ = cmd.MarkFlagRequired("satisfaction")
	return cmd
}
