package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/cmd/kubectl-desk/internal/desk"
)

// The departments' commands: remedies lists what they are asked to carry
// out, done and failed record their report (spec.fulfilment) in the name
// of the caller. They read and write Remedies only, so that a department
// needs nothing but the ClusterRole servicedesk-remedy-fulfiller bound in
// the namespace.

type remediesOptions struct {
	output        string
	allNamespaces bool
	filter        desk.RemedyFilter
}

func newRemediesCmd(o *Options) *cobra.Command {
	ro := &remediesOptions{}
	cmd := &cobra.Command{
		Use:   "remedies [--department NAME] [--complaint NAME] [--pending]",
		Short: "What the departments carry out, by department and the soonest due first",
		Long: `remedies lists the Remedies of the namespace (-A: of every namespace): what
each department is asked to carry out for an agreed resolution, its phase,
the time left on the department's clock (overdue once missed; - once
reported), the clock's state, and who reported it with which reference.
Rows come by department, then the soonest due first. On a terminal,
breached rows are red and those at risk yellow.`,
		Example: `  kubectl desk remedies --department warehouse --pending
  kubectl desk remedies --complaint c-x7k2p
  kubectl desk remedies -A -o wide`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(ro.output, "", "wide", "json", "yaml"); err != nil {
				return err
			}
			items, err := o.listRemedies(cmd.Context(), ro.allNamespaces)
			if err != nil {
				return err
			}
			return writeRemedies(o.Out, ro, items, time.Now(), colourful(o.Out))
		},
	}
	f := cmd.Flags()
	f.StringVarP(&ro.output, "output", "o", "", "output format: wide, json or yaml")
	f.BoolVarP(&ro.allNamespaces, "all-namespaces", "A", false, "the remedies of every namespace")
	f.StringVar(&ro.filter.Department, "department", "", "only this department's remedies")
	f.StringVar(&ro.filter.Complaint, "complaint", "", "only the remedies of this complaint")
	f.BoolVar(&ro.filter.Pending, "pending", false, "only the remedies still to carry out (not reported, not cancelled)")
	_ = cmd.RegisterFlagCompletionFunc("department", o.completeDepartments)
	_ = cmd.RegisterFlagCompletionFunc("complaint", o.completeComplaintsOfRemedies)
	return cmd
}

// listRemedies lists the remedies of the namespace, or of all.
func (o *Options) listRemedies(ctx context.Context, all bool) ([]supportv1.Remedy, error) {
	cl, err := o.Client()
	if err != nil {
		return nil, err
	}
	var opts []client.ListOption
	if !all {
		ns, err := o.Namespace()
		if err != nil {
			return nil, err
		}
		opts = append(opts, client.InNamespace(ns))
	}
	var list supportv1.RemedyList
	if err := cl.List(ctx, &list, opts...); err != nil {
		return nil, err
	}
	return list.Items, nil
}

func writeRemedies(w io.Writer, ro *remediesOptions, items []supportv1.Remedy, now time.Time, colour bool) error {
	rows := desk.Remedies(items, ro.filter, now)
	switch ro.output {
	case "json", "yaml":
		if rows == nil {
			rows = []desk.RemedyRow{}
		}
		return writeStructured(w, ro.output, map[string]any{"items": rows})
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "No remedies.")
		return err
	}
	return desk.RemediesTable(rows, ro.output == "wide", ro.allNamespaces).Write(w, colour)
}

func newDoneCmd(o *Options) *cobra.Command {
	var note, reference string
	cmd := newFulfilCmd(o, "done REMEDY [--note TEXT] [--reference REF]", "Report a remedy carried out, in your name (a department)",
		`  kubectl desk done c-x7k2p-reship --reference TRACK-123 --note "shipped overnight"`, "reported done",
		supportv1.FulfilmentDone, &note, &reference)
	cmd.Flags().StringVar(&note, "note", "", "what was done, e.g. shipped overnight")
	cmd.Flags().StringVar(&reference, "reference", "", "the reference in the department's system, e.g. a tracking or credit-note number")
	return cmd
}

func newFailedCmd(o *Options) *cobra.Command {
	var reason, reference string
	cmd := newFulfilCmd(o, "failed REMEDY --reason TEXT [--reference REF]", "Report a remedy that could not be carried out, and why, in your name (a department)",
		`  kubectl desk failed c-x7k2p-reship --reason "out of stock until March"`, "reported failed",
		supportv1.FulfilmentFailed, &reason, &reference)
	cmd.Flags().StringVar(&reason, "reason", "", "why it could not be carried out (required; told to the complaint's owner)")
	cmd.Flags().StringVar(&reference, "reference", "", "the reference in the department's system, e.g. a ticket number")
	_ = cmd.MarkFlagRequired("reason")
	return cmd
}

// newFulfilCmd builds done or failed: a report of outcome with the note
// and the reference its flags set, recorded as the caller (Self).
func newFulfilCmd(o *Options, use, short, example, operation string, outcome supportv1.FulfilmentOutcome, note, reference *string) *cobra.Command {
	pf := genericclioptions.NewPrintFlags(operation).WithTypeSetter(Scheme)
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Example: example,
		Long: short + `.
The report (spec.fulfilment) names you as the API server authenticates you
(kubectl auth whoami); --by is refused. It is final once recorded: a remedy
with a report, or a cancelled one, is refused, and a report recorded by
someone else meanwhile is never overwritten.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: o.completeRemedies,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := o.fulfil(cmd.Context(), args[0], outcome, *note, *reference)
			if err != nil {
				return err
			}
			return o.print(pf, r)
		},
	}
	pf.AddFlags(cmd)
	recordsCaller(cmd, "for a remedy's report: it is recorded as the person who carried it out")
	return cmd
}

// fulfil records the caller's report on remedy name, bound to the version
// read (desk.FulfilmentPatch). A Conflict means the remedy changed since it
// was read, most often a status write of the operator: it is read and
// checked again, so that a report recorded meanwhile is refused as such.
func (o *Options) fulfil(ctx context.Context, name string, outcome supportv1.FulfilmentOutcome, note, reference string) (*supportv1.Remedy, error) {
	by, err := o.Self(ctx)
	if err != nil {
		return nil, err
	}
	cl, err := o.Client()
	if err != nil {
		return nil, err
	}
	var r *supportv1.Remedy
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var err error
		if r, err = o.getRemedy(ctx, name); err != nil {
			return err
		}
		if err := desk.CheckFulfil(r, outcome, note); err != nil {
			return err
		}
		data := desk.FulfilmentPatch(outcome, by, note, reference, r.ResourceVersion)
		err = cl.Patch(ctx, r, client.RawPatch(types.MergePatchType, data), client.FieldOwner(desk.FieldManager))
		switch {
		case err == nil, apierrors.IsConflict(err):
			return err
		case apierrors.IsNotFound(err):
			return desk.NotFound("remedy", name, r.Namespace)
		}
		return refused(err, "your report on remedy "+name)
	})
	switch {
	case apierrors.IsConflict(err):
		return nil, fmt.Errorf("remedy %s kept changing while your report was written: look at it again (kubectl desk remedies --complaint %s) and run the command again",
			name, r.Spec.ComplaintName)
	case err != nil:
		return nil, err
	}
	return r, nil
}

// getRemedy reads a remedy of the current namespace.
func (o *Options) getRemedy(ctx context.Context, name string) (*supportv1.Remedy, error) {
	return getNamed(ctx, o, "remedy", name, &supportv1.Remedy{})
}

// completeRemedies completes the first argument with the namespace's
// remedies still to carry out (desk.Open): the others are refused.
func (o *Options) completeRemedies(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return o.completeNames(cmd, &supportv1.RemedyList{}, toComplete, func(l client.ObjectList) []cobra.Completion {
		var out []cobra.Completion
		for _, r := range l.(*supportv1.RemedyList).Items {
			if desk.Open(&r) {
				out = append(out, cobra.CompletionWithDesc(desk.Escape(r.Name),
					desk.Escape(r.Spec.Department+" "+string(r.Spec.Kind)+" "+r.Spec.Detail)))
			}
		}
		return out
	})
}

// completeDepartments completes --department with the departments of the
// namespace's remedies.
func (o *Options) completeDepartments(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return o.completeNames(cmd, &supportv1.RemedyList{}, toComplete, func(l client.ObjectList) []cobra.Completion {
		return remedyValues(l.(*supportv1.RemedyList).Items, func(r *supportv1.Remedy) string { return r.Spec.Department })
	})
}

// completeComplaintsOfRemedies completes --complaint with the complaints
// the namespace's remedies are for (read from the remedies: a department
// may not read complaints).
func (o *Options) completeComplaintsOfRemedies(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return o.completeNames(cmd, &supportv1.RemedyList{}, toComplete, func(l client.ObjectList) []cobra.Completion {
		return remedyValues(l.(*supportv1.RemedyList).Items, func(r *supportv1.Remedy) string { return r.Spec.ComplaintName })
	})
}

// remedyValues are the distinct values of field of the remedies, sorted and escaped.
func remedyValues(items []supportv1.Remedy, field func(*supportv1.Remedy) string) []cobra.Completion {
	seen := map[string]bool{}
	var out []cobra.Completion
	for i := range items {
		if v := field(&items[i]); v != "" && !seen[v] {
			seen[v] = true
			out = append(out, desk.Escape(v))
		}
	}
	sort.Strings(out)
	return out
}
