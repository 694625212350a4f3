package desk

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"k8s.io/utils/ptr"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

func TestParseGestureValue(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"15%", `{"percent":15}`, ""},
		{" 100 % ", `{"percent":100}`, ""},
		{"25EUR", `{"amount":"25","currency":"EUR"}`, ""},
		{"12.50 USD", `{"amount":"12.50","currency":"USD"}`, ""},
		{"101%", "", "a percent is 0% to 100%"},
		{"25eur", "", "give a percent (15%) or an amount and its currency (25EUR)"},
		{"EUR", "", "give a percent"},
		{"lots", "", "give a percent"},
	} {
		v, err := ParseGestureValue(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseGestureValue(%q) error = %v, want one holding %q", tc.in, err, tc.err)
			}
			continue
		}
		got, _ := json.Marshal(v)
		if err != nil || string(got) != tc.want {
			t.Errorf("ParseGestureValue(%q) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestParseActions(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want []supportv1.RemedyAction
		err  string
	}{
		{nil, nil, ""},
		{[]string{"reship=warehouse:reship:right item, overnight: 8am", "call=front-desk:Call"}, []supportv1.RemedyAction{
			{Name: "reship", Department: "warehouse", Kind: supportv1.RemedyReship, Detail: "right item, overnight: 8am"},
			{Name: "call", Department: "front-desk", Kind: supportv1.RemedyCall}}, ""},
		{[]string{"reship"}, nil, `--action "reship": give NAME=DEPARTMENT:KIND[:DETAIL]`},
		{[]string{"reship=warehouse"}, nil, "give NAME=DEPARTMENT:KIND[:DETAIL]"},
		{[]string{"Reship=warehouse:Reship"}, nil, `the name "Reship" must be lower-case letters, digits and inner dashes`},
		{[]string{strings.Repeat("r", 41) + "=warehouse:Reship"}, nil, `at most 40`},
		{[]string{"reship=ware house:Reship"}, nil, `the department "ware house" must be lower-case`},
		{[]string{"reship=warehouse:Ship"}, nil, `unknown remedy kind "Ship": valid values are Reship, Refund, Voucher, Repair, Visit, Call, Other`},
		{[]string{"x=warehouse:Reship", "x=billing:Refund"}, nil, "another action is named x"},
	} {
		t.Run(strings.Join(tc.in, " "), func(t *testing.T) {
			got, err := ParseActions(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error %v, want one holding %q", err, tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestPatches(t *testing.T) {
	for _, tc := range []struct {
		name  string
		patch []byte
		want  string
	}{
		{"ack with a note", AckPatch("agent-bob", "called back"), `{"spec":{"acknowledgement":{"by":"agent-bob","note":"called back"}}}`},
		{"ack without a note removes an old one", AckPatch("agent-bob", ""), `{"spec":{"acknowledgement":{"by":"agent-bob","note":null}}}`},
		{"wait on the customer", WaitOnPatch(supportv1.WaitingOnCustomer), `{"spec":{"waitingOn":"Customer"}}`},
		{"wait on nobody removes the field", WaitOnPatch(supportv1.WaitingOnNobody), `{"spec":{"waitingOn":null}}`},
		{"update", UpdatePatch("agent-bob", "shipped"), `{"spec":{"lastUpdate":{"by":"agent-bob","note":"shipped"}}}`},
		{"resolve replaces the resolution whole and drops an old approval",
			ResolvePatch(ResolveOptions{Summary: "done", Apologized: true, Remedy: "redelivered", Gesture: "Discount", Detail: "15%", By: "agent-bob"}),
			`{"spec":{"resolution":{"actions":null,"apologized":true,"approvedBy":null,"assessment":null,"gesture":{"detail":"15%","kind":"Discount","value":null},"outcome":null,"proposedBy":"agent-bob","reason":null,"remedy":"redelivered","summary":"done"}}}`},
		{"resolve without a gesture leaves it to the policy",
			ResolvePatch(ResolveOptions{Summary: "done"}),
			`{"spec":{"resolution":{"actions":null,"apologized":false,"approvedBy":null,"assessment":null,"gesture":null,"outcome":null,"proposedBy":null,"reason":null,"remedy":null,"summary":"done"}}}`},
		{"resolve with a gesture's value and the company's fault",
			ResolvePatch(ResolveOptions{Summary: "done", Gesture: "Discount", Value: "30%", Fault: "Full"}),
			`{"spec":{"resolution":{"actions":null,"apologized":false,"approvedBy":null,"assessment":{"companyFault":"Full"},"gesture":{"detail":null,"kind":"Discount","value":{"percent":30}},"outcome":null,"proposedBy":null,"reason":null,"remedy":null,"summary":"done"}}}`},
		{"resolve declining the demand, with its reason and no gesture",
			ResolvePatch(ResolveOptions{Summary: "explained our terms", Apologized: true, By: "agent-bob", Decline: "beyond our terms"}),
			`{"spec":{"resolution":{"actions":null,"apologized":true,"approvedBy":null,"assessment":null,"gesture":null,"outcome":"Declined","proposedBy":"agent-bob","reason":"beyond our terms","remedy":null,"summary":"explained our terms"}}}`},
		{"resolve with actions for the departments",
			ResolvePatch(ResolveOptions{Summary: "replaced", Actions: []supportv1.RemedyAction{
				{Name: "reship", Department: "warehouse", Kind: supportv1.RemedyReship, Detail: "right item"},
				{Name: "refund", Department: "billing", Kind: supportv1.RemedyRefund}}}),
			`{"spec":{"resolution":{"actions":[{"name":"reship","department":"warehouse","kind":"Reship","detail":"right item"},{"name":"refund","department":"billing","kind":"Refund"}],"apologized":false,"approvedBy":null,"assessment":null,"gesture":null,"outcome":null,"proposedBy":null,"reason":null,"remedy":null,"summary":"replaced"}}}`},
		{"approve is bound to the version read", ApprovePatch("lead-carol", "42"),
			`{"metadata":{"resourceVersion":"42"},"spec":{"resolution":{"approvedBy":"lead-carol"}}}`},
		{"owner is bound to the version read and sets only spec.owner", OwnerPatch("agent-dan", "42"),
			`{"metadata":{"resourceVersion":"42"},"spec":{"owner":"agent-dan"}}`},
		{"feedback without acceptance", FeedbackPatch(2, "rude courier", nil), `{"spec":{"feedback":{"accepted":null,"comment":"rude courier","satisfaction":2}}}`},
		{"feedback with acceptance", FeedbackPatch(5, "", ptr.To(true)), `{"spec":{"feedback":{"accepted":true,"comment":null,"satisfaction":5}}}`},
		{"agreement", AgreementPatch(true, "agent-bob", "a courier tonight is fine"), `{"spec":{"agreement":{"accepted":true,"by":"agent-bob","note":"a courier tonight is fine"}}}`},
		{"agreement declined without a note removes an old one", AgreementPatch(false, "agent-bob", ""), `{"spec":{"agreement":{"accepted":false,"by":"agent-bob","note":null}}}`},
		{"decide", DecidePatch("lead-carol", "yes"), `{"spec":{"acknowledgement":{"by":"lead-carol","decision":"yes"}}}`},
		{"done is bound to the version read and writes the report whole", FulfilmentPatch(supportv1.FulfilmentDone, "warehouse-wendy", "", "TRACK-1", "42"),
			`{"metadata":{"resourceVersion":"42"},"spec":{"fulfilment":{"by":"warehouse-wendy","note":null,"outcome":"Done","reference":"TRACK-1"}}}`},
		{"failed carries its reason as the note", FulfilmentPatch(supportv1.FulfilmentFailed, "warehouse-wendy", "out of stock", "", "7"),
			`{"metadata":{"resourceVersion":"7"},"spec":{"fulfilment":{"by":"warehouse-wendy","note":"out of stock","outcome":"Failed","reference":null}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if string(tc.patch) != tc.want {
				t.Errorf("got  %s\nwant %s", tc.patch, tc.want)
			}
		})
	}
}
