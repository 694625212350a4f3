package cli

import (
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/cmd/kubectl-desk/internal/desk"
)

func newReportCmd(o *Options) *cobra.Command {
	var (
		output, since, by string
		all               bool
	)
	cmd := &cobra.Command{
		Use:   "report [--since 7d] [--by owner|channel|tier|category]",
		Short: "Counts, response and resolution times, breaches, escalations and satisfaction of a period",
		Long: `report tells a period: counts by category, tier and phase, p50/p90 of the
time to the first response and to the resolution, breach rates per clock,
escalations and satisfaction. --by groups the complaints instead, by owner,
channel, tier or category: per group the complaints, the p50/p90 times, the
share that breached a clock, and the mean satisfaction. Complaints nobody
owns group as (unowned), those without a channel as (unknown).`,
		Example: `  kubectl desk report
  kubectl desk report -A --since 30d -o json
  kubectl desk report --by owner --since 30d`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output, "", "json", "yaml"); err != nil {
				return err
			}
			d, err := desk.ParseSince(since)
			if err != nil {
				return err
			}
			if by != "" {
				if by, err = desk.Enum("grouping", by, desk.Groupings); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			complaints, _, err := o.listComplaints(ctx, all)
			if err != nil {
				return err
			}
			start := time.Now().Add(-d).Truncate(time.Second)
			if by != "" {
				r := desk.BuildGroupReport(complaints, by, start)
				if output != "" {
					return writeStructured(o.Out, output, r)
				}
				return r.Write(o.Out)
			}
			cl, _ := o.Client()
			var opts []client.ListOption
			if !all {
				ns, err := o.Namespace()
				if err != nil {
					return err
				}
				opts = append(opts, client.InNamespace(ns))
			}
			var escs supportv1.EscalationList
			if err := cl.List(ctx, &escs, opts...); err != nil {
				return err
			}
			r := desk.BuildReport(complaints, escs.Items, start)
			if output != "" {
				return writeStructured(o.Out, output, r)
			}
			return r.Write(o.Out)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&output, "output", "o", "", "output format: json or yaml")
	f.StringVar(&since, "since", "7d", "the period: complaints reported this long ago or later (7d, 36h, 1d12h)")
	f.BoolVarP(&all, "all-namespaces", "A", false, "the complaints of every namespace")
	f.StringVar(&by, "by", "", "group the complaints by one of "+joinComma(desk.Groupings)+" (default: the whole period)")
	_ = cmd.RegisterFlagCompletionFunc("by", fixedCompletion(desk.Groupings))
	return cmd
}
