package v1alpha1

import (
	"slices"

	"k8s.io/apimachinery/pkg/api/resource"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Weekday is a day of the week, in English, three letters.
// +kubebuilder:validation:Enum=Mon;Tue;Wed;Thu;Fri;Sat;Sun
type Weekday string

// GestureKind is the kind of tangible gesture offered after a service failure.
// +kubebuilder:validation:Enum=Discount;Gift;FreeService;AbsorbCost;PersonalCall;Other
type GestureKind string

const (
	GestureDiscount     GestureKind = "Discount"
	GestureGift         GestureKind = "Gift"
	GestureFreeService  GestureKind = "FreeService"
	GestureAbsorbCost   GestureKind = "AbsorbCost"
	GesturePersonalCall GestureKind = "PersonalCall"
	GestureOther        GestureKind = "Other"
)

// ServicePolicySpec is the timing and follow-up rules for the complaints it matches.
type ServicePolicySpec struct {
	// precedence orders policies when several match a complaint: the highest
	// wins, ties are broken by name (alphabetically first wins).
	// +optional
	// +kubebuilder:default=0
	Precedence int32 `json:"precedence,omitempty"`

	// match selects the complaints of this namespace that the policy governs.
	// An empty match governs every complaint of the namespace.
	// +optional
	Match PolicyMatch `json:"match,omitempty"`

	// businessHours restricts the clocks to opening hours. Absent, the clocks
	// run 24x7.
	// +optional
	BusinessHours *BusinessHours `json:"businessHours,omitempty"`

	// targets are the time limits of the complaint's clocks.
	// +optional
	Targets Targets `json:"targets,omitempty"`

	// pauseWhile lists the spec.waitingOn values during which the clocks stop.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=2
	// +kubebuilder:validation:items:Enum=Customer;Vendor
	PauseWhile []WaitingOn `json:"pauseWhile,omitempty"`

	// escalation is the ladder a breached complaint climbs until somebody
	// acknowledges it.
	// +optional
	Escalation *EscalationPolicy `json:"escalation,omitempty"`

	// recovery is the service-recovery playbook: apology, approval, gesture.
	// +optional
	Recovery *Recovery `json:"recovery,omitempty"`

	// followUp is the call to the customer after resolution, and how feedback
	// closes or reopens the complaint.
	// +optional
	FollowUp *FollowUp `json:"followUp,omitempty"`

	// retention says how long closed complaints stay in the cluster. Past
	// it they are archived (the Archived event with their full record goes
	// to the destinations that ask for it) and deleted with their
	// escalations. Absent: they stay until somebody deletes them.
	// +optional
	Retention *Retention `json:"retention,omitempty"`

	// notify lists where lifecycle events are delivered.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=16
	Notify []NotifyTarget `json:"notify,omitempty"`
}

// PolicyMatch selects complaints. Every non-empty field must match.
type PolicyMatch struct {
	// tiers the complaint's customer tier must be one of.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=2
	Tiers []CustomerTier `json:"tiers,omitempty"`

	// categories the complaint's category must be one of.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=6
	Categories []Category `json:"categories,omitempty"`

	// severities the complaint's severity must be one of.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=4
	Severities []Severity `json:"severities,omitempty"`

	// selector is a label selector on the complaint's labels.
	// +optional
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
}

// BusinessHours are the opening hours during which the clocks run.
type BusinessHours struct {
	// timeZone is the IANA name of the time zone of the hours, e.g. Europe/Berlin.
	// +optional
	// +kubebuilder:default=UTC
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	TimeZone string `json:"timeZone,omitempty"`

	// weekly lists the weekly opening windows.
	// +required
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=14
	Weekly []WeeklyHours `json:"weekly"`

	// holidays are dates (YYYY-MM-DD, in timeZone) on which the clocks do not run.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=366
	// +kubebuilder:validation:items:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$`
	Holidays []string `json:"holidays,omitempty"`
}

// WeeklyHours is one opening window, repeated on the listed days.
// +kubebuilder:validation:XValidation:rule="self.from < self.to",message="from must be earlier than to"
type WeeklyHours struct {
	// days the window applies to.
	// +required
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=7
	Days []Weekday `json:"days"`

	// from is the opening time, HH:MM (24-hour clock).
	// +required
	// +kubebuilder:validation:Pattern=`^([01][0-9]|2[0-3]):[0-5][0-9]$`
	From string `json:"from"`

	// to is the closing time, HH:MM (24-hour clock, 24:00 for midnight).
	// +required
	// +kubebuilder:validation:Pattern=`^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$`
	To string `json:"to"`
}

// Targets are the time limits of a complaint's clocks. An absent target
// means that clock does not run.
type Targets struct {
	// firstResponse is the time allowed until the customer is contacted
	// (spec.acknowledgement is set), e.g. 15m.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="firstResponse must be a positive duration"
	FirstResponse *metav1.Duration `json:"firstResponse,omitempty"`

	// update is the longest time the customer may go without a progress
	// update while the complaint is open, e.g. 4h.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="update must be a positive duration"
	Update *metav1.Duration `json:"update,omitempty"`

	// resolution is the time allowed until the resolution is accepted, e.g. 24h.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="resolution must be a positive duration"
	Resolution *metav1.Duration `json:"resolution,omitempty"`

	// assignment is the time allowed until one named person owns the
	// complaint (spec.owner is set), e.g. 15m: no complaint waits unowned.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="assignment must be a positive duration"
	Assignment *metav1.Duration `json:"assignment,omitempty"`

	// approval is the time a proposed resolution may wait for a lead's
	// approval (phase PendingApproval), e.g. 2h.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="approval must be a positive duration"
	Approval *metav1.Duration `json:"approval,omitempty"`

	// atRiskPercent is the share of a target's time that, once elapsed,
	// raises AtRisk: the warning before the miss.
	// +optional
	// +kubebuilder:default=75
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=99
	AtRiskPercent int32 `json:"atRiskPercent,omitempty"`
}

// Of is the target of the named clock; nil when the policy sets none.
func (t *Targets) Of(name ClockName) *metav1.Duration {
	switch name {
	case ClockFirstResponse:
		return t.FirstResponse
	case ClockUpdate:
		return t.Update
	case ClockResolution:
		return t.Resolution
	case ClockAssignment:
		return t.Assignment
	case ClockApproval:
		return t.Approval
	}
	return nil
}

// Retention bounds how long closed complaints are kept.
type Retention struct {
	// closedFor is how long a complaint stays after it was closed, e.g.
	// 720h (30 days). Any positive duration.
	// +required
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="closedFor must be positive"
	ClosedFor metav1.Duration `json:"closedFor"`
}

// EscalationPolicy is the escalation ladder.
type EscalationPolicy struct {
	// levels of the ladder, lowest first. Each level is reached its after
	// duration past the breach, while nobody has acknowledged it.
	// +required
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=10
	// +kubebuilder:validation:XValidation:rule="self.all(i, self.all(j, self.indexOf(i) >= self.indexOf(j) || duration(i.after) <= duration(j.after)))",message="levels must be ordered by after (non-decreasing)"
	Levels []EscalationLevel `json:"levels"`

	// decideWithin is the time an agent's request for a decision may wait
	// undecided at its level, e.g. 4h; then it climbs to the next level
	// (reason RequestUndecided), with its question and who asked. Absent:
	// a request waits at its level.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="decideWithin must be a positive duration"
	DecideWithin *metav1.Duration `json:"decideWithin,omitempty"`

	// ackTimeout is the time an acknowledged escalation may go without
	// progress on its complaint (a progress update, waiting on the
	// customer, a proposed resolution), e.g. 2h; then it climbs to the next
	// level (reason AckTimedOut). Absent: an acknowledgement ends the climb.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="ackTimeout must be a positive duration"
	AckTimeout *metav1.Duration `json:"ackTimeout,omitempty"`
}

// EscalationLevel is one rung of the ladder.
type EscalationLevel struct {
	// name of the level, e.g. team-lead. Unique in the ladder.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=40
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// after is how long after the breach this level is reached, e.g. 2h.
	// +required
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s')",message="after must not be negative"
	After metav1.Duration `json:"after"`

	// notify names the spec.notify entries told when this level is reached.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	Notify []string `json:"notify,omitempty"`
}

// Recovery is the service-recovery playbook: apologise, solve, make a gesture.
type Recovery struct {
	// requireApology: a resolution without apologized=true is not accepted.
	// +optional
	RequireApology bool `json:"requireApology,omitempty"`

	// requireApproval: a lead's approvedBy is needed before the resolution
	// is accepted and the customer told.
	// +optional
	RequireApproval bool `json:"requireApproval,omitempty"`

	// approvalAbove: a resolution whose gesture is worth more than this
	// needs a lead's approval, even where requireApproval is false.
	// +optional
	ApprovalAbove *GestureLimit `json:"approvalAbove,omitempty"`

	// allowDecline: a resolution may decline the demand (outcome Declined,
	// with a reason) when it is unreasonable. A declined complaint offers no
	// gesture, needs a lead's approval even where requireApproval is false,
	// still gets the apology the policy requires, and is followed up.
	// +optional
	AllowDecline bool `json:"allowDecline,omitempty"`

	// requireAgreement: a proposed (and, where required, approved)
	// resolution waits for the customer's agreement (spec.agreement) before
	// it is carried out and counts as resolved. The wait pauses the clocks
	// as waiting on the customer does (pauseWhile: [Customer]).
	// +optional
	RequireAgreement bool `json:"requireAgreement,omitempty"`

	// approvers may approve a resolution (spec.resolution.approvedBy) of
	// the complaints this policy governs: the users named, and the members
	// of the groups named, as the API server authenticates them. Absent:
	// anyone allowed to edit the complaint but its proposer. The admission
	// policy servicedesk-approvals enforces it.
	// +optional
	Approvers *Approvers `json:"approvers,omitempty"`

	// departments carry out the resolutions' actions (Remedy objects): each
	// has a target (fulfilWithin) and the spec.notify entries told of its
	// remedies (requested, done, failed) and of a missed target (an
	// Escalation with reason RemedyOverdue).
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=20
	Departments []Department `json:"departments,omitempty"`

	// gestures are the default tangible gestures offered per failure category,
	// used when a resolution names none. The first rule that lists the
	// complaint's category applies.
	// +optional
	// +kubebuilder:validation:MaxItems=20
	Gestures []GestureRule `json:"gestures,omitempty"`
}

// Department carries out remedies: a warehouse, billing, marketing.
type Department struct {
	// name of the department, as actions name it, e.g. warehouse.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`
	// fulfilWithin is the time the department has to carry out a remedy,
	// from when it was asked (wall-clock time), e.g. 24h.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="fulfilWithin must be a positive duration"
	FulfilWithin *metav1.Duration `json:"fulfilWithin,omitempty"`
	// notify names the spec.notify entries told of this department's
	// remedies (RemedyRequested, RemedyDone, RemedyFailed) and of its
	// overdue ones (Escalated, reason RemedyOverdue), whatever their events.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	Notify []string `json:"notify,omitempty"`
}

// Department is the recovery's department of that name; nil when none.
func (r *Recovery) Department(name string) *Department {
	if r == nil {
		return nil
	}
	for i := range r.Departments {
		if r.Departments[i].Name == name {
			return &r.Departments[i]
		}
	}
	return nil
}

// Approvers are the people who may approve: users, and members of groups.
type Approvers struct {
	// users who may approve, by the name the API server authenticates
	// (kubectl auth whoami), e.g. lead-carol.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=50
	// +kubebuilder:validation:items:MaxLength=253
	Users []string `json:"users,omitempty"`
	// groups whose members may approve, e.g. support-leads.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:validation:items:MaxLength=253
	Groups []string `json:"groups,omitempty"`
}

// GestureRule offers a gesture for some categories.
type GestureRule struct {
	// categories this gesture is offered for.
	// +required
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=6
	Categories []Category `json:"categories"`

	// kind of gesture.
	// +required
	Kind GestureKind `json:"kind"`

	// detail says what exactly is offered, e.g. "15% off the next order".
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Detail string `json:"detail,omitempty"`

	// companyFault: the rule applies only when the resolution's assessment
	// says the company was this much at fault; absent: whatever the fault.
	// List a more generous rule for Full first.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=3
	CompanyFault []CompanyFault `json:"companyFault,omitempty"`

	// value of the gesture offered.
	// +optional
	Value *GestureValue `json:"value,omitempty"`
}

// Exceeded says whether a gesture of value v is worth more than the limit.
// A value without the limit's measure (a percent against an amount limit)
// does not exceed it.
func (l *GestureLimit) Exceeded(v *GestureValue) bool {
	if l == nil || v == nil {
		return false
	}
	if l.Percent != nil && v.Percent != nil && *v.Percent > *l.Percent {
		return true
	}
	return l.Amount != nil && v.Amount != nil && v.Amount.Cmp(*l.Amount) > 0
}

// GestureLimit is the value above which a gesture needs a lead's approval.
type GestureLimit struct {
	// percent: a gesture worth more than this share of the order.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	Percent *int32 `json:"percent,omitempty"`
	// amount: a gesture worth more than this amount (in the gesture's currency).
	// +optional
	Amount *resource.Quantity `json:"amount,omitempty"`
}

// FollowUp is the check with the customer after resolution.
type FollowUp struct {
	// after is how long after resolution the customer gets a follow-up call, e.g. 168h.
	// +required
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="after must be a positive duration"
	After metav1.Duration `json:"after"`

	// reopenBelow: a satisfaction (1-5) below this reopens the complaint.
	// +optional
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=5
	ReopenBelow int32 `json:"reopenBelow,omitempty"`

	// closeAfter is how long after resolution a complaint without feedback is
	// closed as resolved, e.g. 336h. Absent, it waits for feedback.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="closeAfter must be a positive duration"
	CloseAfter *metav1.Duration `json:"closeAfter,omitempty"`
}

// NotifyTarget is a destination for lifecycle events.
type NotifyTarget struct {
	// name of the destination, referenced by escalation levels.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// events lists the lifecycle events delivered to this destination, e.g.
	// [Created, Breached, Escalated].
	// +required
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	Events []EventType `json:"events"`

	// webhook delivers the events as signed CloudEvents over HTTP.
	// +optional
	Webhook *Webhook `json:"webhook,omitempty"`
}

// Webhook is an HTTP receiver of CloudEvents.
type Webhook struct {
	// url the events are POSTed to; http or https.
	// +required
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getScheme() in ['http', 'https'] && url(self).getHostname() != ''",message="url must be an absolute http or https URL"
	URL string `json:"url"`

	// secretRef names the key of a Secret in the policy's namespace whose
	// value signs each delivery (HMAC-SHA256, Standard Webhooks).
	// +optional
	SecretRef *SecretKeyRef `json:"secretRef,omitempty"`

	// caSecretRef names the key of a Secret in the policy's namespace that
	// holds the PEM certificates (one or more) trusted to sign an https
	// receiver's certificate, instead of the system roots: typically the
	// ca.crt key of a cert-manager Certificate's Secret, or a trust-manager
	// Bundle synced to a Secret (key: ca.crt). It is read again within
	// seconds of a change, so rotation needs no restart. Absent: the
	// system roots.
	// +optional
	CASecretRef *SecretKeyRef `json:"caSecretRef,omitempty"`

	// timeout bounds each delivery request.
	// +optional
	// +kubebuilder:default="10s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s') && duration(self) <= duration('60s')",message="timeout must be between 0s (exclusive) and 60s"
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// maxAttempts is how many times a delivery is tried before it is marked
	// failed. Retries back off exponentially from 10s to at most 5m, with
	// jitter: the default 20 attempts span 38 to 75 minutes.
	// +optional
	// +kubebuilder:default=20
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	MaxAttempts int32 `json:"maxAttempts,omitempty"`

	// includeContact adds the customer's contact details to the payload.
	// Off by default: contact details stay in the cluster.
	// +optional
	IncludeContact bool `json:"includeContact,omitempty"`
}

// Wants reports whether the destination wants event e.
func (n NotifyTarget) Wants(e EventType) bool {
	for _, x := range n.Events {
		if x == e {
			return true
		}
	}
	return false
}

// DestinationsFor are the destinations with a webhook that want ev, plus the named
// extra ones (an escalation level's notify list), in policy order, each once.
func (s *ServicePolicySpec) DestinationsFor(ev EventType, extra []string) []string {
	var out []string
	for _, t := range s.Notify {
		want := t.Wants(ev) || slices.Contains(extra, t.Name)
		if want && t.Webhook != nil && !slices.Contains(out, t.Name) {
			out = append(out, t.Name)
		}
	}
	return out
}

// DepartmentNotify names the spec.notify entries told of the department's
// remedies; none when the policy does not list the department.
func (s *ServicePolicySpec) DepartmentNotify(department string) []string {
	if d := s.Recovery.Department(department); d != nil {
		return d.Notify
	}
	return nil
}

// EscalationNotify names the spec.notify entries an escalation's level
// tells: its department's for an overdue remedy (RemedyOverdue), else its
// level's in the ladder.
func (s *ServicePolicySpec) EscalationNotify(e *Escalation) []string {
	if e.Spec.Reason.IsRemedy() {
		return s.DepartmentNotify(e.Spec.LevelName)
	}
	if l := s.Escalation.Level(e.Spec.LevelName, e.Spec.Level); l != nil {
		return l.Notify
	}
	return nil
}

// Level is the ladder's level an escalation is at: the level named name
// when the ladder has one of that name, else the level-th (from 1); nil
// when neither exists. Names win because a ladder edited after the
// escalation was created may have moved its levels.
func (p *EscalationPolicy) Level(name string, level int32) *EscalationLevel {
	if p == nil {
		return nil
	}
	if name != "" {
		for i := range p.Levels {
			if p.Levels[i].Name == name {
				return &p.Levels[i]
			}
		}
	}
	if i := int(level) - 1; i >= 0 && i < len(p.Levels) {
		return &p.Levels[i]
	}
	return nil
}

// SecretKeyRef names a key of a Secret in the same namespace.
type SecretKeyRef struct {
	// name of the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// key in the Secret's data.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Key string `json:"key"`
}

// ServicePolicyStatus is what the operator observed of the policy.
type ServicePolicyStatus struct {
	// observedGeneration is the generation last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready is False with a reason for a policy that cannot be
	// applied (unknown time zone, missing Secret, invalid selector), and
	// Stalled is then True with the same reason and message (kstatus:
	// Failed, so GitOps tools waiting on the policy fail). Stalled is absent
	// while the policy is Ready.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// complaints is the number of complaints the policy governs now. Not
	// reported when the operator runs sharded (each replica sees only its
	// shard's complaints): the servicedesk metrics count them instead.
	// +optional
	Complaints *int32 `json:"complaints,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=spol,categories=servicedesk
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Precedence",type=integer,JSONPath=`.spec.precedence`
// +kubebuilder:printcolumn:name="Complaints",type=integer,JSONPath=`.status.complaints`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// ServicePolicy holds the timing rules, escalation ladder, recovery playbook,
// follow-up and notifications for the complaints it matches.
type ServicePolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the policy.
	// +optional
	Spec ServicePolicySpec `json:"spec,omitempty"`
	// status is what the operator observed.
	// +optional
	Status ServicePolicyStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ServicePolicyList is a list of ServicePolicy.
type ServicePolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ServicePolicy `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ServicePolicy{}, &ServicePolicyList{})
}
