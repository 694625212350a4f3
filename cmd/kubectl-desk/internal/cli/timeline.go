package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/cmd/kubectl-desk/internal/desk"
)

func newTimelineCmd(o *Options) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "timeline NAME",
		Short: "A complaint's story in order: who did what when, deadlines met or missed, notifications",
		Example: `  kubectl desk timeline c-x7k2p
  kubectl desk timeline c-x7k2p -o yaml`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: o.completeComplaints,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "", "json", "yaml"); err != nil {
				return err
			}
			in, err := o.gatherTimeline(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return o.writeTimeline(in, output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: json or yaml")
	return cmd
}

// writeTimeline prints the story: a heading, the steps, and the
// complaint's remedies when it has any; or all of it as JSON or YAML.
func (o *Options) writeTimeline(in *desk.TimelineInput, output string) error {
	c := in.Complaint
	steps := desk.Timeline(*in)
	if output != "" {
		if steps == nil {
			steps = []desk.Step{}
		}
		v := map[string]any{"complaint": c.Name, "phase": c.Status.Phase, "steps": steps}
		if len(c.Status.Remedies) > 0 {
			v["remedies"] = c.Status.Remedies
		}
		return writeStructured(o.Out, output, v)
	}
	if _, err := fmt.Fprintln(o.Out, desk.TimelineHeading(c)); err != nil {
		return err
	}
	colour := colourful(o.Out)
	if err := desk.TimelineTable(steps).Write(o.Out, colour); err != nil {
		return err
	}
	if len(c.Status.Remedies) == 0 {
		return nil
	}
	if _, err := fmt.Fprintln(o.Out, "\nRemedies:"); err != nil {
		return err
	}
	return desk.RemedySummaryTable(c.Status.Remedies).Write(o.Out, colour)
}

// gatherTimeline reads the complaint, its policy, its escalations and the
// Events about them and about its remedies.
func (o *Options) gatherTimeline(ctx context.Context, name string) (*desk.TimelineInput, error) {
	c, err := o.getComplaint(ctx, name)
	if err != nil {
		return nil, err
	}
	cl, _ := o.Client()
	in := &desk.TimelineInput{Complaint: c, Policy: o.policyOf(ctx, c), Now: time.Now()}
	var escs supportv1.EscalationList
	if err := cl.List(ctx, &escs, client.InNamespace(c.Namespace)); err != nil {
		return nil, err
	}
	for _, e := range escs.Items {
		if e.Spec.ComplaintName == c.Name {
			in.Escalations = append(in.Escalations, e)
		}
	}
	regarding := []struct{ kind, name string }{{"Complaint", c.Name}}
	for _, e := range in.Escalations {
		regarding = append(regarding, struct{ kind, name string }{"Escalation", e.Name})
	}
	for _, r := range c.Status.Remedies {
		regarding = append(regarding, struct{ kind, name string }{"Remedy", r.Name})
	}
	for _, r := range regarding {
		var evs corev1.EventList
		err := cl.List(ctx, &evs, client.InNamespace(c.Namespace),
			client.MatchingFields{"involvedObject.kind": r.kind, "involvedObject.name": r.name})
		if err != nil {
			return nil, fmt.Errorf("listing the Events of %s %s: %w", r.kind, r.name, err)
		}
		in.Events = append(in.Events, evs.Items...)
	}
	return in, nil
}
