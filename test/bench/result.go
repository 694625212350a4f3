package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"
)

// Result is everything a run measured; it is written as JSON so runs can be
// compared between commits.
type Result struct {
	Commit          string    `json:"commit"`
	Dirty           bool      `json:"dirty"`
	Started         time.Time `json:"started"`
	WallSeconds     float64   `json:"wallSeconds"`
	MakeWallSeconds float64   `json:"makeWallSeconds,omitempty"`
	Machine         Machine   `json:"machine"`
	Config          Config    `json:"config"`
	Manager         Manager   `json:"manager"`

	Intake   *IntakeResult   `json:"intake,omitempty"`
	Idle     *Window         `json:"idle,omitempty"`
	Breaches *BreachResult   `json:"breaches,omitempty"`
	Ceiling  *CeilingResult  `json:"ceiling,omitempty"`
	Capacity *CapacityResult `json:"capacity,omitempty"`
	// Probes are scenario 3's windows between the first two rates of scenario 2.
	Probes    []RateResult     `json:"capacityProbes,omitempty"`
	Resources *ResourcesResult `json:"resources,omitempty"`
	Restart   *RestartResult   `json:"restart,omitempty"`
	Hung      *HungResult      `json:"hung,omitempty"`

	// Receiver: what the webhook receiver got (requests, duplicates,
	// badSignatures, malformed, misrouted, hungRequests).
	Receiver map[string]int64 `json:"receiver"`
	// DuplicatesByNamespace: the receiver's duplicates by the namespace of
	// their complaint, so each is put down to its scenario.
	DuplicatesByNamespace map[string]int64 `json:"duplicatesByNamespace,omitempty"`

	Targets []Target `json:"targets"`
	Samples []Sample `json:"samples"`
	Notes   []string `json:"notes,omitempty"`
	Error   string   `json:"error,omitempty"`
	Table   string   `json:"table"`
}

// Machine describes where the run happened.
type Machine struct {
	NProc        int    `json:"nproc"`
	GoVersion    string `json:"goVersion"`
	Kubernetes   string `json:"kubernetes"`
	LoadAvgStart string `json:"loadAvgStart"`
	LoadAvgEnd   string `json:"loadAvgEnd"`
}

// Manager is how the manager ran.
type Manager struct {
	Binary string   `json:"binary"`
	Flags  []string `json:"flags"`
	// ClientQPS: the manager's rest.Config is controller-runtime's
	// GetConfigOrDie: QPS -1, no client-side rate limit (the API server's
	// priority and fairness applies).
	ClientQPS string `json:"clientQPS"`
	User      string `json:"user"`
	Starts    int    `json:"starts"`
	Log       string `json:"log"`
}

// Phase holds what the API server and the manager counted during a phase.
type Phase struct {
	Seconds float64 `json:"seconds"`
	// Writes of the operator by "resource[/subresource] VERB" (the
	// harness's own writes taken out).
	OperatorWrites counters `json:"operatorWrites"`
	// Requests of everybody (operator and harness) by resource and verb.
	Requests counters `json:"requests"`
	// APIMeanMs: the API server's mean time per request (its own
	// apiserver_request_duration_seconds), by resource and verb.
	APIMeanMs map[string]float64 `json:"apiMeanMs"`
	// Throttled: responses 429 of the API server, to anybody.
	Throttled float64 `json:"throttled"`
	// CPU in cores by process (manager, kube-apiserver, etcd, harness), the
	// whole machine and everything else on it (others).
	CPU map[string]float64 `json:"cpuCores"`
	// Manager: deltas of the manager's own counters (reconciles, queue
	// adds, client requests, transitions, deliveries).
	Manager       counters `json:"manager"`
	CPUSeconds    float64  `json:"cpuSeconds"`
	MaxRSSMiB     float64  `json:"maxRSSMiB"`
	MaxQueueDepth float64  `json:"maxQueueDepth"`
}

// IntakeResult is scenario 1.
type IntakeResult struct {
	Count            int      `json:"count"`
	Created          int      `json:"created"`
	Failed           int      `json:"failed"`
	CreateSeconds    float64  `json:"createSeconds"`
	CreatesPerSecond float64  `json:"createsPerSecond"`
	CreateToDue      Latency  `json:"createToDue"`
	LastCreateToAll  *float64 `json:"lastCreateToAllDueMs"`
	// ObservedMs: how long after the last create the harness watched.
	ObservedMs float64 `json:"observedAfterLastCreateMs"`
	// DueTimesPerSecond: complaints given their due times per second, from
	// the first create until the last got them.
	DueTimesPerSecond float64 `json:"dueTimesPerSecond"`
	WritesPerComplain float64 `json:"operatorWritesPerComplaint"`
	Phase             Phase   `json:"phase"`
}

// Window is the manager's resources over a stretch of time.
type Window struct {
	OpenComplaints int                `json:"openComplaints"`
	Seconds        float64            `json:"seconds"`
	RSSMiB         float64            `json:"rssMiB"`
	MaxRSSMiB      float64            `json:"maxRSSMiB"`
	CPUCores       float64            `json:"cpuCores"`
	CPU            map[string]float64 `json:"cpu"`
}

// PreCreate is the creation of a scenario's complaints before their due times.
type PreCreate struct {
	Count        int     `json:"count"`
	Failed       int     `json:"failed"`
	MarginSecond float64 `json:"marginSeconds"`
	CreateSecond float64 `json:"createSeconds"`
	// Settled: every one had its due times and the manager's queues were
	// empty before the first due time.
	Settled        bool    `json:"settled"`
	SettledSeconds float64 `json:"settledSeconds"`
	// BacklogAtStart: the manager's work queue depth when creation began.
	BacklogAtStart float64 `json:"backlogAtStart"`
}

// RateResult is one breach rate of scenario 2.
type RateResult struct {
	Rate             int       `json:"rate"`
	Breaches         int       `json:"breaches"`
	WindowStart      time.Time `json:"windowStart"`
	Escalation       Latency   `json:"dueToEscalation"`
	WebhookBreached  Latency   `json:"dueToWebhookBreached"`
	WebhookEscalated Latency   `json:"dueToWebhookEscalated"`
	// Webhook: due time until both webhooks of the complaint arrived.
	Webhook       Latency            `json:"dueToWebhooks"`
	CPUCores      float64            `json:"cpuCores"`
	CPU           map[string]float64 `json:"cpu"`
	MaxRSSMiB     float64            `json:"maxRSSMiB"`
	MaxQueueDepth float64            `json:"maxQueueDepth"`
	// Settled (probes only): its complaints had their due times and the
	// manager's queues were empty before the window began.
	Settled bool `json:"settled,omitempty"`
	// Writes: the operator's API writes per breach from half a second
	// before the window on: in scenario 2 until the next window (the last:
	// until the end of the phase), in a probe until the manager settled.
	Writes *PerBreach `json:"operatorWrites,omitempty"`
	// PendingLeft: notifications still pending in the ledgers of the
	// window's namespace once the manager settled (a probe's; scenario 2
	// counts its namespace once, in BreachResult).
	PendingLeft *int `json:"pendingLeft,omitempty"`
	// Manager: deltas of the manager's own counters over the same stretch
	// as Writes (scenario 2), e.g. its webhook requests' time and how
	// their outcomes were recorded.
	Manager counters `json:"manager,omitempty"`
}

// PerBreach is the operator's API writes in a stretch of a scenario
// divided by the breaches in it: the Escalations it created in the stretch
// (each breach creates exactly one), so a backlog carried into or out of
// the stretch does not skew the figure.
type PerBreach struct {
	// Breaches: the Escalations created (escalations POST); when none were,
	// the writes are divided by the breaches due instead.
	Breaches  int     `json:"breaches"`
	Writes    float64 `json:"writes"`
	PerBreach float64 `json:"writesPerBreach"`
	// By: writes per breach by "resource[/subresource] VERB".
	By counters `json:"writesPerBreachBy"`
}

// BreachResult is scenario 2.
type BreachResult struct {
	OpenComplaints int          `json:"openComplaints"`
	PreCreate      PreCreate    `json:"preCreate"`
	Rates          []RateResult `json:"rates"`
	DrainSeconds   float64      `json:"drainSeconds"`
	DrainComplete  bool         `json:"drainComplete"`
	// PendingLeft: notifications still pending in the ledgers of the
	// phase's complaints once the manager settled after it: every webhook
	// was received, so each should have been recorded and left the ledger.
	PendingLeft *int `json:"pendingLeft,omitempty"`
	// WritesPerBreach: the operator's writes in the phase divided by the
	// Escalations it created in it (BreachesWritten; each breach creates one).
	WritesPerBreach float64 `json:"operatorWritesPerBreach"`
	BreachesWritten int     `json:"breachesWritten"`
	// Writes: the same for the whole phase, by resource and verb.
	Writes PerBreach `json:"operatorWrites"`
	Phase  Phase     `json:"phase"`
}

// CeilingResult is the API server's write ceiling (scenario 3).
type CeilingResult struct {
	When             string  `json:"when"`
	Goroutines       int     `json:"goroutines"`
	Seconds          float64 `json:"seconds"`
	Objects          int     `json:"objects"`
	Updates          int     `json:"updates"`
	Errors           int     `json:"errors"`
	UpdatesPerSecond float64 `json:"updatesPerSecond"`
	// ObjectBytes is the mean size of the complaints updated (JSON).
	ObjectBytes      int                `json:"objectBytes"`
	CPU              map[string]float64 `json:"cpu"`
	CreatesPerSecond float64            `json:"createsPerSecondDuringIntake"`
}

// CapacityResult is scenario 3.
type CapacityResult struct {
	// HighestRate with escalation p99 ≤ 1 s among the rates run (0: none).
	HighestRate     int     `json:"highestRate"`
	WriteCeiling    float64 `json:"writeCeiling"`
	WritesPerBreach float64 `json:"writesPerBreach"`
	WritesPerIntake float64 `json:"writesPerComplaint"`
	// Bound: write ceiling ÷ writes per breach; Ratio: HighestRate ÷ Bound.
	Bound float64 `json:"bound"`
	Ratio float64 `json:"ratio"`
	// ThirdOfCeiling: write ceiling ÷ 3, the breach rate the targets ask
	// for (three writes a breach at most); ThirdRatio: HighestRate ÷
	// ThirdOfCeiling (target ≥ 80 %).
	ThirdOfCeiling float64 `json:"ceilingOverThree"`
	ThirdRatio     float64 `json:"ratioToCeilingOverThree"`
}

// ResourcesResult is scenario 4.
type ResourcesResult struct {
	Idle          *Window `json:"idle,omitempty"`
	LoadMaxRSSMiB float64 `json:"loadMaxRSSMiB"`
	// At100MaxRSSMiB: the manager's largest RSS in scenario 2's 100/s
	// window (nil: that rate was not run).
	At100MaxRSSMiB *float64 `json:"maxRSSMiBAt100PerSecond,omitempty"`
	PeakRSSMiB     float64  `json:"peakRSSMiB"`
	CPUSeconds     float64  `json:"cpuSecondsTotal"`
}

// RestartResult is scenario 5.
type RestartResult struct {
	Overdue       int       `json:"overdue"`
	PreCreate     PreCreate `json:"preCreate"`
	KilledAt      time.Time `json:"killedAt"`
	RestartedAt   time.Time `json:"restartedAt"`
	ReadyAfterMs  float64   `json:"readyAfterMs"`
	AllEscalated  *float64  `json:"restartToAllEscalatedMs"`
	FromRestart   Latency   `json:"restartToEscalation"`
	WebhooksAfter Latency   `json:"restartToWebhooks"`
	Lateness      Latency   `json:"dueToEscalation"`
	// AllEscalatedBoundMs: the target of AllEscalated, 1.25 × Overdue × 3
	// ÷ the write ceiling (nil: the ceiling was not measured).
	AllEscalatedBoundMs *float64   `json:"restartToAllEscalatedBoundMs,omitempty"`
	Writes              *PerBreach `json:"operatorWrites,omitempty"`
	Phase               Phase      `json:"phase"`
}

// HungResult is scenario 6.
type HungResult struct {
	Destinations      int                `json:"destinations"`
	Rate              int                `json:"rate"`
	PreCreate         PreCreate          `json:"preCreate"`
	Healthy           Latency            `json:"healthyDueToEscalation"`
	HealthyWebhook    Latency            `json:"healthyDueToWebhooks"`
	HungEscalation    Latency            `json:"hungDueToEscalation"`
	HungRequests      int64              `json:"hungRequests"`
	HungWebhooksSeen  int                `json:"hungWebhooksReceived"`
	DrainComplete     bool               `json:"drainComplete"`
	CPUCores          float64            `json:"cpuCores"`
	CPU               map[string]float64 `json:"cpu"`
	ReceiverDupes     int64              `json:"receiverDuplicates"`
	ReceiverBadSig    int64              `json:"receiverBadSignatures"`
	ReceiverMalformed int64              `json:"receiverMalformed"`
	// Writes: the operator's API writes per breach from half a second
	// before the window until the others' escalations and webhooks were
	// all in.
	Writes *PerBreach `json:"operatorWrites,omitempty"`
}

// Target is a target of issue 8 and whether the run met it.
type Target struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Goal  string `json:"goal"`
	Met   *bool  `json:"met"` // nil: not measured
}

// Sample is the manager every second.
type Sample struct {
	T          float64 `json:"t"`
	RSSMiB     float64 `json:"rssMiB"`
	CPUSeconds float64 `json:"cpuSeconds"`
	QueueDepth float64 `json:"queueDepth"`
	Running    bool    `json:"running"`
}

// write saves the result as bin/bench/<timestamp>.json and, for a run that
// ended without error, bin/bench/latest.json.
func (r *Result) write(dir string) (string, error) {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, r.Started.UTC().Format("20060102T150405Z")+".json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return "", err
	}
	if r.Error != "" {
		return path, nil
	}
	return path, os.WriteFile(filepath.Join(dir, "latest.json"), data, 0o644)
}
