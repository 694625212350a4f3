package controllers_test

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/yaml"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// The metric names are a contract: the alerts (config/prometheus) and the
// dashboard (config/grafana) query them, docs/metrics.md documents them.
// This drives a complaint through its whole story and webhook destinations
// that deliver, retry and fail, gathers the running manager's registry
// along the way, and checks every metric the rules and the dashboard query,
// and every one the documentation names, was exported with a series, with
// the labels its row in docs/metrics.md lists.
var _ = Describe("Exported metrics, the contract of the alerts, the dashboard and docs/metrics.md", func() {
	It("exports every metric the rules and the dashboard query, and documents every servicedesk_ metric", func() {
		want := queriedMetrics()
		documented := documentedMetrics()
		Expect(want).To(ContainElements("servicedesk_complaints_breached", "servicedesk_deadline_lateness_seconds_bucket", "workqueue_depth", "go_goroutines"),
			"the name extraction is broken")

		// exported collects every metric family gathered with at least
		// one series, by name, with its type; labels the names of the
		// labels of its series.
		exported := map[string]dto.MetricType{}
		labels := map[string]map[string]bool{}
		observe := func() {
			families, err := metrics.Registry.Gather()
			Expect(err).NotTo(HaveOccurred())
			for _, f := range families {
				if len(f.GetMetric()) > 0 {
					exported[f.GetName()] = f.GetType()
				}
				for _, m := range f.GetMetric() {
					if labels[f.GetName()] == nil {
						labels[f.GetName()] = map[string]bool{}
					}
					for _, l := range m.GetLabel() {
						labels[f.GetName()][l.GetName()] = true
					}
				}
			}
		}
		seen := func(name string) func() bool {
			return func() bool { observe(); _, ok := exported[name]; return ok }
		}

		ns := newNamespace()
		documentedLabels := documentedLabels()
		Expect(documentedLabels).To(HaveKeyWithValue("servicedesk_complaints_received_total", ConsistOf("namespace", "policy", "category", "tier", "channel")),
			"the label extraction is broken")
		crm := newReceiver("")
		DeferCleanup(crm.Close)
		retrying := newReceiver("")
		DeferCleanup(retrying.Close)
		retrying.fail(500)
		broken := newReceiver("")
		DeferCleanup(broken.Close)
		broken.fail(503)
		newPolicy(ns, "metrics", func(s *supportv1.ServicePolicySpec) {
			s.Targets.FirstResponse = dur(4 * time.Second)
			s.Targets.Resolution = dur(time.Hour)
			s.Targets.AtRiskPercent = 10
			s.Escalation = &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{{Name: "team-lead", Notify: []string{"crm"}}}}
			s.FollowUp = &supportv1.FollowUp{After: metav1.Duration{Duration: time.Second}, ReopenBelow: 3}
			s.Recovery = &supportv1.Recovery{Departments: []supportv1.Department{
				{Name: "warehouse", FulfilWithin: dur(2 * time.Second)}, {Name: "billing", FulfilWithin: dur(time.Hour)}}}
			s.Notify = []supportv1.NotifyTarget{
				{Name: "crm", Events: []supportv1.EventType{supportv1.EventCreated, supportv1.EventAcknowledged, supportv1.EventBreached,
					supportv1.EventResolved, supportv1.EventReopened, supportv1.EventClosed, supportv1.EventArchived},
					Webhook: &supportv1.Webhook{URL: crm.URL + "/crm", MaxAttempts: 50}},
				{Name: "retrying", Events: []supportv1.EventType{supportv1.EventCreated},
					Webhook: &supportv1.Webhook{URL: retrying.URL + "/retrying", MaxAttempts: 100}},
				{Name: "broken", Events: []supportv1.EventType{supportv1.EventCreated},
					Webhook: &supportv1.Webhook{URL: broken.URL + "/broken", MaxAttempts: 2}},
			}
		})
		c := newComplaint(ns, "story", nil)
		// Breached and never acknowledged: it stays so to the end.
		newComplaint(ns, "ignored", nil)

		By("a complaint at risk, then breached and escalated")
		Eventually(seen("servicedesk_complaints_at_risk"), 4*time.Second, 20*time.Millisecond).Should(BeTrue())
		Eventually(func(g Gomega) {
			g.Expect(getComplaint(c).Status.Clocks.FirstResponse.State).To(Equal(supportv1.ClockBreached))
			g.Expect(escalationsOf(ns, "story")).To(HaveLen(1))
		}, 10*time.Second).Should(Succeed())
		Eventually(seen("servicedesk_escalations_open")).Should(BeTrue())
		Eventually(seen("servicedesk_complaints_breached")).Should(BeTrue())

		By("acknowledged, resolved, reopened on low satisfaction, resolved again and closed satisfied")
		editSpec(c, func(s *supportv1.ComplaintSpec) { s.Acknowledgement = &supportv1.Acknowledgement{By: "agent-bob"} })
		Eventually(phaseOf(c)).Should(Equal(supportv1.PhaseAcknowledged))
		observe()
		editSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Resolution = &supportv1.Resolution{Summary: "replacement shipped", Apologized: true}
		})
		Eventually(phaseOf(c)).Should(Equal(supportv1.PhaseResolved))
		Eventually(func() bool { return getComplaint(c).Status.FollowUpNotified }, 5*time.Second).Should(BeTrue())
		editSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Feedback = &supportv1.Feedback{Satisfaction: ptr.To[int32](2), Comment: "still broken"}
		})
		Eventually(phaseOf(c)).Should(Equal(supportv1.PhaseReopened))
		observe()
		editSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Resolution = &supportv1.Resolution{Summary: "new device sent", Apologized: true}
			s.Feedback = nil
		})
		Eventually(phaseOf(c)).Should(Equal(supportv1.PhaseResolved))
		editSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Feedback = &supportv1.Feedback{Accepted: ptr.To(true), Satisfaction: ptr.To[int32](5)}
		})
		Eventually(phaseOf(c)).Should(Equal(supportv1.PhaseClosed))

		By("deliveries: delivered, retrying, failed")
		Eventually(func() []string { return crm.eventTypes("/crm") }, 15*time.Second).Should(ContainElements("Created", "Breached", "Closed"))
		Eventually(func() bool {
			return apimeta.IsStatusConditionTrue(getComplaint(c).Status.Conditions, supportv1.ConditionNotificationFailed)
		}, 15*time.Second).Should(BeTrue())
		Expect(retrying.attemptCount()).To(BeNumerically(">", 0))

		By("remedies: one overdue, one carried out")
		remedied := newComplaint(ns, "remedied", nil)
		editSpec(remedied, func(s *supportv1.ComplaintSpec) {
			s.Resolution = &supportv1.Resolution{Summary: "the right item, the fee back", Apologized: true, Actions: []supportv1.RemedyAction{
				{Name: "reship", Department: "warehouse", Kind: supportv1.RemedyReship}, {Name: "refund", Department: "billing", Kind: supportv1.RemedyRefund}}}
		})
		Eventually(seen("servicedesk_remedies_open")).Should(BeTrue())
		Eventually(func() string { return getRemedy(ns, "remedied-reship").Status.Escalation }, 10*time.Second).ShouldNot(BeEmpty())
		report(k8sClient, ns, "remedied-refund", supportv1.Fulfilment{Outcome: supportv1.FulfilmentDone, By: "billing-bot"})
		Eventually(seen("servicedesk_remedies_total")).Should(BeTrue())

		By("a complaint deleted: archived, then gone")
		deleted := newComplaint(ns, "deleted", nil)
		Eventually(func() []string { return getComplaint(deleted).Finalizers }).Should(ContainElement(supportv1.ArchiveFinalizer))
		Expect(k8sClient.Delete(ctx, deleted)).To(Succeed())
		Eventually(gone(deleted), 15*time.Second).Should(BeTrue())

		Eventually(func(g Gomega) {
			observe()
			var missing []string
			for _, name := range want {
				if !isExported(exported, name) {
					missing = append(missing, name)
				}
			}
			for _, name := range documented {
				if !isExported(exported, name) {
					missing = append(missing, name+" (docs/metrics.md)")
				}
			}
			g.Expect(missing).To(BeEmpty(), "queried or documented, never exported")
		}, 15*time.Second).Should(Succeed())

		By("each documented metric has the labels its row lists")
		for name, want := range documentedLabels {
			var got []string
			for l := range labels[name] {
				got = append(got, l)
			}
			Expect(got).To(ConsistOf(want), "labels of %s, as docs/metrics.md lists them", name)
		}

		var undocumented []string
		for name := range exported {
			if strings.HasPrefix(name, "servicedesk_") && !contains(documented, name) {
				undocumented = append(undocumented, name)
			}
		}
		Expect(undocumented).To(BeEmpty(), "exported, not in docs/metrics.md")
	})
})

// metricPrefixes are those of the metrics the manager exports: its own,
// controller-runtime's and the Go runtime's. `up` is Prometheus's own.
var metricPrefixes = []string{"servicedesk_", "controller_runtime_", "workqueue_", "process_", "go_"}

var identifier = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)

// metricNames returns the metric names in PromQL expressions: identifiers
// with a metric prefix. Recording rules' names (level:metric:operations)
// have colons and are skipped.
func metricNames(exprs ...string) []string {
	set := map[string]bool{}
	for _, e := range exprs {
		// Label matchers' values and legend text are in quotes.
		e = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`).ReplaceAllString(e, `""`)
		for _, id := range identifier.FindAllString(e, -1) {
			if strings.Contains(id, ":") {
				continue
			}
			for _, p := range metricPrefixes {
				if strings.HasPrefix(id, p) {
					set[id] = true
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// queriedMetrics are the metrics config/prometheus/prometheusrule.yaml's
// rules and config/grafana/servicedesk.json's targets and variables query.
func queriedMetrics() []string {
	var exprs []string

	b, err := os.ReadFile("../config/prometheus/prometheusrule.yaml")
	Expect(err).NotTo(HaveOccurred())
	var rule struct {
		Spec struct {
			Groups []struct {
				Rules []struct {
					Expr string `json:"expr"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"spec"`
	}
	Expect(yaml.Unmarshal(b, &rule)).To(Succeed())
	for _, g := range rule.Spec.Groups {
		for _, r := range g.Rules {
			exprs = append(exprs, r.Expr)
		}
	}
	Expect(exprs).NotTo(BeEmpty())

	b, err = os.ReadFile("../config/grafana/servicedesk.json")
	Expect(err).NotTo(HaveOccurred())
	var dashboard struct {
		Panels     []dashboardPanel `json:"panels"`
		Templating struct {
			List []struct {
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	Expect(json.Unmarshal(b, &dashboard)).To(Succeed())
	var walk func([]dashboardPanel)
	walk = func(ps []dashboardPanel) {
		for _, p := range ps {
			for _, t := range p.Targets {
				exprs = append(exprs, t.Expr)
			}
			walk(p.Panels)
		}
	}
	walk(dashboard.Panels)
	for _, v := range dashboard.Templating.List {
		exprs = append(exprs, v.Definition)
	}
	return metricNames(exprs...)
}

type dashboardPanel struct {
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []dashboardPanel `json:"panels"`
}

// documentedMetrics are the metrics docs/metrics.md names in backquotes.
func documentedMetrics() []string {
	b, err := os.ReadFile("../docs/metrics.md")
	Expect(err).NotTo(HaveOccurred())
	var exprs []string
	for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(string(b), -1) {
		exprs = append(exprs, m[1])
	}
	return metricNames(exprs...)
}

// documentedLabels are the label names of each servicedesk_ metric that
// has a row of its own in docs/metrics.md's tables: the backquoted names
// of the row's labels column, without the values some list in
// parentheses (`stage` (`breach`, `escalation`)).
func documentedLabels() map[string][]string {
	b, err := os.ReadFile("../docs/metrics.md")
	Expect(err).NotTo(HaveOccurred())
	quoted := regexp.MustCompile("`([^`]+)`")
	values := regexp.MustCompile(`\([^)]*\)`)
	out := map[string][]string{}
	column := -1
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "|") {
			column = -1
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if column < 0 {
			column = slices.Index(cells, "labels") // the header row
			continue
		}
		m := quoted.FindStringSubmatch(cells[0])
		if m == nil || m[0] != cells[0] || !strings.HasPrefix(m[1], "servicedesk_") || column >= len(cells) {
			continue
		}
		names := []string{}
		for _, l := range quoted.FindAllStringSubmatch(values.ReplaceAllString(cells[column], ""), -1) {
			names = append(names, l[1])
		}
		out[m[1]] = names
	}
	return out
}

// isExported reports whether a queried name is exported: a family of its
// own, or a histogram's (or summary's) _bucket, _sum or _count series.
func isExported(exported map[string]dto.MetricType, name string) bool {
	if _, ok := exported[name]; ok {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			t, found := exported[base]
			if found && (t == dto.MetricType_HISTOGRAM || (t == dto.MetricType_SUMMARY && suffix != "_bucket")) {
				return true
			}
		}
	}
	return false
}

func contains(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}
