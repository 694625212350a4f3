package cli

import (
	"fmt"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/cmd/kubectl-desk/internal/desk"
)

// newOptions are the flags of new.
type newOptions struct {
	customer, company, tier, email, phone   string
	category, severity, channel, summary    string
	description, product, owner, policyName string
}

// complaint is the Complaint the flags describe, recorded by by.
func (n *newOptions) complaint(namespace, by string) (*supportv1.Complaint, error) {
	c := &supportv1.Complaint{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "c-", Namespace: namespace},
		Spec: supportv1.ComplaintSpec{
			Customer:    supportv1.Customer{Name: n.customer, Company: n.company},
			Summary:     n.summary,
			Description: n.description,
			RecordedBy:  by,
			Owner:       n.owner,
			PolicyName:  n.policyName,
		},
	}
	for _, e := range []struct {
		what, v string
		valid   []string
		set     func(string)
	}{
		{"tier", n.tier, desk.Tiers, func(v string) { c.Spec.Customer.Tier = supportv1.CustomerTier(v) }},
		{"category", n.category, desk.Categories, func(v string) { c.Spec.Category = supportv1.Category(v) }},
		{"severity", n.severity, desk.Severities, func(v string) { c.Spec.Severity = supportv1.Severity(v) }},
		{"channel", n.channel, desk.Channels, func(v string) { c.Spec.Channel = supportv1.Channel(v) }},
	} {
		if e.v == "" {
			continue
		}
		v, err := desk.Enum(e.what, e.v, e.valid)
		if err != nil {
			return nil, err
		}
		e.set(v)
	}
	if n.email != "" || n.phone != "" {
		c.Spec.Customer.Contact = &supportv1.Contact{Email: n.email, Phone: n.phone}
	}
	if n.product != "" {
		c.Spec.Product = &supportv1.Product{Name: n.product}
	}
	return c, nil
}

func newNewCmd(o *Options) *cobra.Command {
	n := &newOptions{}
	pf := genericclioptions.NewPrintFlags("created").WithTypeSetter(Scheme)
	cmd := &cobra.Command{
		Use:   "new --customer NAME --category CATEGORY --summary TEXT [flags]",
		Short: "Record a complaint; prints its name",
		Example: `  kubectl desk new --customer "Acme Pharmacy" --tier Key --category MissedDeadline --severity High \
    --channel Phone --summary "Insulin promised for Saturday not delivered" --owner agent-bob
  c=$(kubectl desk new --customer Zed --category Other --summary "Wrong invoice")`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ns, err := o.Namespace()
			if err != nil {
				return err
			}
			by, err := o.Actor(cmd.Context())
			if err != nil {
				return err
			}
			c, err := n.complaint(ns, by)
			if err != nil {
				return err
			}
			cl, err := o.Client()
			if err != nil {
				return err
			}
			if err := cl.Create(cmd.Context(), c, client.FieldOwner(desk.FieldManager)); err != nil {
				return fmt.Errorf("the API server refused the complaint: %w", err)
			}
			if pf.OutputFormat == nil || *pf.OutputFormat == "" {
				_, err := fmt.Fprintln(o.Out, desk.Escape(c.Name))
				return err
			}
			return o.print(pf, c)
		},
	}
	pf.AddFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&n.customer, "customer", "", "name of the customer, person or organisation (required)")
	f.StringVar(&n.company, "company", "", "company the customer belongs to")
	f.StringVar(&n.tier, "tier", "", "customer tier: "+joinComma(desk.Tiers)+" (default Standard)")
	f.StringVar(&n.email, "email", "", "customer's email address")
	f.StringVar(&n.phone, "phone", "", "customer's phone number")
	f.StringVar(&n.category, "category", "", "service failure: "+joinComma(desk.Categories)+" (required)")
	f.StringVar(&n.severity, "severity", "", "impact: "+joinComma(desk.Severities)+" (default Medium)")
	f.StringVar(&n.channel, "channel", "", "how it came in: "+joinComma(desk.Channels))
	f.StringVar(&n.summary, "summary", "", "the complaint in one line (required)")
	f.StringVar(&n.description, "description", "", "what happened and what the customer wants")
	f.StringVar(&n.product, "product", "", "product concerned")
	f.StringVar(&n.owner, "owner", "", "the one person responsible for the complaint")
	f.StringVar(&n.policyName, "policy", "", "pin a ServicePolicy of the namespace instead of matching")
	for _, r := range []string{"customer", "category", "summary"} {
		_ = cmd.MarkFlagRequired(r)
	}
	for flag, values := range map[string][]string{"tier": desk.Tiers, "category": desk.Categories, "severity": desk.Severities, "channel": desk.Channels} {
		_ = cmd.RegisterFlagCompletionFunc(flag, fixedCompletion(values))
	}
	_ = cmd.RegisterFlagCompletionFunc("policy", o.completePolicies)
	return cmd
}
