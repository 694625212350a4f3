package delivery

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// AddressPolicy decides which IP addresses webhook requests may connect to.
// By default loopback, link-local (cloud metadata 169.254.169.254
// included), unspecified and multicast addresses are refused, and so are
// the Cluster ranges; Allowed overrides all of that. Everything else,
// private ranges included, is allowed. The zero value refuses only the
// built-in ranges.
type AddressPolicy struct {
	// Allowed ranges are always allowed, even when a refused range holds
	// them (--webhook-allowed-cidrs).
	Allowed []netip.Prefix
	// Cluster ranges are the cluster's own service and pod networks, refused
	// unless Allowed (--cluster-cidrs).
	Cluster []netip.Prefix
}

// RefusedError reports a destination address the AddressPolicy refuses.
// Its text is safe for status: it names the address, never the URL.
type RefusedError struct {
	// Addr is the refused address (IPv4-mapped IPv6 unmapped, zone dropped).
	Addr netip.Addr
	// Why names the range: "loopback", "link-local", ...
	Why string
}

// Error reads like "refused: 169.254.169.254 is link-local (allow with --webhook-allowed-cidrs)".
func (e *RefusedError) Error() string {
	return fmt.Sprintf("refused: %s is %s (allow with --webhook-allowed-cidrs)", e.Addr, e.Why)
}

// Check returns nil when ip may be connected to, or a *RefusedError naming
// why not. IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) are judged as the
// IPv4 address they carry, and so are NAT64 (64:ff9b::/96) and 6to4
// (2002::/16) addresses unless Allowed themselves; an invalid address is
// refused.
func (p AddressPolicy) Check(ip netip.Addr) error {
	ip = ip.Unmap().WithZone("")
	if !ip.IsValid() {
		return &RefusedError{Addr: ip, Why: "not a valid address"}
	}
	for _, pre := range p.Allowed {
		if pre.Contains(ip) {
			return nil
		}
	}
	// A NAT64 or 6to4 address reaches the IPv4 address it carries.
	if v4, kind, ok := embeddedIPv4(ip); ok {
		var refused *RefusedError
		if errors.As(p.Check(v4), &refused) {
			return &RefusedError{Addr: ip, Why: fmt.Sprintf("%s of %s, which is %s", kind, v4, refused.Why)}
		}
	}
	if why := builtinRefusal(ip); why != "" {
		return &RefusedError{Addr: ip, Why: why}
	}
	for _, pre := range p.Cluster {
		if pre.Contains(ip) {
			return &RefusedError{Addr: ip, Why: "in the cluster's range " + pre.String() + " (--cluster-cidrs)"}
		}
	}
	return nil
}

// NAT64's well-known prefix (RFC 6052) and 6to4 (RFC 3056) carry an IPv4
// address a gateway connects to. Network-specific NAT64 prefixes are not
// known here: list them in --cluster-cidrs to refuse them.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// embeddedIPv4 returns the IPv4 address a NAT64 or 6to4 address carries.
func embeddedIPv4(ip netip.Addr) (netip.Addr, string, bool) {
	b := ip.As16()
	switch {
	case !ip.Is6():
		return netip.Addr{}, "", false
	case nat64.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), "NAT64", true
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), "6to4", true
	}
	return netip.Addr{}, "", false
}

// thisNetwork is 0.0.0.0/8: Linux connects 0.0.0.0 to the local host.
var thisNetwork = netip.MustParsePrefix("0.0.0.0/8")

// builtinRefusal names the always-refused range holding ip, or "".
func builtinRefusal(ip netip.Addr) string {
	switch {
	case ip.IsLoopback():
		return "loopback"
	case ip.IsLinkLocalUnicast():
		if ip == metadataAddr {
			return "link-local (cloud metadata)"
		}
		return "link-local"
	case ip.IsUnspecified() || thisNetwork.Contains(ip):
		return "unspecified"
	case ip.IsMulticast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast():
		return "multicast"
	}
	return ""
}

// metadataAddr is the cloud metadata service of most providers.
var metadataAddr = netip.MustParseAddr("169.254.169.254")

// ParseCIDRs parses a comma-separated list of CIDRs (spaces allowed, empty
// items skipped) as a flag value. A bare address is taken as a single-host
// prefix. Errors name the item that does not parse.
func ParseCIDRs(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !strings.Contains(item, "/") {
			a, err := netip.ParseAddr(item)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR or an IP address", item)
			}
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(item)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR: %s", item, strings.TrimPrefix(err.Error(), "netip.ParsePrefix("+`"`+item+`"`+"): "))
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
