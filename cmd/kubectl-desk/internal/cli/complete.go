package cli

import (
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/cmd/kubectl-desk/internal/desk"
)

// Completions are printed to the shell one a line, name and description
// separated by a tab, and shown to the user: each is escaped (desk.Escape).

// completeComplaints completes the first argument with the names of the
// namespace's complaints.
func (o *Options) completeComplaints(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return o.completeNames(cmd, &supportv1.ComplaintList{}, toComplete, func(l client.ObjectList) []cobra.Completion {
		var out []cobra.Completion
		for _, c := range l.(*supportv1.ComplaintList).Items {
			out = append(out, cobra.CompletionWithDesc(desk.Escape(c.Name), desk.Escape(string(c.Status.Phase)+" "+c.Spec.Summary)))
		}
		return out
	})
}

// completeEscalations completes the first argument with the names of the
// namespace's escalations.
func (o *Options) completeEscalations(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return o.completeNames(cmd, &supportv1.EscalationList{}, toComplete, func(l client.ObjectList) []cobra.Completion {
		var out []cobra.Completion
		for _, e := range l.(*supportv1.EscalationList).Items {
			out = append(out, cobra.CompletionWithDesc(desk.Escape(e.Name), desk.Escape(string(e.Status.Phase)+" "+e.Spec.ComplaintName)))
		}
		return out
	})
}

// completePolicies completes --policy with the namespace's policies.
func (o *Options) completePolicies(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return o.completeNames(cmd, &supportv1.ServicePolicyList{}, toComplete, func(l client.ObjectList) []cobra.Completion {
		var out []cobra.Completion
		for _, p := range l.(*supportv1.ServicePolicyList).Items {
			out = append(out, desk.Escape(p.Name))
		}
		return out
	})
}

func (o *Options) completeNames(cmd *cobra.Command, list client.ObjectList, toComplete string, names func(client.ObjectList) []cobra.Completion) ([]cobra.Completion, cobra.ShellCompDirective) {
	cl, err := o.Client()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	ns, err := o.Namespace()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	if err := cl.List(cmd.Context(), list, client.InNamespace(ns)); err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var out []cobra.Completion
	for _, n := range names(list) {
		if strings.HasPrefix(n, toComplete) {
			out = append(out, n)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// fixedCompletion completes a flag with fixed values.
func fixedCompletion(values []string) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

func joinComma(v []string) string { return strings.Join(v, ", ") }
