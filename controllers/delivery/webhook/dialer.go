package webhook

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"time"
)

// Resolver looks up the addresses of a host name; *net.Resolver is one.
// Tests inject a fake one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// GuardedDialer connects to webhook receivers only at addresses its Policy
// allows. It resolves the host itself, refuses the connection when any
// resolved address is refused (a name that resolves to an internal address
// at all is not used), then dials the checked addresses, never the name:
// a DNS answer that changes between the check and the connection (DNS
// rebinding) cannot reach an address that was not checked. The socket's
// Control hook checks the address once more just before connect.
type GuardedDialer struct {
	// Policy decides which addresses may be connected to.
	Policy AddressPolicy
	// Resolver looks names up (nil: net.DefaultResolver).
	Resolver Resolver
	// Dialer connects (nil: a 10s connect timeout and 30s keep-alive). Its
	// Control hook is replaced.
	Dialer *net.Dialer
}

// DialContext is an http.Transport's DialContext.
func (g *GuardedDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, portText, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("invalid port")}
	}
	addrs, err := g.resolve(ctx, network, host)
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		if err := g.Policy.Check(a); err != nil {
			return nil, &net.OpError{Op: "dial", Net: network, Err: err}
		}
	}
	d := net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if g.Dialer != nil {
		d = *g.Dialer
	}
	d.Control = g.control
	var first error
	for _, a := range addrs {
		conn, err := d.DialContext(ctx, network, netip.AddrPortFrom(a, uint16(port)).String())
		if err == nil {
			return conn, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}

// resolve returns host's addresses: host itself when it is an address.
func (g *GuardedDialer) resolve(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	var r Resolver = net.DefaultResolver
	if g.Resolver != nil {
		r = g.Resolver
	}
	ipNet := "ip"
	switch network {
	case "tcp4":
		ipNet = "ip4"
	case "tcp6":
		ipNet = "ip6"
	}
	addrs, err := r.LookupNetIP(ctx, ipNet, host)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
	return addrs, nil
}

// control checks the address a socket is about to connect to.
func (g *GuardedDialer) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return err
	}
	return g.Policy.Check(ap.Addr())
}
