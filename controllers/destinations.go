package controllers

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/event"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// The policy controller reports refused webhook destinations itself: on
// each reconcile it resolves every webhook host and checks each address
// with the same AddressPolicy the delivery dialer enforces at connect time.
// The dialer stays the guard (a name that changes its answer later is
// refused there); this check only explains it on the policy. The wait is
// bounded (lookupTimeout per host) and only ever on the policy
// controller's workers: complaints and their deadlines never wait on DNS.
// A refused attempt pokes the policy (delivery Options.OnRefused), and
// policies with host names look again every destinationRecheck.

// destinationRecheck is how often a policy whose webhooks use host names
// is checked again.
const destinationRecheck = 5 * time.Minute

// lookupTimeout bounds the resolution of one webhook host.
const lookupTimeout = 2 * time.Second

// checkDestinations reports the webhooks of p whose host is, or resolves
// to, an address policy refuses, naming spec.notify[i], the host and the
// address. A host that does not resolve is not reported here: delivery
// reports it on the notification.
func checkDestinations(ctx context.Context, p *supportv1.ServicePolicy, policy webhook.AddressPolicy, r webhook.Resolver) []string {
	var problems []string
	for i, n := range p.Spec.Notify {
		if n.Webhook == nil {
			continue
		}
		u, err := url.Parse(n.Webhook.URL)
		if err != nil || u.Hostname() == "" {
			continue
		}
		for _, a := range lookupHost(ctx, r, u.Hostname()) {
			if err := policy.Check(a); err != nil {
				problems = append(problems, fmt.Sprintf("spec.notify[%d] (%s): webhook host %s: %v", i, n.Name, u.Hostname(), err))
				break
			}
		}
	}
	return problems
}

// lookupHost returns host's addresses, host itself when it is one, and
// none when it does not resolve within lookupTimeout.
func lookupHost(ctx context.Context, r webhook.Resolver, host string) []netip.Addr {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}
	}
	if r == nil {
		r = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	addrs, _ := r.LookupNetIP(ctx, "ip", host)
	return addrs
}

// hasWebhookHostName reports whether a webhook of p names its host by a
// DNS name rather than an address.
func hasWebhookHostName(p *supportv1.ServicePolicy) bool {
	for _, n := range p.Spec.Notify {
		if n.Webhook == nil {
			continue
		}
		if u, err := url.Parse(n.Webhook.URL); err == nil && u.Hostname() != "" {
			if _, err := netip.ParseAddr(u.Hostname()); err != nil {
				return true
			}
		}
	}
	return false
}

// refusals is ch, or a channel that never delivers when ch is nil.
func refusals(ch <-chan event.GenericEvent) <-chan event.GenericEvent {
	if ch == nil {
		return make(chan event.GenericEvent)
	}
	return ch
}

// refusalNotifier turns delivery's OnRefused calls into policy events on
// ch, dropping them when ch is full (the periodic recheck catches up).
func refusalNotifier(ch chan<- event.GenericEvent) func(namespace, policy string) {
	return func(namespace, name string) {
		if name == "" {
			return
		}
		p := &supportv1.ServicePolicy{}
		p.Namespace, p.Name = namespace, name
		select {
		case ch <- event.GenericEvent{Object: p}:
		default:
		}
	}
}
