package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	authenticationv1 "k8s.io/api/authentication/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// Options are what every command shares: kubectl's connection flags, the
// streams, and --by.
type Options struct {
	ConfigFlags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams
	// By is who acts for the commands that take --by; empty: ask the API
	// server. approve, ack, decide, done and failed never read it (Self).
	By string

	client client.WithWatch
	// self is who the API server says the caller is, once asked.
	self string
}

// Scheme knows the built-in kinds and the operator's.
var Scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := supportv1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}()

// Client is a client of the cluster that kubectl's flags name; it reads
// straight from the API server.
func (o *Options) Client() (client.WithWatch, error) {
	if o.client != nil {
		return o.client, nil
	}
	cfg, err := o.ConfigFlags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	cfg.UserAgent = "kubectl-desk"
	c, err := client.NewWithWatch(cfg, client.Options{Scheme: Scheme})
	if err != nil {
		return nil, err
	}
	o.client = c
	return c, nil
}

// Namespace is the namespace of -n, or of the kubeconfig's context.
func (o *Options) Namespace() (string, error) {
	ns, _, err := o.ConfigFlags.ToRawKubeConfigLoader().Namespace()
	return ns, err
}

// Actor is who acts: --by, else the user the API server authenticates
// (Self).
func (o *Options) Actor(ctx context.Context) (string, error) {
	if o.By != "" {
		return o.By, nil
	}
	by, err := o.whoami(ctx)
	if err != nil {
		return "", fmt.Errorf("%w: name yourself with --by NAME", err)
	}
	return by, nil
}

// Self is the user the API server authenticates (a SelfSubjectReview, as
// kubectl auth whoami does), whatever --by says: what approve, ack,
// decide, done and failed record, and what the admission policy
// servicedesk-approvals checks approvals and decisions against.
func (o *Options) Self(ctx context.Context) (string, error) {
	by, err := o.whoami(ctx)
	if err != nil {
		return "", fmt.Errorf("%w: this is recorded as the user the API server authenticates; see kubectl auth whoami and your kubeconfig", err)
	}
	return by, nil
}

func (o *Options) whoami(ctx context.Context) (string, error) {
	if o.self != "" {
		return o.self, nil
	}
	c, err := o.Client()
	if err != nil {
		return "", err
	}
	review := &authenticationv1.SelfSubjectReview{}
	if err := c.Create(ctx, review); err != nil {
		return "", fmt.Errorf("cannot tell who you are (SelfSubjectReview: %v)", err)
	}
	if review.Status.UserInfo.Username == "" {
		return "", errors.New("the API server did not say who you are")
	}
	o.self = review.Status.UserInfo.Username
	return o.self, nil
}

// recordsCaller makes cmd record the caller as the API server
// authenticates them (Self): it takes no --by, and refuses one with why,
// e.g. "for an approval: the API server records who approves". The flag
// is hidden (help does not offer it) and shadows the root's --by.
func recordsCaller(cmd *cobra.Command, why string) {
	var by string
	cmd.Flags().StringVar(&by, "by", "", "refused: "+why)
	_ = cmd.Flags().MarkHidden("by")
	run := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if cmd.Flags().Changed("by") {
			return fmt.Errorf("--by cannot name someone else %s (you, as kubectl auth whoami says)", why)
		}
		return run(cmd, args)
	}
}
