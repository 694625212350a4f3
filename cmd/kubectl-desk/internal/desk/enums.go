package desk

import (
	"fmt"
	"strings"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// The valid values of the API's enums, in the order of their
// +kubebuilder:validation:Enum markers (a unit test compares them with the
// CRDs in config/crd/bases).
var (
	// Tiers are the customer tiers.
	Tiers = []string{string(supportv1.TierKey), string(supportv1.TierStandard)}
	// Categories are the failure categories of a complaint.
	Categories = []string{
		string(supportv1.CategoryMissedDeadline), string(supportv1.CategoryOrderError),
		string(supportv1.CategoryUnprofessionalHandling), string(supportv1.CategoryWrongInformation),
		string(supportv1.CategoryDissatisfaction), string(supportv1.CategoryOther),
	}
	// Severities are the severities of a complaint.
	Severities = []string{
		string(supportv1.SeverityLow), string(supportv1.SeverityMedium),
		string(supportv1.SeverityHigh), string(supportv1.SeverityCritical),
	}
	// Channels are the channels a complaint comes in by (the API names no
	// constants for them).
	Channels = []string{"Phone", "Email", "Web", "Chat", "InPerson", "API"}
	// GestureKinds are the kinds of tangible gesture.
	GestureKinds = []string{
		string(supportv1.GestureDiscount), string(supportv1.GestureGift), string(supportv1.GestureFreeService),
		string(supportv1.GestureAbsorbCost), string(supportv1.GesturePersonalCall), string(supportv1.GestureOther),
	}
	// RemedyKinds are the kinds of remedy a department carries out.
	RemedyKinds = []string{
		string(supportv1.RemedyReship), string(supportv1.RemedyRefund), string(supportv1.RemedyVoucher), string(supportv1.RemedyRepair),
		string(supportv1.RemedyVisit), string(supportv1.RemedyCall), string(supportv1.RemedyOther),
	}
	// WaitingOnValues are the arguments of wait-on: none clears spec.waitingOn.
	WaitingOnValues = []string{"customer", "vendor", "none"}
)

// Enum returns the valid value that v names, ignoring case, or an error
// that lists the valid values: what is wrong and what would work.
func Enum(what, v string, valid []string) (string, error) {
	for _, x := range valid {
		if strings.EqualFold(x, v) {
			return x, nil
		}
	}
	return "", fmt.Errorf("unknown %s %q: valid values are %s", what, v, strings.Join(valid, ", "))
}

// WaitingOn maps a wait-on argument (customer, vendor, none; any case) to
// the spec.waitingOn value.
func WaitingOn(arg string) (supportv1.WaitingOn, error) {
	v, err := Enum("wait-on value", arg, WaitingOnValues)
	if err != nil {
		return "", err
	}
	switch v {
	case "customer":
		return supportv1.WaitingOnCustomer, nil
	case "vendor":
		return supportv1.WaitingOnVendor, nil
	}
	return supportv1.WaitingOnNobody, nil
}
