package webhook

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestAddressPolicyCheck(t *testing.T) {
	cluster := []netip.Prefix{netip.MustParsePrefix("10.96.0.0/12"), netip.MustParsePrefix("10.244.0.0/16"), netip.MustParsePrefix("fd00:10:96::/108")}
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	discovered := &DiscoveredRanges{}
	discovered.Set([]DiscoveredRange{{Prefix: netip.MustParsePrefix("203.1.0.0/16"), Source: "ServiceCIDR kubernetes"}})
	tests := []struct {
		name    string
		policy  AddressPolicy
		addr    string
		refused string // "" means allowed; else a substring of the refusal
	}{
		{"public IPv4", AddressPolicy{}, "93.184.216.34", ""},
		{"public IPv6", AddressPolicy{}, "2606:2800:220:1:248:1893:25c8:1946", ""},
		// Every IANA special-purpose range that is not globally reachable is refused by default.
		{"private 10/8", AddressPolicy{}, "10.1.2.3", "10.1.2.3 is private (RFC 1918) 10.0.0.0/8"},
		{"private 172.16/12", AddressPolicy{}, "172.16.0.10", "is private (RFC 1918) 172.16.0.0/12"},
		{"private 192.168/16", AddressPolicy{}, "192.168.1.1", "is private (RFC 1918) 192.168.0.0/16"},
		{"Alibaba Cloud metadata", AddressPolicy{}, "100.100.100.200", "100.100.100.200 is shared address space (RFC 6598) 100.64.0.0/10 (cloud metadata)"},
		{"shared address space", AddressPolicy{}, "100.64.0.1", "shared address space (RFC 6598) 100.64.0.0/10"},
		{"IETF protocol assignments", AddressPolicy{}, "192.0.0.8", "192.0.0.0/24"},
		{"TEST-NET-1", AddressPolicy{}, "192.0.2.1", "documentation (RFC 5737) 192.0.2.0/24"},
		{"6to4 relay anycast", AddressPolicy{}, "192.88.99.1", "192.88.99.0/24"},
		{"benchmarking 198.18/15", AddressPolicy{}, "198.19.255.1", "benchmarking (RFC 2544) 198.18.0.0/15"},
		{"TEST-NET-2", AddressPolicy{}, "198.51.100.7", "198.51.100.0/24"},
		{"TEST-NET-3", AddressPolicy{}, "203.0.113.9", "203.0.113.0/24"},
		{"reserved 240/4", AddressPolicy{}, "240.0.0.1", "reserved (RFC 1112) 240.0.0.0/4"},
		{"broadcast", AddressPolicy{}, "255.255.255.255", "240.0.0.0/4"},
		{"AWS IPv6 metadata", AddressPolicy{}, "fd00:ec2::254", "fd00:ec2::254 is unique local (RFC 4193) fc00::/7 (cloud metadata)"},
		{"unique local IPv6", AddressPolicy{}, "fd12::1", "unique local (RFC 4193) fc00::/7"},
		{"discard-only 100::/64", AddressPolicy{}, "100::1", "discard-only (RFC 6666) 100::/64"},
		{"local-use NAT64", AddressPolicy{}, "64:ff9b:1::a00:1", "local-use NAT64 (RFC 8215) 64:ff9b:1::/48"},
		{"outside global unicast", AddressPolicy{}, "4000::1", "outside the global unicast range 2000::/3"},
		{"IETF protocol assignments 2001::/23 (Teredo)", AddressPolicy{}, "2001:0:4136:e378::1", "IETF protocol assignments (RFC 2928) 2001::/23"},
		{"documentation 2001:db8::/32", AddressPolicy{}, "2001:db8::1", "2001:db8::/32"},
		{"documentation 3fff::/20", AddressPolicy{}, "3fff::1", "3fff::/20"},
		{"globally reachable in 2001::/23: TURN anycast", AddressPolicy{}, "2001:1::2", ""},
		{"globally reachable in 2001::/23: AMT", AddressPolicy{}, "2001:3::7", ""},
		{"globally reachable in 2001::/23: AS112-v6", AddressPolicy{}, "2001:4:112::1", ""},
		{"globally reachable in 2001::/23: ORCHIDv2", AddressPolicy{}, "2001:20::1", ""},
		{"next to a reachable one in 2001::/23", AddressPolicy{}, "2001:1::4", "2001::/23"},
		{"mapped private", AddressPolicy{}, "::ffff:10.0.0.1", "10.0.0.1 is private"},
		{"NAT64 of a private address", AddressPolicy{}, "64:ff9b::a00:1", "NAT64 of 10.0.0.1, which is private (RFC 1918) 10.0.0.0/8"},
		{"6to4 of Alibaba Cloud metadata", AddressPolicy{}, "2002:6464:64c8::1", "6to4 of 100.100.100.200, which is shared address space"},
		{"allow-list opts a private range in", AddressPolicy{Allowed: []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16")}}, "10.20.1.1", ""},
		{"allow-list opt-in is only that range", AddressPolicy{Allowed: []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16")}}, "10.21.1.1", "private"},
		{"discovered service range", AddressPolicy{Discovered: discovered}, "203.1.0.9", "203.1.0.9 is in the cluster's service range 203.1.0.0/16 (ServiceCIDR kubernetes)"},
		{"allow-list overrides a discovered range", AddressPolicy{Discovered: discovered, Allowed: []netip.Prefix{netip.MustParsePrefix("203.1.0.9/32")}}, "203.1.0.9", ""},
		{"loopback 127.0.0.1", AddressPolicy{}, "127.0.0.1", "127.0.0.1 is loopback"},
		{"loopback 127.255.0.9", AddressPolicy{}, "127.255.0.9", "is loopback"},
		{"loopback ::1", AddressPolicy{}, "::1", "::1 is loopback"},
		{"mapped loopback", AddressPolicy{}, "::ffff:127.0.0.1", "127.0.0.1 is loopback"},
		{"cloud metadata", AddressPolicy{}, "169.254.169.254", "169.254.169.254 is link-local (cloud metadata)"},
		{"mapped cloud metadata", AddressPolicy{}, "::ffff:169.254.169.254", "169.254.169.254 is link-local"},
		{"link-local IPv4", AddressPolicy{}, "169.254.1.1", "is link-local"},
		{"link-local IPv6", AddressPolicy{}, "fe80::1", "fe80::1 is link-local"},
		{"link-local IPv6 with zone", AddressPolicy{}, "fe80::1%eth0", "fe80::1 is link-local"},
		{"unspecified IPv4", AddressPolicy{}, "0.0.0.0", "is unspecified"},
		{"this network 0/8", AddressPolicy{}, "0.1.2.3", "is unspecified"},
		{"unspecified IPv6", AddressPolicy{}, "::", "is unspecified"},
		{"multicast", AddressPolicy{}, "224.0.0.1", "is multicast"},
		{"cluster service range", AddressPolicy{Cluster: cluster}, "10.96.0.1", "10.96.0.1 is in the cluster's range 10.96.0.0/12 (--cluster-cidrs)"},
		{"cluster pod range", AddressPolicy{Cluster: cluster}, "10.244.3.7", "range 10.244.0.0/16"},
		{"mapped cluster address", AddressPolicy{Cluster: cluster}, "::ffff:10.244.3.7", "10.244.3.7 is in the cluster's range"},
		{"cluster IPv6 range", AddressPolicy{Cluster: cluster}, "fd00:10:96::a", "cluster's range fd00:10:96::/108"},
		{"private outside cluster ranges", AddressPolicy{Cluster: cluster}, "10.0.0.5", "is private (RFC 1918) 10.0.0.0/8"},
		{"allow-list overrides loopback", AddressPolicy{Allowed: loopback}, "127.0.0.1", ""},
		{"allow-list overrides ::1", AddressPolicy{Allowed: loopback}, "::1", ""},
		{"allow-list matches mapped address", AddressPolicy{Allowed: loopback}, "::ffff:127.0.0.1", ""},
		{"allow-list does not widen", AddressPolicy{Allowed: loopback}, "169.254.169.254", "is link-local"},
		{"allow-list overrides cluster", AddressPolicy{Cluster: cluster, Allowed: []netip.Prefix{netip.MustParsePrefix("10.96.0.10/32")}}, "10.96.0.10", ""},
		{"allow-list host only", AddressPolicy{Cluster: cluster, Allowed: []netip.Prefix{netip.MustParsePrefix("10.96.0.10/32")}}, "10.96.0.11", "cluster's range"},
		{"NAT64 of cloud metadata", AddressPolicy{}, "64:ff9b::a9fe:a9fe", "64:ff9b::a9fe:a9fe is NAT64 of 169.254.169.254, which is link-local (cloud metadata)"},
		{"NAT64 of loopback", AddressPolicy{}, "64:ff9b::7f00:1", "NAT64 of 127.0.0.1, which is loopback"},
		{"NAT64 of a cluster address", AddressPolicy{Cluster: cluster}, "64:ff9b::a60:1", "NAT64 of 10.96.0.1, which is in the cluster's range 10.96.0.0/12"},
		{"NAT64 of a public address", AddressPolicy{Cluster: cluster}, "64:ff9b::5db8:d822", ""},
		{"6to4 of loopback", AddressPolicy{}, "2002:7f00:1::1", "2002:7f00:1::1 is 6to4 of 127.0.0.1, which is loopback"},
		{"6to4 of a cluster address", AddressPolicy{Cluster: cluster}, "2002:af4:307::1", "6to4 of 10.244.3.7"},
		{"6to4 of a public address", AddressPolicy{}, "2002:5db8:d822::1", ""},
		{"NAT64 of an allowed address", AddressPolicy{Allowed: loopback}, "64:ff9b::7f00:1", ""},
		{"an allowed NAT64 address", AddressPolicy{Allowed: []netip.Prefix{netip.MustParsePrefix("64:ff9b::a9fe:a9fe/128")}}, "64:ff9b::a9fe:a9fe", ""},
		{"allow-list overrides metadata", AddressPolicy{Allowed: []netip.Prefix{netip.MustParsePrefix("169.254.169.254/32")}}, "169.254.169.254", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.Check(netip.MustParseAddr(tt.addr))
			if tt.refused == "" {
				if err != nil {
					t.Fatalf("Check(%s) = %v, want allowed", tt.addr, err)
				}
				return
			}
			var refused *RefusedError
			if !errors.As(err, &refused) {
				t.Fatalf("Check(%s) = %v, want a *RefusedError", tt.addr, err)
			}
			if !strings.Contains(err.Error(), tt.refused) || !strings.HasPrefix(err.Error(), "refused: ") || !strings.HasSuffix(err.Error(), "(allow with --webhook-allowed-cidrs)") {
				t.Errorf("Check(%s) = %q, want it to contain %q", tt.addr, err, tt.refused)
			}
		})
	}
	if err := (AddressPolicy{}).Check(netip.Addr{}); err == nil {
		t.Error("the zero Addr is allowed, want refused")
	}
}

func TestParseCIDRs(t *testing.T) {
	got, err := ParseCIDRs(" 127.0.0.0/8, ::1/128,,10.96.0.1/12, 192.0.2.7, ::ffff:10.0.0.0/104 ")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"127.0.0.0/8", "::1/128", "10.96.0.0/12", "192.0.2.7/32", "10.0.0.0/8"}
	if len(got) != len(want) {
		t.Fatalf("ParseCIDRs = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("item %d = %s, want %s", i, got[i], want[i])
		}
	}
	if got, err := ParseCIDRs(""); err != nil || len(got) != 0 {
		t.Errorf("ParseCIDRs(\"\") = %v, %v; want none", got, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "not-a-cidr", "10.0.0.0/8,fe80::/129", "example.com/8"} {
		if _, err := ParseCIDRs(bad); err == nil {
			t.Errorf("ParseCIDRs(%q) succeeded, want an error", bad)
		}
	}
}

// testLoopback allows the test receivers, which listen on loopback.
var testLoopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
