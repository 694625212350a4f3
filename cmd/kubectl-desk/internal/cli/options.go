package cli

import (
	"context"
	"fmt"

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
	// By is who acts; empty: ask the API server.
	By string
	// identity is who the API server says you are, once asked.
	identity string

	client client.WithWatch
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
// (Identity).
func (o *Options) Actor(ctx context.Context) (string, error) {
	if o.By != "" {
		return o.By, nil
	}
	me, err := o.Identity(ctx)
	if err != nil {
		return "", fmt.Errorf("%w: name yourself with --by NAME", err)
	}
	o.By = me
	return o.By, nil
}

// Identity is the user the API server authenticates, whatever --by says:
// a SelfSubjectReview, as kubectl auth whoami does (kubectl's --as
// impersonates another user, as the API server allows).
func (o *Options) Identity(ctx context.Context) (string, error) {
	if o.identity != "" {
		return o.identity, nil
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
		return "", fmt.Errorf("the API server did not say who you are")
	}
	o.identity = review.Status.UserInfo.Username
	return o.identity, nil
}
