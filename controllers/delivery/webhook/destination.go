package webhook

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"

	"code.dny.dev/ssrf"
)

// AddressPolicy decides which IP addresses webhook requests may connect to.
// By default every address a receiver on the internet cannot have is
// refused: each IANA special-purpose range that is not globally reachable
// (private, shared, loopback, link-local, documentation, benchmarking,
// reserved, unique local, multicast, ...: code.dny.dev/ssrf's lists,
// generated from the IANA registries), cloud metadata addresses among
// them, and the cluster's own ranges (Cluster, Discovered). Allowed is the
// explicit opt-in that overrides all of that: a receiver on the private
// network is the admin's choice, never the default.
type AddressPolicy struct {
	// Allowed ranges are always allowed, even when a refused range holds
	// them (--webhook-allowed-cidrs).
	Allowed []netip.Prefix
	// Cluster ranges are the cluster's own service and pod networks, refused
	// unless Allowed (--cluster-cidrs).
	Cluster []netip.Prefix
	// Discovered holds cluster ranges learnt at run time (the ServiceCIDR
	// objects the API server serves), refused unless Allowed; nil: none.
	Discovered *DiscoveredRanges
}

// RefusedError reports a destination address the AddressPolicy refuses.
// Its text is safe for status: it names the address, never the URL.
type RefusedError struct {
	// Addr is the refused address (IPv4-mapped IPv6 unmapped, zone dropped).
	Addr netip.Addr
	// Why names the range: "loopback", "private (RFC 1918) 10.0.0.0/8", ...
	Why string
}

// Error reads like "refused: 169.254.169.254 is link-local (cloud metadata) (allow with --webhook-allowed-cidrs)".
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
		return nil
	}
	if why := builtinRefusal(ip); why != "" {
		return &RefusedError{Addr: ip, Why: why}
	}
	for _, pre := range p.Cluster {
		if pre.Contains(ip) {
			return &RefusedError{Addr: ip, Why: "in the cluster's range " + pre.String() + " (--cluster-cidrs)"}
		}
	}
	for _, r := range p.Discovered.Get() {
		if r.Prefix.Contains(ip) {
			return &RefusedError{Addr: ip, Why: "in the cluster's service range " + r.Prefix.String() + " (" + r.Source + ")"}
		}
	}
	if why := specialPurpose(ip); why != "" {
		return &RefusedError{Addr: ip, Why: why}
	}
	return nil
}

// NAT64's well-known prefix (RFC 6052) and 6to4 (RFC 3056) carry an IPv4
// address a gateway connects to. Network-specific NAT64 prefixes are not
// known here: list them in --cluster-cidrs to refuse them.
var (
	nat64     = ssrf.IPv6NAT64Prefix
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

// builtinRefusal names the host's own and link ranges holding ip, or "".
func builtinRefusal(ip netip.Addr) string {
	switch {
	case ip.IsLoopback():
		return "loopback"
	case ip.IsLinkLocalUnicast():
		if metadata[ip] {
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

// metadata are cloud providers' instance metadata services: most
// providers' link-local 169.254.169.254, Alibaba Cloud's 100.100.100.200
// (shared address space) and AWS's IPv6 fd00:ec2::254 (unique local).
var metadata = map[netip.Addr]bool{
	netip.MustParseAddr("169.254.169.254"): true,
	netip.MustParseAddr("100.100.100.200"): true,
	netip.MustParseAddr("fd00:ec2::254"):   true,
}

// specialPurpose names the IANA special-purpose range that is not globally
// reachable holding ip, or "". The ranges are code.dny.dev/ssrf's
// (generated from the IANA IPv4 and IPv6 special-purpose registries): every
// IPv6 address outside the global unicast range 2000::/3, and the denied
// parts inside it, except those the IPv6 registry marks globally
// reachable.
func specialPurpose(ip netip.Addr) string {
	named := func(pre netip.Prefix) string {
		why := rangeNames[pre]
		if why == "" {
			why = "special-purpose (IANA)"
		}
		why += " " + pre.String()
		if metadata[ip] {
			why += " (cloud metadata)"
		}
		return why
	}
	if ip.Is4() {
		for _, pre := range ssrf.IPv4DeniedPrefixes {
			if pre.Contains(ip) {
				return named(pre)
			}
		}
		return ""
	}
	if !ssrf.IPv6GlobalUnicast.Contains(ip) {
		for _, pre := range ipv6OutsideGlobal {
			if pre.Contains(ip) {
				return named(pre)
			}
		}
		return "outside the global unicast range " + ssrf.IPv6GlobalUnicast.String()
	}
	for _, pre := range ipv6GloballyReachable {
		if pre.Contains(ip) {
			return ""
		}
	}
	for _, pre := range ssrf.IPv6DeniedPrefixes {
		if pre.Contains(ip) {
			return named(pre)
		}
	}
	return ""
}

// ipv6OutsideGlobal names the best-known ranges outside 2000::/3 (all of
// which are refused) for the refusal's message.
var ipv6OutsideGlobal = []netip.Prefix{
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// ipv6GloballyReachable are the entries of the IANA IPv6 special-purpose
// registry inside 2001::/23 whose "Globally Reachable" is True: anycast
// services and identifiers a receiver on the internet may have.
var ipv6GloballyReachable = []netip.Prefix{
	netip.MustParsePrefix("2001:1::1/128"),   // Port Control Protocol Anycast (RFC 7723)
	netip.MustParsePrefix("2001:1::2/128"),   // TURN Anycast (RFC 8155)
	netip.MustParsePrefix("2001:1::3/128"),   // DNS-SD Service Registration Protocol Anycast (RFC 9665)
	netip.MustParsePrefix("2001:3::/32"),     // AMT (RFC 7450)
	netip.MustParsePrefix("2001:4:112::/48"), // AS112-v6 (RFC 7535)
	netip.MustParsePrefix("2001:20::/28"),    // ORCHIDv2 (RFC 7343)
	netip.MustParsePrefix("2001:30::/28"),    // Drone Remote ID Protocol Entity Tags (RFC 9374)
}

// rangeNames are the names the registries give the refused ranges.
var rangeNames = map[netip.Prefix]string{
	netip.MustParsePrefix("10.0.0.0/8"):        "private (RFC 1918)",
	netip.MustParsePrefix("172.16.0.0/12"):     "private (RFC 1918)",
	netip.MustParsePrefix("192.168.0.0/16"):    "private (RFC 1918)",
	netip.MustParsePrefix("100.64.0.0/10"):     "shared address space (RFC 6598)",
	netip.MustParsePrefix("192.0.0.0/24"):      "IETF protocol assignments (RFC 6890)",
	netip.MustParsePrefix("192.0.2.0/24"):      "documentation (RFC 5737)",
	netip.MustParsePrefix("198.51.100.0/24"):   "documentation (RFC 5737)",
	netip.MustParsePrefix("203.0.113.0/24"):    "documentation (RFC 5737)",
	netip.MustParsePrefix("192.88.99.0/24"):    "6to4 relay anycast, deprecated (RFC 7526)",
	netip.MustParsePrefix("198.18.0.0/15"):     "benchmarking (RFC 2544)",
	netip.MustParsePrefix("240.0.0.0/4"):       "reserved (RFC 1112)",
	netip.MustParsePrefix("192.31.196.0/24"):   "AS112 (RFC 7535)",
	netip.MustParsePrefix("192.175.48.0/24"):   "AS112 (RFC 7534)",
	netip.MustParsePrefix("192.52.193.0/24"):   "AMT (RFC 7450)",
	netip.MustParsePrefix("fc00::/7"):          "unique local (RFC 4193)",
	netip.MustParsePrefix("100::/64"):          "discard-only (RFC 6666)",
	netip.MustParsePrefix("64:ff9b:1::/48"):    "local-use NAT64 (RFC 8215)",
	netip.MustParsePrefix("2001::/23"):         "IETF protocol assignments (RFC 2928)",
	netip.MustParsePrefix("2001:db8::/32"):     "documentation (RFC 3849)",
	netip.MustParsePrefix("3fff::/20"):         "documentation (RFC 9637)",
	netip.MustParsePrefix("2620:4f:8000::/48"): "AS112 (RFC 7534)",
}

// DiscoveredRange is a cluster range learnt at run time, with where it came
// from (e.g. "ServiceCIDR kubernetes").
type DiscoveredRange struct {
	Prefix netip.Prefix
	Source string
}

// DiscoveredRanges holds the cluster ranges learnt at run time; it is safe
// for concurrent use, and a nil *DiscoveredRanges holds none.
type DiscoveredRanges struct {
	v atomic.Pointer[[]DiscoveredRange]
}

// Set replaces the ranges.
func (d *DiscoveredRanges) Set(ranges []DiscoveredRange) {
	ranges = slices.Clone(ranges)
	d.v.Store(&ranges)
}

// Get returns the ranges; the caller must not modify them.
func (d *DiscoveredRanges) Get() []DiscoveredRange {
	if d == nil {
		return nil
	}
	if p := d.v.Load(); p != nil {
		return *p
	}
	return nil
}

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
