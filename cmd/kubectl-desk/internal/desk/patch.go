package desk

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// The work commands write JSON merge patches (RFC 7386) with the field
// manager kubectl-desk. A merge patch names only the fields it sets, so it
// never touches what GitOps or other writers own; server-side apply would
// take every field this manager set before and not set again as a request
// to remove it. Each patch replaces its own spec part whole (absent options
// become null), so nothing of an earlier value lingers, e.g. the approvedBy
// of a resolution the customer rejected.

// FieldManager is the field manager of the plugin's writes: the API server
// stamps them in managedFields, and the operator counts each fact from that
// stamp.
const FieldManager = "kubectl-desk"

// AckPatch records the first response: the customer was contacted.
func AckPatch(by, note string) []byte {
	return specPatch("acknowledgement", map[string]any{"by": by, "note": orNull(note)})
}

// WaitOnPatch sets spec.waitingOn, or removes it for WaitingOnNobody.
func WaitOnPatch(w supportv1.WaitingOn) []byte {
	if w == supportv1.WaitingOnNobody {
		return specPatch("waitingOn", nil)
	}
	return specPatch("waitingOn", string(w))
}

// UpdatePatch records a progress update given to the customer.
func UpdatePatch(by, note string) []byte {
	return specPatch("lastUpdate", map[string]any{"note": note, "by": orNull(by)})
}

// ResolveOptions are the flags of resolve.
type ResolveOptions struct {
	Summary, Remedy, Gesture, Detail string
	Apologized                       bool
	By                               string
	// Decline is the reason a demand is declined (outcome Declined); empty:
	// the resolution remedies.
	Decline string
	// Value is the gesture's value: "15%" or an amount and currency, "25EUR".
	Value string
	// Fault is the company's fault (None, Partial, Full); empty: not assessed.
	Fault string
	// Actions are what departments carry out once the resolution is
	// accepted (ParseAction); none: nothing to carry out.
	Actions []supportv1.RemedyAction
}

// ParseAction reads a resolve --action: NAME=DEPARTMENT:KIND[:DETAIL],
// e.g. "reship=warehouse:Reship:right item, overnight" (the kind in any
// case; the detail may hold colons).
func ParseAction(s string) (supportv1.RemedyAction, error) {
	name, rest, ok := strings.Cut(s, "=")
	parts := strings.SplitN(rest, ":", 3)
	if !ok || len(parts) < 2 {
		return supportv1.RemedyAction{}, fmt.Errorf("--action %q: give NAME=DEPARTMENT:KIND[:DETAIL], e.g. --action \"reship=warehouse:Reship:right item, overnight\"", s)
	}
	// The CRD's rules: DNS labels of at most 40 (name) and 63 (department).
	for _, f := range []struct {
		what, v string
		most    int
	}{{"name", name, 40}, {"department", parts[0], 63}} {
		if len(validation.IsDNS1123Label(f.v)) > 0 || len(f.v) > f.most {
			return supportv1.RemedyAction{}, fmt.Errorf("--action %q: the %s %q must be lower-case letters, digits and inner dashes, at most %d, e.g. warehouse", s, f.what, f.v, f.most)
		}
	}
	kind, err := Enum("remedy kind", parts[1], RemedyKinds)
	if err != nil {
		return supportv1.RemedyAction{}, fmt.Errorf("--action %q: %w", s, err)
	}
	a := supportv1.RemedyAction{Name: name, Department: parts[0], Kind: supportv1.RemedyKind(kind)}
	if len(parts) == 3 {
		a.Detail = parts[2]
	}
	return a, nil
}

// ParseActions reads the --action flags of resolve; their names are unique.
func ParseActions(flags []string) ([]supportv1.RemedyAction, error) {
	var out []supportv1.RemedyAction
	seen := map[string]bool{}
	for _, f := range flags {
		a, err := ParseAction(f)
		if err != nil {
			return nil, err
		}
		if seen[a.Name] {
			return nil, fmt.Errorf("--action %q: another action is named %s: each needs a name of its own (its Remedy is <complaint>-<name>)", f, a.Name)
		}
		seen[a.Name] = true
		out = append(out, a)
	}
	return out, nil
}

// ParseGestureValue reads a gesture's value: "15%" (of the order) or an
// amount with its currency, "25EUR" or "12.50 EUR".
func ParseGestureValue(s string) (map[string]any, error) {
	s = strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(s, "%"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 || n > 100 {
			return nil, fmt.Errorf("gesture value %q: a percent is 0%% to 100%%, e.g. 15%%", s)
		}
		return map[string]any{"percent": n}, nil
	}
	if len(s) > 3 {
		amount, currency := strings.TrimSpace(s[:len(s)-3]), s[len(s)-3:]
		if _, err := strconv.ParseFloat(amount, 64); err == nil && strings.ToUpper(currency) == currency && strings.Trim(currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" {
			return map[string]any{"amount": amount, "currency": currency}, nil
		}
	}
	return nil, fmt.Errorf("gesture value %q: give a percent (15%%) or an amount and its currency (25EUR)", s)
}

// ResolvePatch proposes a resolution. It replaces any earlier one whole:
// a new proposal needs a new approval.
func ResolvePatch(o ResolveOptions) []byte {
	var gesture any
	if o.Gesture != "" {
		g := map[string]any{"kind": o.Gesture, "detail": orNull(o.Detail), "value": nil}
		if v, err := ParseGestureValue(o.Value); o.Value != "" && err == nil {
			g["value"] = v
		}
		gesture = g
	}
	var assessment any
	if o.Fault != "" {
		assessment = map[string]any{"companyFault": o.Fault}
	}
	var outcome any
	if o.Decline != "" {
		outcome = string(supportv1.OutcomeDeclined)
	}
	var actions any
	if len(o.Actions) > 0 {
		actions = o.Actions
	}
	return specPatch("resolution", map[string]any{
		"summary":    o.Summary,
		"apologized": o.Apologized,
		"remedy":     orNull(o.Remedy),
		"gesture":    gesture,
		"proposedBy": orNull(o.By),
		"approvedBy": nil,
		"outcome":    outcome,
		"reason":     orNull(o.Decline),
		"assessment": assessment,
		"actions":    actions,
	})
}

// ApprovePatch approves the proposed resolution. It carries the
// resourceVersion the approver saw, so that a resolution changed in the
// meantime is not approved unseen (the API server answers Conflict).
func ApprovePatch(by, resourceVersion string) []byte {
	return patch(map[string]any{
		"metadata": map[string]any{"resourceVersion": resourceVersion},
		"spec":     map[string]any{"resolution": map[string]any{"approvedBy": by}},
	})
}

// OwnerPatch makes owner the one person responsible for the complaint
// (spec.owner), and nothing else. It carries the resourceVersion of the
// complaint read, so that what take and assign print as the old owner is
// the one replaced, and two people taking the same complaint at once do
// not both believe they own it: the later write meets a Conflict.
func OwnerPatch(owner, resourceVersion string) []byte {
	return patch(map[string]any{
		"metadata": map[string]any{"resourceVersion": resourceVersion},
		"spec":     map[string]any{"owner": owner},
	})
}

// FulfilmentPatch records a department's report on a remedy:
// spec.fulfilment whole, its outcome and who carried it out, a note (why,
// for a failure) and the department's reference. A report is final once
// recorded, so the patch carries the resourceVersion of the remedy read:
// a report written meanwhile by someone else (or the department's
// operator) is never overwritten; the API server answers Conflict.
func FulfilmentPatch(outcome supportv1.FulfilmentOutcome, by, note, reference, resourceVersion string) []byte {
	return patch(map[string]any{
		"metadata": map[string]any{"resourceVersion": resourceVersion},
		"spec": map[string]any{"fulfilment": map[string]any{
			"outcome": string(outcome), "by": by, "note": orNull(note), "reference": orNull(reference),
		}},
	})
}

// FeedbackPatch records the customer's answer to the follow-up; accepted
// nil leaves acceptance unsaid.
func FeedbackPatch(satisfaction int32, comment string, accepted *bool) []byte {
	var acc any
	if accepted != nil {
		acc = *accepted
	}
	return specPatch("feedback", map[string]any{"satisfaction": satisfaction, "comment": orNull(comment), "accepted": acc})
}

// AgreementPatch records the customer's answer to the proposed resolution,
// as by recorded it.
func AgreementPatch(accepted bool, by, note string) []byte {
	return specPatch("agreement", map[string]any{"accepted": accepted, "by": by, "note": orNull(note)})
}

// DecidePatch acknowledges an escalation with the lead's decision.
func DecidePatch(by, decision string) []byte {
	return specPatch("acknowledgement", map[string]any{"by": by, "decision": orNull(decision)})
}

// CheckSatisfaction refuses a satisfaction outside 1-5 before the API
// server does.
func CheckSatisfaction(n int32) error {
	if n < 1 || n > 5 {
		return fmt.Errorf("satisfaction %d is outside 1-5: give 1 (very unhappy) to 5 (very happy), e.g. --satisfaction 4", n)
	}
	return nil
}

func specPatch(field string, v any) []byte {
	return patch(map[string]any{"spec": map[string]any{field: v}})
}

func patch(m map[string]any) []byte {
	b, err := json.Marshal(m) // maps of strings, bools and numbers always marshal
	if err != nil {
		panic(err)
	}
	return b
}

// orNull is s, or JSON null (remove the field) when s is empty.
func orNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}
