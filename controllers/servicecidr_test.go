package controllers

import (
	"net/netip"
	"reflect"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

func TestServiceCIDRRanges(t *testing.T) {
	sc := func(name string, cidrs ...string) networkingv1.ServiceCIDR {
		return networkingv1.ServiceCIDR{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: networkingv1.ServiceCIDRSpec{CIDRs: cidrs}}
	}
	got := serviceCIDRRanges([]networkingv1.ServiceCIDR{
		sc("kubernetes", "10.96.0.0/12", "fd00:10:96::/108"),
		sc("extra", "203.1.0.9/16"),
		sc("broken", "not-a-cidr"),
		sc("empty"),
	})
	want := []webhook.DiscoveredRange{
		{Prefix: netip.MustParsePrefix("203.1.0.0/16"), Source: "ServiceCIDR extra"},
		{Prefix: netip.MustParsePrefix("10.96.0.0/12"), Source: "ServiceCIDR kubernetes"},
		{Prefix: netip.MustParsePrefix("fd00:10:96::/108"), Source: "ServiceCIDR kubernetes"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("serviceCIDRRanges = %v, want %v", got, want)
	}
	if serviceCIDRRanges(nil) != nil {
		t.Fatal("no ServiceCIDR: no range")
	}
}
