package desk

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"sigs.k8s.io/yaml"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// crdEnum reads an enum of the complaint CRD's schema at a path of
// properties ("[]": an array's items).
func crdEnum(t *testing.T, path ...string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "config", "crd", "bases", "support.servicedesk.dev_complaints.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var crd struct {
		Spec struct {
			Versions []struct {
				Schema struct {
					OpenAPIV3Schema schema `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &crd); err != nil {
		t.Fatal(err)
	}
	s := crd.Spec.Versions[0].Schema.OpenAPIV3Schema
	for _, p := range path {
		if p == "[]" && s.Items != nil {
			s = *s.Items
			continue
		}
		next, ok := s.Properties[p]
		if !ok {
			t.Fatalf("no property %s in the CRD schema", p)
		}
		s = next
	}
	return s.Enum
}

type schema struct {
	Properties map[string]schema `json:"properties"`
	Items      *schema           `json:"items"`
	Enum       []string          `json:"enum"`
}

func TestEnumsMatchTheCRD(t *testing.T) {
	for _, tc := range []struct {
		name string
		path []string
		got  []string
	}{
		{"tier", []string{"spec", "customer", "tier"}, Tiers},
		{"category", []string{"spec", "category"}, Categories},
		{"severity", []string{"spec", "severity"}, Severities},
		{"channel", []string{"spec", "channel"}, Channels},
		{"gesture kind", []string{"spec", "resolution", "gesture", "kind"}, GestureKinds},
		{"remedy kind", []string{"spec", "resolution", "actions", "[]", "kind"}, RemedyKinds},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if want := crdEnum(t, tc.path...); !reflect.DeepEqual(tc.got, want) {
				t.Errorf("plugin lists %v, the CRD %v", tc.got, want)
			}
		})
	}
}

func TestEnum(t *testing.T) {
	for _, tc := range []struct {
		name, in, want, err string
	}{
		{"exact value", "Discount", "Discount", ""},
		{"any case", "personalcall", "PersonalCall", ""},
		{"unknown lists the valid values", "Coupon", "", `unknown gesture kind "Coupon": valid values are Discount, Gift, FreeService, AbsorbCost, PersonalCall, Other`},
		{"empty is unknown", "", "", `unknown gesture kind "": valid values are Discount, Gift, FreeService, AbsorbCost, PersonalCall, Other`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Enum("gesture kind", tc.in, GestureKinds)
			if got != tc.want || errString(err) != tc.err {
				t.Errorf("Enum(%q) = %q, %v; want %q, %q", tc.in, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestWaitingOn(t *testing.T) {
	for in, want := range map[string]supportv1.WaitingOn{"customer": supportv1.WaitingOnCustomer, "Vendor": supportv1.WaitingOnVendor, "none": supportv1.WaitingOnNobody} {
		if got, err := WaitingOn(in); err != nil || got != want {
			t.Errorf("WaitingOn(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := WaitingOn("lead"); errString(err) != `unknown wait-on value "lead": valid values are customer, vendor, none` {
		t.Errorf("WaitingOn(lead): %v", err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
