package controllers_test

import (
	"encoding/base64"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

func dur(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }

func newPolicy(ns, name string, mutate func(*supportv1.ServicePolicySpec)) *supportv1.ServicePolicy {
	p := &supportv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
	p.Spec.Targets.AtRiskPercent = 75
	if mutate != nil {
		mutate(&p.Spec)
	}
	Expect(k8sClient.Create(ctx, p)).To(Succeed())
	return p
}

func newComplaint(ns, name string, mutate func(*supportv1.Complaint)) *supportv1.Complaint {
	c := &supportv1.Complaint{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: supportv1.ComplaintSpec{
			Customer: supportv1.Customer{Name: "Acme Pharmacy", Tier: supportv1.TierKey},
			Category: supportv1.CategoryMissedDeadline,
			Severity: supportv1.SeverityHigh,
			Summary:  "insulin not delivered",
		},
	}
	if mutate != nil {
		mutate(c)
	}
	Expect(k8sClient.Create(ctx, c)).To(Succeed())
	return c
}

func getComplaint(c *supportv1.Complaint) *supportv1.Complaint {
	var got supportv1.Complaint
	ExpectWithOffset(1, k8sClient.Get(ctx, client.ObjectKeyFromObject(c), &got)).To(Succeed())
	return &got
}

// editSpec changes a complaint's spec as a person would, retrying on conflict.
func editSpec(c *supportv1.Complaint, edit func(*supportv1.ComplaintSpec)) {
	EventuallyWithOffset(1, func() error {
		got := getComplaint(c)
		edit(&got.Spec)
		return k8sClient.Update(ctx, got)
	}).Should(Succeed())
}

func phaseOf(c *supportv1.Complaint) func() supportv1.Phase {
	return func() supportv1.Phase { return getComplaint(c).Status.Phase }
}

// policyCondition reads a condition of a policy as it is now, for Eventually.
func policyCondition(p *supportv1.ServicePolicy, conditionType string) func(g Gomega) *metav1.Condition {
	return func(g Gomega) *metav1.Condition {
		var got supportv1.ServicePolicy
		g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(p), &got)).To(Succeed())
		return apimeta.FindStatusCondition(got.Status.Conditions, conditionType)
	}
}

func eventReasons(obj client.Object) []string {
	var list eventsv1.EventList
	Expect(k8sClient.List(ctx, &list, client.InNamespace(obj.GetNamespace()))).To(Succeed())
	var out []string
	for _, e := range list.Items {
		if e.Regarding.Name == obj.GetName() && e.Regarding.UID == obj.GetUID() {
			out = append(out, e.Reason)
		}
	}
	return out
}

// eventMessages are the messages of obj's Events by reason.
func eventMessages(obj client.Object) map[string][]string {
	var list eventsv1.EventList
	Expect(k8sClient.List(ctx, &list, client.InNamespace(obj.GetNamespace()))).To(Succeed())
	out := map[string][]string{}
	for _, e := range list.Items {
		if e.Regarding.Name == obj.GetName() && e.Regarding.UID == obj.GetUID() {
			out[e.Reason] = append(out[e.Reason], e.Note)
		}
	}
	return out
}

var _ = Describe("Complaint lifecycle", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("breaches first response within a second of its due time", func() {
		newPolicy(ns, "fast", func(s *supportv1.ServicePolicySpec) { s.Targets.FirstResponse = dur(3 * time.Second) })
		c := newComplaint(ns, "late", nil)

		var seenAt time.Time
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.Clocks.FirstResponse).NotTo(BeNil())
			g.Expect(got.Status.Clocks.FirstResponse.State).To(Equal(supportv1.ClockBreached))
			seenAt = time.Now()
		}, 10*time.Second, 20*time.Millisecond).Should(Succeed())
		got := getComplaint(c)
		due := got.Status.Clocks.FirstResponse.DueAt.Time
		Expect(due).To(Equal(got.CreationTimestamp.Add(3 * time.Second)))
		Expect(seenAt.Sub(due)).To(BeNumerically("<", time.Second), "breach seen %s after due", seenAt.Sub(due))
		Expect(seenAt.Sub(due)).To(BeNumerically(">=", 0))

		cond := apimeta.FindStatusCondition(got.Status.Conditions, supportv1.ConditionBreached)
		Expect(cond).NotTo(BeNil())
		Expect(cond.Status).To(Equal(metav1.ConditionTrue))
		Expect(cond.Message).To(ContainSubstring("firstResponse breached at"))
		Expect(got.Status.BreachedAt.Time).To(Equal(due))
		Eventually(func() []string { return eventReasons(got) }).Should(ContainElements("AtRisk", "Breached"))
		Expect(eventReasons(got)).NotTo(ContainElement("Created"), "recording a complaint is no Event: history tells it")
	})

	It("meets first response when acknowledged in time, and records the story", func() {
		newPolicy(ns, "std", func(s *supportv1.ServicePolicySpec) {
			s.Targets.FirstResponse = dur(time.Hour)
			s.Targets.Update = dur(4 * time.Hour)
			s.Targets.Resolution = dur(24 * time.Hour)
		})
		c := newComplaint(ns, "c", nil)
		Eventually(phaseOf(c)).Should(Equal(supportv1.PhaseNew))
		Expect(getComplaint(c).Status.Policy).To(Equal("std"))

		editSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Acknowledgement = &supportv1.Acknowledgement{By: "agent-bob", Note: "called back"}
		})
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.Phase).To(Equal(supportv1.PhaseAcknowledged))
			g.Expect(got.Status.Clocks.FirstResponse.State).To(Equal(supportv1.ClockMet))
			g.Expect(got.Status.Clocks.Update.State).To(Equal(supportv1.ClockRunning))
			g.Expect(got.Status.Clocks.Update.DueAt.Time).To(Equal(got.Status.AcknowledgedAt.Add(4 * time.Hour)))
			g.Expect(got.Status.Clocks.Resolution.DueAt.Time).To(Equal(got.CreationTimestamp.Add(24 * time.Hour)))
			g.Expect(got.Status.NextDueAt.Time).To(Equal(got.Status.AcknowledgedAt.Add(4 * time.Hour)))
			g.Expect(got.Status.History).To(ContainElement(HaveField("Event", "Acknowledged")))
		}).Should(Succeed())
	})

	It("pauses the clocks while waiting on the customer", func() {
		newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) {
			s.Targets.Resolution = dur(time.Hour)
			s.PauseWhile = []supportv1.WaitingOn{supportv1.WaitingOnCustomer}
		})
		c := newComplaint(ns, "c", nil)
		var due time.Time
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.Clocks.Resolution).NotTo(BeNil())
			due = got.Status.Clocks.Resolution.DueAt.Time
		}).Should(Succeed())

		editSpec(c, func(s *supportv1.ComplaintSpec) { s.WaitingOn = supportv1.WaitingOnCustomer })
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.Phase).To(Equal(supportv1.PhaseWaiting))
			g.Expect(got.Status.Clocks.Resolution.State).To(Equal(supportv1.ClockPaused))
			g.Expect(got.Status.WaitingSince).NotTo(BeNil())
		}).Should(Succeed())
		time.Sleep(2100 * time.Millisecond)
		editSpec(c, func(s *supportv1.ComplaintSpec) { s.WaitingOn = "" })
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.Clocks.Resolution.State).To(Equal(supportv1.ClockRunning))
			paused := got.Status.Clocks.Resolution.PausedFor
			g.Expect(paused).NotTo(BeNil())
			g.Expect(paused.Duration).To(BeNumerically(">=", 2*time.Second))
			g.Expect(got.Status.Clocks.Resolution.DueAt.Time).To(Equal(due.Add(paused.Duration)))
		}).Should(Succeed())
	})

	It("holds a resolution for approval, requires the apology, and offers the default gesture", func() {
		newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) {
			s.Targets.Resolution = dur(time.Hour)
			s.Recovery = &supportv1.Recovery{RequireApology: true, RequireApproval: true, Gestures: []supportv1.GestureRule{
				{Categories: []supportv1.Category{supportv1.CategoryMissedDeadline}, Kind: supportv1.GestureDiscount, Detail: "15% off"},
			}}
			s.FollowUp = &supportv1.FollowUp{After: metav1.Duration{Duration: time.Hour}}
		})
		c := newComplaint(ns, "c", nil)
		Eventually(phaseOf(c)).Should(Equal(supportv1.PhaseNew))

		editSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Resolution = &supportv1.Resolution{Summary: "delivered by courier", ProposedBy: "agent-bob"}
		})
		Eventually(func(g Gomega) {
			cond := apimeta.FindStatusCondition(getComplaint(c).Status.Conditions, supportv1.ConditionResolutionAccepted)
			g.Expect(cond).NotTo(BeNil())
			g.Expect(cond.Reason).To(Equal(supportv1.ReasonApologyMissing))
		}).Should(Succeed())
		Expect(getComplaint(c).Status.Phase).To(Equal(supportv1.PhaseNew))

		editSpec(c, func(s *supportv1.ComplaintSpec) { s.Resolution.Apologized = true })
		Eventually(phaseOf(c)).Should(Equal(supportv1.PhasePendingApproval))

		editSpec(c, func(s *supportv1.ComplaintSpec) { s.Resolution.ApprovedBy = "lead-carol" })
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.Phase).To(Equal(supportv1.PhaseResolved))
			g.Expect(got.Status.Clocks.Resolution.State).To(Equal(supportv1.ClockMet))
			g.Expect(got.Status.Gesture).To(Equal(&supportv1.Gesture{Kind: supportv1.GestureDiscount, Detail: "15% off"}))
			g.Expect(got.Status.FollowUpAt.Time).To(Equal(got.Status.ResolvedAt.Add(time.Hour)))
		}).Should(Succeed())
		Eventually(func() []string { return eventReasons(c) }).Should(ContainElements("ApologyMissing", "AwaitingApproval", "Resolved"))
	})

	It("fires the follow-up, reopens on low satisfaction and closes on high", func() {
		newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) {
			s.Targets.Resolution = dur(time.Hour)
			s.FollowUp = &supportv1.FollowUp{After: metav1.Duration{Duration: 2 * time.Second}, ReopenBelow: 3}
		})
		c := newComplaint(ns, "c", func(c *supportv1.Complaint) {
			c.Spec.Acknowledgement = &supportv1.Acknowledgement{By: "agent-bob"}
			c.Spec.Resolution = &supportv1.Resolution{Summary: "replacement shipped", Apologized: true}
		})
		Eventually(phaseOf(c)).Should(Equal(supportv1.PhaseResolved))
		Eventually(func() bool { return getComplaint(c).Status.FollowUpNotified }, 5*time.Second).Should(BeTrue())
		// Events are sent asynchronously, after the status write.
		Eventually(func() []string { return eventReasons(c) }).Should(ContainElement("FollowUpDue"))

		editSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Feedback = &supportv1.Feedback{Satisfaction: ptr.To[int32](2), Comment: "still broken"}
		})
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.Phase).To(Equal(supportv1.PhaseReopened))
			g.Expect(got.Status.ReopenCount).To(BeEquivalentTo(1))
			g.Expect(got.Status.PreviousResolutions).To(HaveLen(1))
			g.Expect(got.Status.PreviousResolutions[0].Resolution.Summary).To(Equal("replacement shipped"))
			g.Expect(got.Status.Clocks.Resolution.State).To(Equal(supportv1.ClockRunning))
			g.Expect(got.Status.Clocks.Resolution.StartedAt.Time).To(Equal(got.Status.ReopenedAt.Time))
		}).Should(Succeed())

		editSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Resolution = &supportv1.Resolution{Summary: "new device sent", Apologized: true}
			s.Feedback = nil
		})
		Eventually(phaseOf(c)).Should(Equal(supportv1.PhaseResolved))
		editSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Feedback = &supportv1.Feedback{Accepted: ptr.To(true), Satisfaction: ptr.To[int32](5)}
		})
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.Phase).To(Equal(supportv1.PhaseClosed))
			g.Expect(apimeta.IsStatusConditionTrue(got.Status.Conditions, supportv1.ConditionSatisfied)).To(BeTrue())
		}).Should(Succeed())
		Eventually(func() []string { return eventReasons(c) }).Should(ContainElements("Reopened", "CustomerSatisfied"))
	})

	It("closes a resolved complaint without feedback after closeAfter", func() {
		newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) {
			s.FollowUp = &supportv1.FollowUp{After: metav1.Duration{Duration: time.Second}, CloseAfter: dur(2 * time.Second)}
		})
		c := newComplaint(ns, "c", func(c *supportv1.Complaint) {
			c.Spec.Resolution = &supportv1.Resolution{Summary: "fixed"}
		})
		Eventually(phaseOf(c), 6*time.Second).Should(Equal(supportv1.PhaseClosed))
		cond := apimeta.FindStatusCondition(getComplaint(c).Status.Conditions, supportv1.ConditionSatisfied)
		Expect(cond.Reason).To(Equal(supportv1.ReasonNoFeedback))
	})

	It("re-times open complaints when their policy changes", func() {
		p := newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) { s.Targets.Resolution = dur(time.Hour) })
		c := newComplaint(ns, "c", nil)
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.Clocks.Resolution).NotTo(BeNil())
			g.Expect(got.Status.Clocks.Resolution.DueAt.Time).To(Equal(got.CreationTimestamp.Add(time.Hour)))
		}).Should(Succeed())
		Eventually(func() error {
			var cur supportv1.ServicePolicy
			Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(p), &cur)).To(Succeed())
			cur.Spec.Targets.Resolution = dur(2 * time.Hour)
			return k8sClient.Update(ctx, &cur)
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.Clocks.Resolution.DueAt.Time).To(Equal(got.CreationTimestamp.Add(2 * time.Hour)))
		}).Should(Succeed())

		By("a higher-precedence policy taking over")
		newPolicy(ns, "urgent", func(s *supportv1.ServicePolicySpec) {
			s.Precedence = 10
			s.Targets.Resolution = dur(30 * time.Minute)
		})
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.Policy).To(Equal("urgent"))
			g.Expect(got.Status.Clocks.Resolution.DueAt.Time).To(Equal(got.CreationTimestamp.Add(30 * time.Minute)))
		}).Should(Succeed())
	})

	It("moves without clocks when no policy applies, and says why", func() {
		c := newComplaint(ns, "nopolicy", nil)
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.Phase).To(Equal(supportv1.PhaseNew))
			cond := apimeta.FindStatusCondition(got.Status.Conditions, supportv1.ConditionPolicyResolved)
			g.Expect(cond).NotTo(BeNil())
			g.Expect(cond.Reason).To(Equal(supportv1.ReasonNoPolicy))
			g.Expect(got.Status.Clocks.FirstResponse).To(BeNil())
		}).Should(Succeed())

		pinned := newComplaint(ns, "pinned", func(c *supportv1.Complaint) { c.Spec.PolicyName = "missing" })
		Eventually(func(g Gomega) {
			got := getComplaint(pinned)
			cond := apimeta.FindStatusCondition(got.Status.Conditions, supportv1.ConditionReady)
			g.Expect(cond).NotTo(BeNil())
			g.Expect(cond.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(cond.Reason).To(Equal(supportv1.ReasonPolicyNotFound))
			g.Expect(cond.Message).To(ContainSubstring("missing"))
		}).Should(Succeed())
	})
})

var _ = Describe("ServicePolicy status", func() {
	It("reports readiness and the complaints it governs", func() {
		ns := newNamespace()
		good := newPolicy(ns, "good", func(s *supportv1.ServicePolicySpec) { s.Targets.FirstResponse = dur(time.Hour) })
		badTZ := newPolicy(ns, "bad-tz", func(s *supportv1.ServicePolicySpec) {
			s.Match.Tiers = []supportv1.CustomerTier{supportv1.TierStandard}
			s.BusinessHours = &supportv1.BusinessHours{TimeZone: "Mars/Olympus_Mons", Weekly: []supportv1.WeeklyHours{{Days: []supportv1.Weekday{"Mon"}, From: "09:00", To: "17:00"}}}
		})
		noSecret := newPolicy(ns, "no-secret", func(s *supportv1.ServicePolicySpec) {
			s.Match.Tiers = []supportv1.CustomerTier{supportv1.TierStandard}
			s.Notify = []supportv1.NotifyTarget{{Name: "crm", Events: []supportv1.EventType{supportv1.EventCreated},
				Webhook: &supportv1.Webhook{URL: "https://crm.example/x", SecretRef: &supportv1.SecretKeyRef{Name: "crm-hook", Key: "hmac"}}}}
		})
		newComplaint(ns, "a", nil)
		newComplaint(ns, "b", nil)

		readyOf := func(p *supportv1.ServicePolicy) func(g Gomega) *metav1.Condition {
			return policyCondition(p, supportv1.ConditionReady)
		}
		Eventually(readyOf(good)).Should(HaveField("Status", metav1.ConditionTrue))
		Eventually(readyOf(badTZ)).Should(And(HaveField("Reason", supportv1.ReasonInvalidPolicy), HaveField("Message", ContainSubstring("Mars/Olympus_Mons"))))
		Eventually(readyOf(noSecret)).Should(And(HaveField("Reason", supportv1.ReasonSecretNotFound), HaveField("Message", ContainSubstring("crm-hook"))))
		Eventually(func() int32 {
			var got supportv1.ServicePolicy
			Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(good), &got)).To(Succeed())
			return ptr.Deref(got.Status.Complaints, -1)
		}).Should(BeEquivalentTo(2))

		By("the Secret appearing")
		Expect(k8sClient.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "crm-hook", Namespace: ns}, Data: map[string][]byte{"hmac": []byte("s3cret")}})).To(Succeed())
		// The policy looks again on its own schedule; an edit makes it look now.
		Eventually(func() error {
			var cur supportv1.ServicePolicy
			Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(noSecret), &cur)).To(Succeed())
			cur.Spec.Precedence = 1
			return k8sClient.Update(ctx, &cur)
		}).Should(Succeed())
		Eventually(readyOf(noSecret)).Should(HaveField("Status", metav1.ConditionTrue))
	})
})

var _ = Describe("A malformed signing secret", func() {
	It("stalls the policy naming the Secret and key, and signs nothing with it until it is fixed", func() {
		key := "whsec_" + base64.StdEncoding.EncodeToString([]byte("the-real-signing-key"))
		rcv := newReceiver(key)
		DeferCleanup(rcv.Close)
		ns := newNamespace()
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "crm-hook", Namespace: ns}, Data: map[string][]byte{"hmac": []byte("whsec_not*base64!")}}
		Expect(k8sClient.Create(ctx, secret)).To(Succeed())
		p := newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) {
			s.Targets.FirstResponse = dur(time.Hour)
			s.Notify = []supportv1.NotifyTarget{{Name: "crm", Events: []supportv1.EventType{supportv1.EventCreated},
				Webhook: &supportv1.Webhook{URL: rcv.URL + "/crm", SecretRef: &supportv1.SecretKeyRef{Name: "crm-hook", Key: "hmac"}}}}
		})
		Eventually(policyCondition(p, supportv1.ConditionReady)).Should(And(HaveField("Status", metav1.ConditionFalse), HaveField("Reason", supportv1.ReasonSecretInvalid),
			HaveField("Message", And(ContainSubstring("spec.notify[0].webhook.secretRef: Secret crm-hook key hmac"), ContainSubstring("whsec_"), Not(ContainSubstring("not*base64"))))))
		Eventually(policyCondition(p, supportv1.ConditionStalled)).Should(HaveField("Status", metav1.ConditionTrue))

		c := newComplaint(ns, "c", nil)
		By("the operator trying, and refusing the key")
		Eventually(func() []supportv1.Notification { return getComplaint(c).Status.Notifications }, 10*time.Second).Should(
			ContainElement(And(HaveField("Event", supportv1.EventCreated), HaveField("LastError", ContainSubstring("Secret crm-hook key hmac")))))
		Expect(rcv.attemptCount()).To(BeZero(), "nothing is sent with a key no receiver could verify")

		By("the Secret fixed")
		Eventually(func() error {
			var cur corev1.Secret
			Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(secret), &cur)).To(Succeed())
			cur.Data["hmac"] = []byte(key)
			return k8sClient.Update(ctx, &cur)
		}).Should(Succeed())
		Eventually(rcv.events, 30*time.Second).Should(ContainElement(And(HaveField("Path", "/crm"), HaveField("Signed", true))))
		Expect(rcv.problems()).To(BeEmpty(), "every request the receiver saw verified")
	})
})

var _ = Describe("Operator restart", Serial, func() {
	It("keeps the same due times and fires the breach once after a restart", func() {
		ns := newNamespace()
		newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) {
			s.Targets.FirstResponse = dur(4 * time.Second)
			s.Targets.Resolution = dur(time.Hour)
		})
		c := newComplaint(ns, "c", nil)
		var before supportv1.ComplaintStatus
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.Clocks.FirstResponse).NotTo(BeNil())
			before = got.Status
		}).Should(Succeed())

		stopMgr()
		stopMgr = startManager(testOptions)

		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.Clocks.FirstResponse.State).To(Equal(supportv1.ClockBreached))
			g.Expect(got.Status.Clocks.FirstResponse.DueAt.Time).To(Equal(before.Clocks.FirstResponse.DueAt.Time))
			g.Expect(got.Status.Clocks.Resolution.DueAt.Time).To(Equal(before.Clocks.Resolution.DueAt.Time))
		}, 10*time.Second).Should(Succeed())
		// Restart again: nothing fires twice.
		stopMgr()
		stopMgr = startManager(testOptions)
		Consistently(func() int {
			n := 0
			for _, h := range getComplaint(c).Status.History {
				if h.Event == "Breached" {
					n++
				}
			}
			return n
		}, 2*time.Second).Should(Equal(1))
	})
})
