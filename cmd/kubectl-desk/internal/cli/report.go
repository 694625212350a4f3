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
		output, since string
		all           bool
	)
	cmd := &cobra.Command{
		Use:   "report [--since 7d]",
		Short: "Counts, response and resolution times, breaches, escalations and satisfaction of a period",
		Example: `  kubectl desk report
  kubectl desk report -A --since 30d -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output, "", "json", "yaml"); err != nil {
				return err
			}
			d, err := desk.ParseSince(since)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			complaints, _, err := o.listComplaints(ctx, all)
			if err != nil {
				return err
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
			r := desk.BuildReport(complaints, escs.Items, time.Now().Add(-d).Truncate(time.Second))
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
	return cmd
}
