package v1alpha1_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Hostile objects: what a careless script or a hostile tenant might apply.
// Each is refused at admission with a message naming the field; what the
// schema accepts is handled by the operator (controllers/hostile_test.go).
var _ = Describe("Hostile objects at admission", func() {
	DescribeTable("are refused with a message naming the field",
		func(doc func() string, wantField string, wantWords ...string) {
			ns := newNamespace()
			err := k8sClient.Create(ctx, fromYAML(doc(), ns))
			Expect(err).To(HaveOccurred())
			Expect(apierrors.IsInvalid(err) || apierrors.IsBadRequest(err)).To(BeTrue(), "want Invalid or BadRequest, got %v", err)
			Expect(err.Error()).To(ContainSubstring(wantField))
			for _, w := range wantWords {
				Expect(err.Error()).To(ContainSubstring(w))
			}
		},
		Entry("a summary of 100 KiB", func() string {
			return withSpec(validComplaint, func(s map[string]any) { s["summary"] = strings.Repeat("x", 100<<10) })
		}, "spec.summary", "Too long"),
		Entry("a description of 1 MiB", func() string {
			return withSpec(validComplaint, func(s map[string]any) { s["description"] = strings.Repeat("é", 512<<10) })
		}, "spec.description", "Too long"),
		Entry("a deeply nested description", func() string {
			return withSpec(validComplaint, func(s map[string]any) {
				var v any = "bottom"
				for range 50 {
					v = map[string]any{"more": v}
				}
				s["description"] = v
			})
		}, "spec.description", "string"),
		Entry("a customer name that is a list", func() string {
			return withSpec(validComplaint, func(s map[string]any) { s["customer"] = m("name", l("Acme", "Ltd"), "tier", "Key") })
		}, "spec.customer.name", "string"),
		Entry("a satisfaction that is text", func() string {
			return withSpec(validComplaint, func(s map[string]any) { s["feedback"] = m("satisfaction", "five") })
		}, "spec.feedback.satisfaction", "integer"),
		Entry("a satisfaction of 2^40", func() string {
			return withSpec(validComplaint, func(s map[string]any) { s["feedback"] = m("satisfaction", int64(1)<<40) })
		}, "spec.feedback.satisfaction"),
		Entry("an unknown tier in unicode", func() string {
			return withSpec(validComplaint, func(s map[string]any) { s["customer"] = m("name", "Acme", "tier", "Kéy✓") })
		}, "spec.customer.tier", "Unsupported value"),
		Entry("a complaint name of 254 characters", func() string {
			return strings.Replace(validComplaint, "name: c1", "name: "+strings.Repeat("a", 254), 1)
		}, "metadata.name", "253"),
		Entry("a policy target past what a duration can hold", func() string {
			return withSpec(validPolicy, func(s map[string]any) { s["targets"] = m("firstResponse", "9999999999999h") })
		}, "spec.targets.firstResponse"),
		Entry("a policy target of 10000000h (past 290 years: no duration holds it)", func() string {
			return withSpec(validPolicy, func(s map[string]any) { s["targets"] = m("firstResponse", "10000000h") })
		}, "spec.targets.firstResponse"),
		Entry("a ladder level after 10000000h", func() string {
			return withSpec(validPolicy, func(s map[string]any) {
				s["escalation"] = m("levels", l(m("name", "lead", "after", "10000000h")))
			})
		}, "spec.escalation.levels[0].after"),
		Entry("a policy target that is a number", func() string {
			return withSpec(validPolicy, func(s map[string]any) { s["targets"] = m("firstResponse", 900) })
		}, "spec.targets.firstResponse", "string"),
		Entry("a policy with 17 notify entries", func() string {
			return withSpec(validPolicy, func(s map[string]any) {
				var list []any
				for i := range 17 {
					list = append(list, m("name", "n"+strings.Repeat("x", i), "events", l("Created"), "webhook", m("url", "https://crm.example/x")))
				}
				s["notify"] = list
			})
		}, "spec.notify", "17"),
		Entry("a policy retention of zero", func() string {
			return withSpec(validPolicy, func(s map[string]any) { s["retention"] = m("closedFor", "0s") })
		}, "spec.retention.closedFor", "positive"),
		Entry("a policy retention that is not a duration", func() string {
			return withSpec(validPolicy, func(s map[string]any) { s["retention"] = m("closedFor", "a month") })
		}, "spec.retention.closedFor"),
	)
})
