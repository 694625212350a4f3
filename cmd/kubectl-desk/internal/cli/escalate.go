package cli

import (
	"fmt"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/cmd/kubectl-desk/internal/desk"
)

func newEscalateCmd(o *Options) *cobra.Command {
	var (
		question string
		level    int32
	)
	pf := genericclioptions.NewPrintFlags("created").WithTypeSetter(Scheme)
	cmd := &cobra.Command{
		Use:               "escalate NAME --question TEXT [--level N]",
		Short:             "Ask a lead for a decision beyond your authority (a Requested escalation); prints its name",
		Example:           `  kubectl desk escalate c-x7k2p --question "May we refund the delivery fee as well?"`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: o.completeComplaints,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if level < 1 {
				return fmt.Errorf("--level %d: levels of the ladder count from 1", level)
			}
			c, err := o.getComplaint(ctx, args[0])
			if err != nil {
				return err
			}
			by, err := o.Actor(ctx)
			if err != nil {
				return err
			}
			esc, err := desk.RequestedEscalation(c, o.policyOf(ctx, c), level, by, question)
			if err != nil {
				return err
			}
			cl, _ := o.Client()
			if err := cl.Create(ctx, esc, client.FieldOwner(desk.FieldManager)); err != nil {
				return refused(err, "the escalation")
			}
			if pf.OutputFormat == nil || *pf.OutputFormat == "" {
				_, err := fmt.Fprintln(o.Out, desk.Escape(esc.Name))
				return err
			}
			return o.print(pf, esc)
		},
	}
	pf.AddFlags(cmd)
	cmd.Flags().StringVar(&question, "question", "", "the decision you need (required)")
	cmd.Flags().Int32Var(&level, "level", 1, "level of the policy's ladder to ask")
	_ = cmd.MarkFlagRequired("question")
	return cmd
}

func newDecideCmd(o *Options) *cobra.Command {
	var decision string
	pf := genericclioptions.NewPrintFlags("decided").WithTypeSetter(Scheme)
	cmd := &cobra.Command{
		Use:   "decide ESCALATION --decision TEXT",
		Short: "Acknowledge an escalation with your decision, in your name (a lead)",
		Long: `Acknowledge an escalation with your decision. The acknowledgement
(spec.acknowledgement.by) names you as the API server authenticates you
(kubectl auth whoami); --by is refused, and where the admission policy
servicedesk-approvals is installed the API server refuses any other name.`,
		Example:           `  kubectl desk decide c-x7k2p-request-4fj9q --decision "yes, refund it"`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: o.completeEscalations,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cl, err := o.Client()
			if err != nil {
				return err
			}
			ns, err := o.Namespace()
			if err != nil {
				return err
			}
			esc := &supportv1.Escalation{}
			if err := cl.Get(ctx, client.ObjectKey{Namespace: ns, Name: args[0]}, esc); err != nil {
				if apierrors.IsNotFound(err) {
					return desk.NotFound("escalation", args[0], ns)
				}
				return err
			}
			if err := desk.CheckDecide(esc); err != nil {
				return err
			}
			by, err := o.Self(ctx)
			if err != nil {
				return err
			}
			if err := cl.Patch(ctx, esc, client.RawPatch(types.MergePatchType, desk.DecidePatch(by, decision)), client.FieldOwner(desk.FieldManager)); err != nil {
				return refused(err, "your decision on escalation "+args[0])
			}
			return o.print(pf, esc)
		},
	}
	pf.AddFlags(cmd)
	cmd.Flags().StringVar(&decision, "decision", "", "what you decided (required)")
	_ = cmd.MarkFlagRequired("decision")
	recordsCaller(cmd, "for a decision: the API server records who decides")
	return cmd
}
