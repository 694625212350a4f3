package v1alpha1

// Reasons of conditions and Kubernetes Events. Events reuse them, so
// `kubectl describe` and `kubectl get events` tell the same story.
const (
	// ReasonReconciled: the object was reconciled.
	ReasonReconciled = "Reconciled"
	// ReasonValid: the policy can be applied.
	ReasonValid = "Valid"
	// ReasonInvalidPolicy: the policy has a problem the schema could not catch.
	ReasonInvalidPolicy = "InvalidPolicy"
	// ReasonSecretNotFound: a webhook's secretRef points at no Secret or key.
	ReasonSecretNotFound = "SecretNotFound"
	// ReasonSecretInvalid: a webhook's Secret holds a value that cannot be
	// used: a whsec_ signing secret that is not base64, or a CA bundle
	// without a PEM certificate. Nothing is sent with it.
	ReasonSecretInvalid = "SecretInvalid"
	// ReasonDestinationRefused: a webhook's host is, or resolves to, an
	// address the operator refuses to send to (loopback, link-local, the
	// cluster's ranges); the message names spec.notify[i], the host and
	// the address.
	ReasonDestinationRefused = "DestinationRefused"

	// ReasonPinned: the complaint's spec.policyName names its policy.
	ReasonPinned = "Pinned"
	// ReasonMatched: the policy was selected by its match.
	ReasonMatched = "Matched"
	// ReasonNoPolicy: no policy matches; the complaint moves without clocks.
	ReasonNoPolicy = "NoPolicy"
	// ReasonPolicyNotFound: the pinned policy does not exist.
	ReasonPolicyNotFound = "PolicyNotFound"

	// ReasonDeclineNotAllowed: a resolution declines the demand and the
	// policy does not allow it (recovery.allowDecline).
	ReasonDeclineNotAllowed = "DeclineNotAllowed"
	// ReasonAwaitingAgreement: the resolution waits for the customer's agreement.
	ReasonAwaitingAgreement = "AwaitingAgreement"
	// ReasonAgreementDeclined: the customer declined the proposed resolution.
	ReasonAgreementDeclined = "AgreementDeclined"
	// ReasonImplementing: the agreed resolution is carried out by the
	// departments (Remedy objects); it is resolved once every one is Done.
	ReasonImplementing = "Implementing"
	// ReasonRemedyFailed: a department could not carry out its remedy; the
	// resolution is set aside and the complaint is back in work.
	ReasonRemedyFailed = "RemedyFailed"
	// ReasonRemedyDone: a department carried out its remedy.
	ReasonRemedyDone = "RemedyDone"
	// ReasonRemedyPending: the department has not reported yet.
	ReasonRemedyPending = "Pending"
	// ReasonRemedyCancelled: the remedy is no longer asked for.
	ReasonRemedyCancelled = "Cancelled"
	// ReasonRemedyAtRisk: a remedy's clock is at risk.
	ReasonRemedyAtRisk = "RemedyAtRisk"
	// ReasonOwnerChanged: a history step: the complaint changed hands.
	ReasonOwnerChanged = "OwnerChanged"
	// ReasonEscalationAcknowledged: a history step: somebody at the
	// escalation's level acknowledged it (with a decision, if asked for one).
	ReasonEscalationAcknowledged = "EscalationAcknowledged"

	// ReasonOnTrack: no clock is at risk.
	ReasonOnTrack = "OnTrack"
	// ReasonWithinTargets: no clock breached.
	ReasonWithinTargets = "WithinTargets"
	// ReasonNotAcknowledged: nobody contacted the customer yet.
	ReasonNotAcknowledged = "NotAcknowledged"
	// ReasonApologyMissing: the policy requires an apology the resolution lacks.
	ReasonApologyMissing = "ApologyMissing"
	// ReasonAwaitingApproval: the resolution waits for a lead's approvedBy.
	ReasonAwaitingApproval = "AwaitingApproval"
	// ReasonAccepted: the resolution meets the policy.
	ReasonAccepted = "Accepted"
	// ReasonNotResolved: no accepted resolution yet.
	ReasonNotResolved = "NotResolved"
	// ReasonCustomerSatisfied: feedback accepted the resolution.
	ReasonCustomerSatisfied = "CustomerSatisfied"
	// ReasonCustomerUnsatisfied: feedback rejected the resolution.
	ReasonCustomerUnsatisfied = "CustomerUnsatisfied"
	// ReasonNoFeedback: no feedback arrived by followUp.closeAfter.
	ReasonNoFeedback = "NoFeedback"
	// ReasonProgressUpdate: a progress update was given.
	ReasonProgressUpdate = "ProgressUpdate"
	// ReasonWaiting: the complaint waits on the customer or a vendor.
	ReasonWaiting = "Waiting"
	// ReasonResumed: the wait ended.
	ReasonResumed = "Resumed"
	// ReasonPolicyChanged: another policy governs the complaint now.
	ReasonPolicyChanged = "PolicyChanged"
	// ReasonNotEscalated: no escalation level reached.
	ReasonNotEscalated = "NotEscalated"
	// ReasonDeliveryFailed: a notification gave up after its attempts.
	ReasonDeliveryFailed = "DeliveryFailed"
	// ReasonDeadlinesSummarized (a Warning Event on a ServicePolicy) counts
	// the deadline Events (AtRisk, Breached, Escalated) of its complaints
	// held back while the namespace's deadlines fired faster than its Event
	// budget.
	ReasonDeadlinesSummarized = "DeadlinesSummarized"
	// ReasonDelivered: every notification was delivered.
	ReasonDelivered = "Delivered"
	// ReasonPending: deliveries are under way.
	ReasonPending = "Pending"
	// ReasonAwaitingPolicy: the escalation's complaint has no policy yet, so
	// nobody can be told.
	ReasonAwaitingPolicy = "AwaitingPolicy"
	// ReasonNoDestinations: the policy names no webhook for the event.
	ReasonNoDestinations = "NoDestinations"
	// ReasonComplaintNotFound: the escalation's complaint does not exist (yet).
	ReasonComplaintNotFound = "ComplaintNotFound"
)
