package cli

import (
	"context"
	"fmt"
	"sort"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/cmd/kubectl-desk/internal/desk"
)

// take and assign write spec.owner and nothing else; the operator tells
// each change of owner in the complaint's history (OwnerChanged, by the
// new owner). Neither records who ran it, so --by has nothing to name:
// both refuse it rather than let it look as if it counted.

func newTakeCmd(o *Options) *cobra.Command {
	pf := genericclioptions.NewPrintFlags("taken").WithTypeSetter(Scheme)
	cmd := &cobra.Command{
		Use:   "take NAME",
		Short: "Become the complaint's owner (you, as the API server knows you)",
		Long: `take makes you the one person responsible for the complaint: spec.owner
becomes your user name as the API server knows you (kubectl auth whoami).
--by does not apply: to make someone else the owner, use kubectl desk assign.`,
		Example: `  kubectl desk take c-x7k2p
  # complaint c-x7k2p: owner (none) → agent-bob`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: o.completeComplaints,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("by") {
				return fmt.Errorf("take makes you the owner, as the API server knows you: --by does not apply; to make someone else the owner, run kubectl desk assign %s --to USER", args[0])
			}
			me, err := o.whoami(cmd.Context())
			if err != nil {
				return fmt.Errorf("%w: take needs it to make you the owner; to name the owner yourself, run kubectl desk assign %s --to USER", err, args[0])
			}
			return o.setOwner(cmd.Context(), pf, args[0], me)
		},
	}
	pf.AddFlags(cmd)
	return cmd
}

func newAssignCmd(o *Options) *cobra.Command {
	var to string
	pf := genericclioptions.NewPrintFlags("assigned").WithTypeSetter(Scheme)
	cmd := &cobra.Command{
		Use:   "assign NAME --to USER",
		Short: "Make USER the complaint's owner (the one person responsible)",
		Example: `  kubectl desk assign c-x7k2p --to agent-dan
  # complaint c-x7k2p: owner agent-bob → agent-dan`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: o.completeComplaints,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("by") {
				return fmt.Errorf("assign records only the new owner (--to), not who assigned: --by does not apply")
			}
			return o.setOwner(cmd.Context(), pf, args[0], to)
		},
	}
	pf.AddFlags(cmd)
	cmd.Flags().StringVar(&to, "to", "", "the user name of the new owner (required)")
	_ = cmd.MarkFlagRequired("to")
	_ = cmd.RegisterFlagCompletionFunc("to", o.completeOwners)
	return cmd
}

// setOwner makes owner the owner of complaint name, bound to the version
// read (desk.OwnerPatch), and prints the change: the old and the new owner,
// or with -o the complaint as the API server answered. An owner it
// already has is not written again.
func (o *Options) setOwner(ctx context.Context, pf *genericclioptions.PrintFlags, name, owner string) error {
	c, err := o.getComplaint(ctx, name)
	if err != nil {
		return err
	}
	if err := desk.CheckOwner(c, owner); err != nil {
		return err
	}
	from := c.Spec.Owner
	if from != owner {
		if err := o.patchComplaint(ctx, c, desk.OwnerPatch(owner, c.ResourceVersion), "the change of owner of"); err != nil {
			return err
		}
	}
	if pf.OutputFormat != nil && *pf.OutputFormat != "" {
		return o.print(pf, c)
	}
	_, err = fmt.Fprintln(o.Out, desk.Escape(desk.OwnerLine(c.Name, from, owner)))
	return err
}

// completeOwners completes --to with the owners of the namespace's
// complaints.
func (o *Options) completeOwners(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return o.completeNames(cmd, &supportv1.ComplaintList{}, toComplete, func(l client.ObjectList) []cobra.Completion {
		seen := map[string]bool{}
		var out []cobra.Completion
		for _, c := range l.(*supportv1.ComplaintList).Items {
			if owner := c.Spec.Owner; owner != "" && !seen[owner] {
				seen[owner] = true
				out = append(out, desk.Escape(owner))
			}
		}
		sort.Strings(out)
		return out
	})
}
