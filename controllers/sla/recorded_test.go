package sla

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	toolscache "k8s.io/client-go/tools/cache"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// mfe is a managedFields entry of an update by manager at t with the given
// FieldsV1 JSON.
func mfe(manager string, t time.Time, fields string) metav1.ManagedFieldsEntry {
	e := metav1.ManagedFieldsEntry{Manager: manager, Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "support.servicedesk.dev/v1alpha1", FieldsType: "FieldsV1"}
	if !t.IsZero() {
		e.Time = &metav1.Time{Time: t}
	}
	if fields != "" {
		e.FieldsV1 = metav1.NewFieldsV1(fields)
	}
	return e
}

func statusEntry(t time.Time, fields string) metav1.ManagedFieldsEntry {
	e := mfe("servicedesk-operator", t, fields)
	e.Subresource = "status"
	return e
}

func TestRecordedTimes(t *testing.T) {
	const creation = `{"f:metadata":{"f:labels":{".":{},"f:team":{}}},"f:spec":{".":{},"f:category":{},"f:customer":{".":{},"f:name":{},"f:tier":{}},"f:severity":{},"f:summary":{}}}`
	cases := []struct {
		name   string
		fields []metav1.ManagedFieldsEntry
		want   Recorded
	}{
		{name: "none", fields: nil, want: Recorded{}},
		{
			name:   "creation owns no timed fact: only spec",
			fields: []metav1.ManagedFieldsEntry{mfe("kubectl-create", ts(0), creation)},
			want:   Recorded{},
		},
		{
			name: "several managers: each fact from its owner, spec from the latest",
			fields: []metav1.ManagedFieldsEntry{
				mfe("kubectl-create", ts(0), creation),
				mfe("kubectl-edit", ts(10*time.Minute), `{"f:spec":{"f:acknowledgement":{".":{},"f:by":{},"f:note":{}}}}`),
				mfe("crm-sync", ts(2*time.Hour), `{"f:spec":{"f:waitingOn":{},"f:lastUpdate":{".":{},"f:note":{}}}}`),
			},
			want: Recorded{Acknowledgement: ts(10 * time.Minute), WaitingOn: ts(2 * time.Hour), LastUpdate: ts(2 * time.Hour)},
		},
		{
			name: "nested fields count for their fact; shared ownership takes the latest",
			fields: []metav1.ManagedFieldsEntry{
				mfe("lead-ui", ts(3*time.Hour), `{"f:spec":{"f:resolution":{"f:approvedBy":{}}}}`),
				mfe("agent-ui", ts(2*time.Hour), `{"f:spec":{"f:resolution":{".":{},"f:summary":{},"f:apologized":{}},"f:feedback":{"f:satisfaction":{}}}}`),
			},
			want: Recorded{Resolution: ts(3 * time.Hour), Feedback: ts(2 * time.Hour)},
		},
		{
			name: "status subresource entries are ignored, even if they name spec fields",
			fields: []metav1.ManagedFieldsEntry{
				mfe("kubectl-create", ts(0), creation),
				statusEntry(ts(5*time.Hour), `{"f:status":{"f:phase":{}}}`),
				statusEntry(ts(6*time.Hour), `{"f:spec":{"f:acknowledgement":{}}}`),
			},
			want: Recorded{},
		},
		{
			name: "an entry owning only metadata is not a spec write",
			fields: []metav1.ManagedFieldsEntry{
				mfe("kubectl-create", ts(0), creation),
				mfe("kubectl-label", ts(time.Hour), `{"f:metadata":{"f:labels":{"f:team":{}}}}`),
			},
			want: Recorded{},
		},
		{
			name: "apply entries count like updates",
			fields: []metav1.ManagedFieldsEntry{func() metav1.ManagedFieldsEntry {
				e := mfe("crm", ts(time.Hour), `{"f:spec":{"f:acknowledgement":{"f:by":{}}}}`)
				e.Operation = metav1.ManagedFieldsOperationApply
				return e
			}()},
			want: Recorded{Acknowledgement: ts(time.Hour)},
		},
		{
			name: "garbage entries are ignored, good ones still count",
			fields: []metav1.ManagedFieldsEntry{
				mfe("bad-json", ts(9*time.Hour), `{"f:spec":{"f:acknowledgement":`),
				mfe("not-json", ts(9*time.Hour), `not json at all`),
				mfe("spec-not-object", ts(9*time.Hour), `{"f:spec":"f:acknowledgement"}`),
				mfe("spec-null", ts(9*time.Hour), `{"f:spec":null}`),
				mfe("top-array", ts(9*time.Hour), `["f:spec"]`),
				mfe("no-fields", ts(9*time.Hour), ``),
				mfe("no-time", time.Time{}, `{"f:spec":{"f:acknowledgement":{}}}`),
				mfe("agent-ui", ts(time.Hour), `{"f:spec":{"f:acknowledgement":{}}}`),
			},
			want: Recorded{Acknowledgement: ts(time.Hour)},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := RecordedTimes(tc.fields)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("RecordedTimes =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

func TestCompactManagedFields(t *testing.T) {
	full := []metav1.ManagedFieldsEntry{
		mfe("kubectl-create", ts(0), `{"f:metadata":{"f:labels":{".":{},"f:team":{}}},"f:spec":{".":{},"f:customer":{".":{},"f:name":{}},"f:summary":{}}}`),
		statusEntry(ts(time.Minute), `{"f:status":{"f:phase":{},"f:clocks":{}}}`),
		mfe("kubectl-edit", ts(10*time.Minute), `{"f:spec":{"f:acknowledgement":{".":{},"f:by":{}},"f:waitingOn":{}}}`),
		mfe("kubectl-label", ts(20*time.Minute), `{"f:metadata":{"f:labels":{"f:team":{}}}}`),
		mfe("broken", ts(30*time.Minute), `{`),
		mfe("lead-ui", ts(time.Hour), `{"f:spec":{"f:resolution":{"f:approvedBy":{}},"f:feedback":{"f:accepted":{}},"f:lastUpdate":{"f:note":{}}}}`),
	}
	want := []metav1.ManagedFieldsEntry{
		mfe("kubectl-edit", ts(10*time.Minute), `{"f:spec":{"f:acknowledgement":{},"f:waitingOn":{}}}`),
		mfe("lead-ui", ts(time.Hour), `{"f:spec":{"f:lastUpdate":{},"f:resolution":{},"f:feedback":{}}}`),
	}

	t.Run("complaint keeps the spec entries reduced to the timed facts", func(t *testing.T) {
		c := newComplaint(t0)
		c.ManagedFields = append([]metav1.ManagedFieldsEntry(nil), full...)
		before := RecordedTimes(c.ManagedFields)
		out, err := CompactManagedFields(c)
		if err != nil || out != any(c) {
			t.Fatalf("CompactManagedFields = %v, %v; want the same complaint, nil", out, err)
		}
		if !reflect.DeepEqual(c.ManagedFields, want) {
			t.Fatalf("managedFields =\n%s\nwant\n%s", dumpEntries(c.ManagedFields), dumpEntries(want))
		}
		for i := range c.ManagedFields {
			if !json.Valid(c.ManagedFields[i].FieldsV1.GetRawBytes()) {
				t.Errorf("entry %d: invalid JSON %s", i, c.ManagedFields[i].FieldsV1.GetRawBytes())
			}
		}
		if after := RecordedTimes(c.ManagedFields); !reflect.DeepEqual(after, before) {
			t.Errorf("RecordedTimes after compaction = %+v, want %+v", after, before)
		}
		if c.Spec.Customer.Name != "Acme Pharmacy" || c.Name != "c-x7k2p" {
			t.Errorf("compaction changed more than managedFields")
		}
	})

	t.Run("idempotent", func(t *testing.T) {
		c := newComplaint(t0)
		c.ManagedFields = append([]metav1.ManagedFieldsEntry(nil), full...)
		_, _ = CompactManagedFields(c)
		once := c.DeepCopy()
		_, _ = CompactManagedFields(c)
		if !reflect.DeepEqual(c, once) {
			t.Fatalf("second compaction changed the complaint:\n%s\nthen\n%s", dumpEntries(once.ManagedFields), dumpEntries(c.ManagedFields))
		}
	})

	t.Run("complaint without a spec entry ends with none", func(t *testing.T) {
		c := newComplaint(t0)
		c.ManagedFields = []metav1.ManagedFieldsEntry{statusEntry(ts(time.Minute), `{"f:status":{}}`)}
		_, _ = CompactManagedFields(c)
		if c.ManagedFields != nil {
			t.Fatalf("managedFields = %s, want nil", dumpEntries(c.ManagedFields))
		}
	})

	t.Run("other kinds are stripped", func(t *testing.T) {
		objs := []any{
			&supportv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Name: "p", ManagedFields: full}},
			&supportv1.Escalation{ObjectMeta: metav1.ObjectMeta{Name: "e", ManagedFields: full}},
			&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", ManagedFields: full}},
			&metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "m", ManagedFields: full}},
		}
		u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "u"}}}
		u.SetManagedFields(full)
		objs = append(objs, u)
		for _, obj := range objs {
			out, err := CompactManagedFields(obj)
			if err != nil || out != obj {
				t.Fatalf("CompactManagedFields(%T) = %v, %v; want the same object, nil", obj, out, err)
			}
			if mf := out.(metav1.Object).GetManagedFields(); mf != nil {
				t.Errorf("%T keeps managedFields %s", obj, dumpEntries(mf))
			}
		}
	})

	t.Run("anything else is returned unchanged", func(t *testing.T) {
		tomb := toolscache.DeletedFinalStateUnknown{Key: "support/c", Obj: newComplaint(t0)}
		for _, in := range []any{nil, "a string", 42, (*supportv1.Complaint)(nil), (*corev1.Secret)(nil), tomb, struct{}{}} {
			out, err := CompactManagedFields(in)
			if err != nil {
				t.Errorf("CompactManagedFields(%T) error %v", in, err)
			}
			if !reflect.DeepEqual(out, in) {
				t.Errorf("CompactManagedFields(%T) = %v, want it unchanged", in, out)
			}
		}
	})
}

func dumpEntries(es []metav1.ManagedFieldsEntry) string {
	var b strings.Builder
	for _, e := range es {
		tm := "<nil>"
		if e.Time != nil {
			tm = e.Time.UTC().Format(time.RFC3339)
		}
		raw := "<nil>"
		if e.FieldsV1 != nil {
			raw = string(e.FieldsV1.GetRawBytes())
		}
		b.WriteString("  " + e.Manager + " " + string(e.Operation) + " " + e.Subresource + " " + tm + " " + raw + "\n")
	}
	return b.String()
}

// apiWrite records, as the API server does for an update, that manager
// set the given spec fields (FieldsV1 keys) at: its entry gains them and is
// stamped at; the fields leave the other managers.
func apiWrite(c *supportv1.Complaint, manager string, at time.Time, fields ...string) {
	sets := map[string]map[string]bool{}
	var order []string
	for _, e := range c.ManagedFields {
		sets[e.Manager] = specKeys(e)
		order = append(order, e.Manager)
	}
	if sets[manager] == nil {
		sets[manager] = map[string]bool{}
		order = append(order, manager)
	}
	for _, f := range fields {
		for m := range sets {
			delete(sets[m], f)
		}
		sets[manager][f] = true
	}
	times := map[string]time.Time{manager: at}
	for _, e := range c.ManagedFields {
		if e.Manager != manager {
			times[e.Manager] = e.Time.Time
		}
	}
	c.ManagedFields = nil
	for _, m := range order {
		if len(sets[m]) == 0 {
			continue
		}
		c.ManagedFields = append(c.ManagedFields, mfe(m, times[m], fieldsJSON(sets[m])))
	}
}

// apiRemove records an update that only removes a spec field: the field
// leaves every entry and nobody is stamped (an entry left empty goes).
func apiRemove(c *supportv1.Complaint, field string) {
	var out []metav1.ManagedFieldsEntry
	for _, e := range c.ManagedFields {
		keys := specKeys(e)
		delete(keys, field)
		if len(keys) > 0 {
			out = append(out, mfe(e.Manager, e.Time.Time, fieldsJSON(keys)))
		}
	}
	c.ManagedFields = out
}

func specKeys(e metav1.ManagedFieldsEntry) map[string]bool {
	var v struct {
		Spec map[string]json.RawMessage `json:"f:spec"`
	}
	_ = json.Unmarshal(e.FieldsV1.GetRawBytes(), &v)
	out := map[string]bool{}
	for k := range v.Spec {
		out[k] = true
	}
	return out
}

func fieldsJSON(keys map[string]bool) string {
	spec := map[string]any{}
	for k := range keys {
		spec[k] = map[string]any{}
	}
	b, _ := json.Marshal(map[string]any{"f:spec": spec})
	return string(b)
}

// created is a complaint created at t by kubectl, with its creation entry.
func created(at time.Time) *supportv1.Complaint {
	c := newComplaint(at)
	apiWrite(c, "kubectl-create", at, "f:customer", "f:category", "f:severity", "f:summary")
	return c
}

// by is edit e made by manager at `at`, as the API server records it, on
// the sim's complaint c; fields are the FieldsV1 keys the edit sets.
func by(c *supportv1.Complaint, manager string, at time.Time, e edit, fields ...string) edit {
	return func(s *supportv1.ComplaintSpec) {
		e(s)
		apiWrite(c, manager, at, fields...)
	}
}

// removed is edit e that only removes field, as the API server records it.
func removed(c *supportv1.Complaint, e edit, field string) edit {
	return func(s *supportv1.ComplaintSpec) {
		e(s)
		apiRemove(c, field)
	}
}

func TestFactTime(t *testing.T) {
	now := ts(time.Hour)
	e := &evaluation{now: now}
	cases := []struct {
		name         string
		t, notBefore time.Time
		want         time.Time
	}{
		{"unknown: now", time.Time{}, ts(0), now},
		{"recorded in the past", ts(10 * time.Minute), ts(0), ts(10 * time.Minute)},
		{"second precision", ts(10*time.Minute + 900*time.Millisecond), ts(0), ts(10 * time.Minute)},
		{"in the future: now", ts(2 * time.Hour), ts(0), now},
		{"before the fact it follows: that fact", ts(-time.Hour), ts(0), ts(0)},
		{"notBefore at second precision", ts(0), ts(1500 * time.Millisecond), ts(time.Second)},
		{"unknown, notBefore after now: notBefore wins", time.Time{}, ts(2 * time.Hour), ts(2 * time.Hour)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := e.factTime(tc.t, tc.notBefore); !got.Equal(tc.want) {
				t.Errorf("factTime(%s, %s) = %s, want %s", tc.t.UTC(), tc.notBefore.UTC(), got.UTC(), tc.want.UTC())
			}
		})
	}
}

func TestRecordedFacts(t *testing.T) {
	h := time.Hour
	m := time.Minute
	frUpd := compiled(t, supportv1.ServicePolicySpec{Targets: targets(h, 4*h, 24*h)})
	frPause := compiled(t, supportv1.ServicePolicySpec{Targets: targets(h, 0, 0), PauseWhile: []supportv1.WaitingOn{supportv1.WaitingOnCustomer}})
	resPause := compiled(t, supportv1.ServicePolicySpec{Targets: targets(0, 0, 2*h), PauseWhile: []supportv1.WaitingOn{supportv1.WaitingOnCustomer}})
	withFollowUp := compiled(t, supportv1.ServicePolicySpec{Targets: targets(h, 4*h, 24*h),
		FollowUp: &supportv1.FollowUp{After: metav1.Duration{Duration: 168 * h}, ReopenBelow: 3}})
	noBreach := func(t *testing.T, s *sim, r Result) {
		t.Helper()
		for _, x := range s.all {
			if x.Event == supportv1.EventBreached {
				t.Errorf("breach fired: %s", fmtTransition(x))
			}
		}
		wantTime(t, "breachedAt", r.Status.BreachedAt, time.Time{})
	}

	cases := []struct {
		name  string
		p     *Policy
		c     *supportv1.Complaint
		steps func(c *supportv1.Complaint) []step
	}{
		{
			name: "acknowledgement recorded before the due time, first seen after it: Met",
			p:    frUpd, c: created(t0),
			steps: func(c *supportv1.Complaint) []step {
				return []step{
					{at: ts(90 * m), edit: by(c, "agent-ui", ts(50*m), ack, "f:acknowledgement"),
						want: []string{tr("Created", ts(0)), tr("Acknowledged", ts(50*m))},
						check: func(t *testing.T, s *sim, r Result) {
							wantTime(t, "acknowledgedAt", r.Status.AcknowledgedAt, ts(50*m))
							wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &clk{state: supportv1.ClockMet, target: h,
								started: ts(0), due: ts(h), stopped: ts(50 * m)})
							wantClock(t, "update", r.Status.Clocks.Update, &clk{state: supportv1.ClockRunning, target: 4 * h,
								started: ts(50 * m), due: ts(4*h + 50*m), atRisk: ts(3*h + 50*m)})
							wantCondition(t, r.Status, supportv1.ConditionBreached, metav1.ConditionFalse, supportv1.ReasonWithinTargets)
							noBreach(t, s, r)
							if hist := r.Status.History; len(hist) != 2 || !hist[1].Time.Time.Equal(ts(50*m)) {
								t.Errorf("history = %+v, want the acknowledgement at its recorded time", hist)
							}
						}},
				}
			},
		},
		{
			name: "without managedFields (a stripped cache) the same acknowledgement counts when seen: Breached",
			p:    frUpd, c: newComplaint(t0),
			steps: func(c *supportv1.Complaint) []step {
				return []step{
					{at: ts(90 * m), edit: ack, want: []string{tr("Created", ts(0)), tr("Acknowledged", ts(90*m)), tr("!Breached/FirstResponse", ts(h))}},
				}
			},
		},
		{
			name: "a breach the operator already recorded stands",
			p:    frUpd, c: created(t0),
			steps: func(c *supportv1.Complaint) []step {
				return []step{
					{at: ts(0), want: []string{tr("Created", ts(0))}},
					{at: ts(61 * m), want: []string{tr("!Breached/FirstResponse", ts(h))}},
					{at: ts(62 * m), edit: by(c, "agent-ui", ts(50*m), ack, "f:acknowledgement"), want: []string{tr("Acknowledged", ts(50*m))},
						check: func(t *testing.T, s *sim, r Result) {
							wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &clk{state: supportv1.ClockBreached, target: h,
								started: ts(0), due: ts(h), stopped: ts(50 * m), notified: true})
						}},
				}
			},
		},
		{
			name: "progress update recorded before the due time, seen after it: the update clock restarts from the update, no breach",
			p:    frUpd, c: created(t0),
			steps: func(c *supportv1.Complaint) []step {
				return []step{
					{at: ts(0), want: []string{tr("Created", ts(0))}},
					{at: ts(10 * m), edit: by(c, "agent-ui", ts(10*m), ack, "f:acknowledgement"), want: []string{tr("Acknowledged", ts(10*m))}},
					// The same manager gives the update at 4h (due 4h10m); the operator sees it at 5h.
					{at: ts(5 * h), edit: by(c, "agent-ui", ts(4*h), progress("replacement shipped"), "f:lastUpdate"),
						want: []string{tr("ProgressUpdate()", ts(4*h))},
						check: func(t *testing.T, s *sim, r Result) {
							wantTime(t, "lastUpdateAt", r.Status.LastUpdateAt, ts(4*h))
							wantTime(t, "acknowledgedAt", r.Status.AcknowledgedAt, ts(10*m))
							wantClock(t, "update", r.Status.Clocks.Update, &clk{state: supportv1.ClockRunning, target: 4 * h,
								started: ts(4 * h), due: ts(8 * h), atRisk: ts(7 * h)})
							noBreach(t, s, r)
							wantNext(t, r, ts(7*h))
						}},
				}
			},
		},
		{
			// Known gap (as before recorded times): the missed run's breach
			// is not reported when the late update is first seen after it.
			name: "progress update recorded after the due time, seen later: the new run starts at the update",
			p:    frUpd, c: created(t0),
			steps: func(c *supportv1.Complaint) []step {
				return []step{
					{at: ts(0), want: []string{tr("Created", ts(0))}},
					{at: ts(10 * m), edit: by(c, "agent-ui", ts(10*m), ack, "f:acknowledgement"), want: []string{tr("Acknowledged", ts(10*m))}},
					{at: ts(5 * h), edit: by(c, "agent-ui", ts(4*h+20*m), progress("replacement shipped"), "f:lastUpdate"),
						want: []string{tr("ProgressUpdate()", ts(4*h+20*m))},
						check: func(t *testing.T, s *sim, r Result) {
							wantClock(t, "update", r.Status.Clocks.Update, &clk{state: supportv1.ClockRunning, target: 4 * h,
								started: ts(4*h + 20*m), due: ts(8*h + 20*m), atRisk: ts(7*h + 20*m)})
						}},
				}
			},
		},
		{
			name: "waiting recorded before the due time, seen after it: paused, no breach; a removal ends the pause when seen",
			p:    frPause, c: created(t0),
			steps: func(c *supportv1.Complaint) []step {
				return []step{
					{at: ts(0), want: []string{tr("Created", ts(0))}},
					{at: ts(90 * m), edit: by(c, "agent-ui", ts(50*m), waitOn(supportv1.WaitingOnCustomer), "f:waitingOn"),
						want: []string{tr("Waiting()", ts(50*m))},
						check: func(t *testing.T, s *sim, r Result) {
							wantTime(t, "waitingSince", r.Status.WaitingSince, ts(50*m))
							wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &clk{state: supportv1.ClockPaused, target: h, started: ts(0)})
							noBreach(t, s, r)
							wantNext(t, r, time.Time{})
						}},
					// An update that only removes waitingOn leaves no stamp: the pause ends when seen.
					{at: ts(2 * h), edit: removed(c, waitOn(""), "f:waitingOn"),
						want: []string{tr("Resumed()", ts(2*h)), tr("!AtRisk/FirstResponse", ts(2*h))},
						check: func(t *testing.T, s *sim, r Result) {
							wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &clk{state: supportv1.ClockRunning, target: h,
								started: ts(0), paused: 70 * m, due: ts(2*h + 10*m), atRisk: ts(h + 55*m), notified: true})
							noBreach(t, s, r)
						}},
				}
			},
		},
		{
			name: "waiting recorded after the due time does not undo the breach",
			p:    frPause, c: created(t0),
			steps: func(c *supportv1.Complaint) []step {
				return []step{
					{at: ts(0), want: []string{tr("Created", ts(0))}},
					{at: ts(90 * m), edit: by(c, "agent-ui", ts(70*m), waitOn(supportv1.WaitingOnCustomer), "f:waitingOn"),
						want: []string{tr("Waiting()", ts(70*m)), tr("!Breached/FirstResponse", ts(h))}},
				}
			},
		},
		{
			name: "waitingOn changed to a value that does not pause: the pause ends at the recorded change",
			p:    frPause, c: created(t0),
			steps: func(c *supportv1.Complaint) []step {
				return []step{
					{at: ts(0), want: []string{tr("Created", ts(0))}},
					{at: ts(90 * m), edit: by(c, "agent-ui", ts(50*m), waitOn(supportv1.WaitingOnCustomer), "f:waitingOn"), want: []string{tr("Waiting()", ts(50*m))}},
					{at: ts(105 * m), edit: by(c, "crm-sync", ts(100*m), waitOn(supportv1.WaitingOnVendor), "f:waitingOn"),
						want: []string{tr("Resumed()", ts(100*m)), tr("!AtRisk/FirstResponse", ts(105*m))},
						check: func(t *testing.T, s *sim, r Result) {
							wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &clk{state: supportv1.ClockRunning, target: h,
								started: ts(0), paused: 50 * m, due: ts(110 * m), atRisk: ts(95 * m), notified: true})
						}},
					{at: ts(110 * m), want: []string{tr("!Breached/FirstResponse", ts(110*m))}},
				}
			},
		},
		{
			name: "a pause that ended in the past is counted up to its end only",
			p:    frPause, c: created(t0),
			steps: func(c *supportv1.Complaint) []step {
				return []step{
					{at: ts(0), want: []string{tr("Created", ts(0))}},
					{at: ts(20 * m), edit: by(c, "agent-ui", ts(20*m), waitOn(supportv1.WaitingOnCustomer), "f:waitingOn"), want: []string{tr("Waiting()", ts(20*m))}},
					// Changed at 30m, seen at 3h: 10m paused, due 1h10m, breached then.
					{at: ts(3 * h), edit: by(c, "crm-sync", ts(30*m), waitOn(supportv1.WaitingOnVendor), "f:waitingOn"),
						want: []string{tr("Resumed()", ts(30*m)), tr("!Breached/FirstResponse", ts(70*m))},
						check: func(t *testing.T, s *sim, r Result) {
							wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &clk{state: supportv1.ClockBreached, target: h,
								started: ts(0), paused: 10 * m, due: ts(70 * m), notified: true})
						}},
				}
			},
		},
		{
			name: "resolution recorded while waiting, seen later: the pause ends at the resolution, Met",
			p:    resPause, c: created(t0),
			steps: func(c *supportv1.Complaint) []step {
				return []step{
					{at: ts(0), want: []string{tr("Created", ts(0))}},
					{at: ts(30 * m), edit: by(c, "agent-ui", ts(30*m), waitOn(supportv1.WaitingOnCustomer), "f:waitingOn"), want: []string{tr("Waiting()", ts(30*m))}},
					{at: ts(5 * h), edit: by(c, "agent-ui", ts(150*m), resolve(resV1), "f:resolution"),
						want: []string{tr("Resolved", ts(150*m)), tr("Resumed()", ts(150*m))},
						check: func(t *testing.T, s *sim, r Result) {
							wantClock(t, "resolution", r.Status.Clocks.Resolution, &clk{state: supportv1.ClockMet, target: 2 * h,
								started: ts(0), paused: 2 * h, due: ts(4 * h), stopped: ts(150 * m)})
							wantTime(t, "resolvedAt", r.Status.ResolvedAt, ts(150*m))
						}},
				}
			},
		},
		{
			name: "resolution recorded before the due time, seen after it: Met, follow-up from the resolution",
			p:    withFollowUp, c: created(t0),
			steps: func(c *supportv1.Complaint) []step {
				return []step{
					{at: ts(0), want: []string{tr("Created", ts(0))}},
					{at: ts(10 * m), edit: by(c, "agent-ui", ts(10*m), ack, "f:acknowledgement"), want: []string{tr("Acknowledged", ts(10*m))}},
					{at: ts(30 * h), edit: by(c, "lead-ui", ts(20*h), resolve(resV1), "f:resolution"),
						want: []string{tr("Resolved", ts(20*h)), tr("!Breached/Update", ts(4*h+10*m))},
						check: func(t *testing.T, s *sim, r Result) {
							wantTime(t, "resolvedAt", r.Status.ResolvedAt, ts(20*h))
							wantTime(t, "followUpAt", r.Status.FollowUpAt, ts(20*h+168*h))
							wantClock(t, "resolution", r.Status.Clocks.Resolution, &clk{state: supportv1.ClockMet, target: 24 * h,
								started: ts(0), due: ts(24 * h), stopped: ts(20 * h)})
							wantClock(t, "update", r.Status.Clocks.Update, &clk{state: supportv1.ClockBreached, target: 4 * h,
								started: ts(10 * m), due: ts(4*h + 10*m), stopped: ts(20 * h), notified: true})
							wantNext(t, r, ts(20*h+168*h))
						}},
				}
			},
		},
		{
			name: "feedback: satisfied, recorded before it was seen, closes at its recorded time",
			p:    withFollowUp, c: created(t0),
			steps: func(c *supportv1.Complaint) []step {
				return []step{
					{at: ts(0), want: []string{tr("Created", ts(0))}},
					{at: ts(10 * m), edit: by(c, "agent-ui", ts(10*m), ack, "f:acknowledgement"), want: []string{tr("Acknowledged", ts(10*m))}},
					{at: ts(2 * h), edit: by(c, "agent-ui", ts(2*h), resolve(resV1), "f:resolution"), want: []string{tr("Resolved", ts(2*h))}},
					{at: ts(6 * h), edit: by(c, "survey", ts(5*h), feedback(i32(5), boolp(true), ""), "f:feedback"),
						want: []string{tr("CustomerSatisfied(Closed)", ts(5*h))},
						check: func(t *testing.T, s *sim, r Result) {
							wantTime(t, "closedAt", r.Status.ClosedAt, ts(5*h))
							wantPhase(t, r, supportv1.PhaseClosed)
						}},
				}
			},
		},
		{
			name: "feedback: unhappy, recorded before it was seen, reopens at its recorded time",
			p:    withFollowUp, c: created(t0),
			steps: func(c *supportv1.Complaint) []step {
				return []step{
					{at: ts(0), want: []string{tr("Created", ts(0))}},
					{at: ts(10 * m), edit: by(c, "agent-ui", ts(10*m), ack, "f:acknowledgement"), want: []string{tr("Acknowledged", ts(10*m))}},
					{at: ts(2 * h), edit: by(c, "agent-ui", ts(2*h), resolve(resV1), "f:resolution"), want: []string{tr("Resolved", ts(2*h))}},
					{at: ts(6 * h), edit: by(c, "survey", ts(5*h), feedback(i32(1), nil, "still missing"), "f:feedback"),
						want: []string{tr("!Reopened", ts(5*h))},
						check: func(t *testing.T, s *sim, r Result) {
							wantTime(t, "reopenedAt", r.Status.ReopenedAt, ts(5*h))
							if n := len(r.Status.PreviousResolutions); n != 1 {
								t.Fatalf("%d previous resolutions, want 1", n)
							}
							pr := r.Status.PreviousResolutions[0]
							wantTime(t, "previous.resolvedAt", pr.ResolvedAt, ts(2*h))
							wantTime(t, "previous.reopenedAt", pr.ReopenedAt, ts(5*h))
							wantClock(t, "resolution", r.Status.Clocks.Resolution, &clk{state: supportv1.ClockRunning, target: 24 * h,
								started: ts(5 * h), due: ts(29 * h), atRisk: ts(23 * h)})
							wantClock(t, "update", r.Status.Clocks.Update, &clk{state: supportv1.ClockRunning, target: 4 * h,
								started: ts(5 * h), due: ts(9 * h), atRisk: ts(8 * h)})
						}},
					// A new resolution counts from its write, not before the reopening.
					{at: ts(7 * h), edit: by(c, "agent-ui", ts(4*h), resolve(resV2), "f:resolution"), want: []string{tr("Resolved", ts(5*h))}},
				}
			},
		},
		{
			name: "clamping: a stamp in the future counts as now, one before the start as the start",
			p:    frUpd, c: created(t0),
			steps: func(c *supportv1.Complaint) []step {
				return []step{
					{at: ts(0), edit: by(c, "agent-ui", ts(-h), ack, "f:acknowledgement"), want: []string{tr("Created", ts(0)), tr("Acknowledged", ts(0))}},
					{at: ts(20 * m), edit: by(c, "agent-ui", ts(3*h), progress("called again"), "f:lastUpdate"), want: []string{tr("ProgressUpdate()", ts(20*m))}},
					{at: ts(30 * m), edit: by(c, "agent-ui", ts(10*m), progress("and again"), "f:lastUpdate"), want: []string{tr("ProgressUpdate()", ts(20*m))}},
				}
			},
		},
		{
			name: "feedback stamped before the resolution counts from the resolution",
			p:    withFollowUp, c: created(t0),
			steps: func(c *supportv1.Complaint) []step {
				return []step{
					{at: ts(0), want: []string{tr("Created", ts(0))}},
					{at: ts(10 * m), edit: by(c, "agent-ui", ts(10*m), ack, "f:acknowledgement"), want: []string{tr("Acknowledged", ts(10*m))}},
					{at: ts(2 * h), edit: by(c, "agent-ui", ts(2*h), resolve(resV1), "f:resolution"), want: []string{tr("Resolved", ts(2*h))}},
					{at: ts(3 * h), edit: by(c, "survey", ts(h), feedback(i32(4), nil, ""), "f:feedback"), want: []string{tr("CustomerSatisfied(Closed)", ts(2*h))}},
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			live(t, newSim(t, tc.p, tc.c), tc.steps(tc.c))
		})
	}

	t.Run("a policy change begins a pause when seen, not when waitingOn was written", func(t *testing.T) {
		noPause := compiled(t, supportv1.ServicePolicySpec{Targets: targets(h, 0, 0)})
		pausing := *frPause
		pausing.Name = "pausing"
		c := created(t0)
		s := newSim(t, noPause, c)
		live(t, s, []step{
			{at: ts(0), want: []string{tr("Created", ts(0))}},
			{at: ts(10 * m), edit: by(c, "agent-ui", ts(10*m), waitOn(supportv1.WaitingOnCustomer), "f:waitingOn")},
			{at: ts(30 * m), edit: func(*supportv1.ComplaintSpec) { s.p = &pausing },
				want: []string{tr("PolicyChanged()", ts(30*m)), tr("Waiting()", ts(30*m))}},
			{at: ts(40 * m), edit: func(*supportv1.ComplaintSpec) { s.p = noPause },
				want: []string{tr("PolicyChanged()", ts(40*m)), tr("Resumed()", ts(40*m))},
				check: func(t *testing.T, s *sim, r Result) {
					wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &clk{state: supportv1.ClockRunning, target: h,
						started: ts(0), paused: 10 * m, due: ts(70 * m), atRisk: ts(55 * m)})
				}},
		})
	})

	t.Run("compacted managedFields give the same decisions", func(t *testing.T) {
		c := created(t0)
		apiWrite(c, "agent-ui", ts(50*m), "f:acknowledgement")
		c.ManagedFields = append(c.ManagedFields, statusEntry(ts(51*m), `{"f:status":{"f:phase":{}}}`))
		c.Spec.Acknowledgement = &supportv1.Acknowledgement{By: "agent-bob"}
		in := Input{Complaint: c, Policy: frUpd, Now: ts(90 * m)}
		full := Evaluate(in)
		cc := c.DeepCopy()
		_, _ = CompactManagedFields(cc)
		in.Complaint = cc
		if compact := Evaluate(in); !reflect.DeepEqual(full, compact) {
			t.Fatalf("decisions differ:\nfull:    %+v\ncompact: %+v", full, compact)
		}
	})
}

// TestDetailHasNoCustomerIdentity: every notifiable transition Evaluate
// emits has a Detail without the customer's name, company or contact.
func TestDetailHasNoCustomerIdentity(t *testing.T) {
	h := time.Hour
	m := time.Minute
	secrets := []string{"Zebulon Quaxley", "Quaxcorp", "zeb@quaxcorp.example", "+1 555 0199", "1 Quax Road"}
	customer := supportv1.Customer{Name: "Zebulon Quaxley", Company: "Quaxcorp", Tier: supportv1.TierKey,
		Contact: &supportv1.Contact{Email: "zeb@quaxcorp.example", Phone: "+1 555 0199", Address: "1 Quax Road"}}
	p := compiled(t, supportv1.ServicePolicySpec{
		Targets:  targets(h, 4*h, 24*h),
		Recovery: &supportv1.Recovery{Gestures: []supportv1.GestureRule{{Categories: []supportv1.Category{supportv1.CategoryMissedDeadline}, Kind: supportv1.GestureDiscount, Detail: "15% off for Quaxcorp"}}},
		FollowUp: &supportv1.FollowUp{After: metav1.Duration{Duration: 168 * h}, CloseAfter: dur(336 * h), ReopenBelow: 3},
	})
	newC := func() *supportv1.Complaint {
		c := newComplaint(t0)
		c.Spec.Customer = customer
		c.Spec.Summary = "Insulin for zebulon quaxley not delivered"
		return c
	}
	res := func(summary string) edit {
		return resolve(supportv1.Resolution{Summary: summary, Apologized: true, ApprovedBy: "lead-ann"})
	}
	var all []Transition
	// One life: at risk, breached, acknowledged, resolved, follow-up,
	// reopened, resolved again, closed without feedback.
	s := newSim(t, p, newC())
	live(t, s, []step{
		{at: ts(0), want: []string{tr("Created", ts(0))}},
		{at: ts(50 * m), want: []string{tr("!AtRisk/FirstResponse", ts(50*m))}},
		{at: ts(61 * m), want: []string{tr("!Breached/FirstResponse", ts(h))}},
		{at: ts(70 * m), edit: func(sp *supportv1.ComplaintSpec) {
			sp.Acknowledgement = &supportv1.Acknowledgement{By: "agent-bob", Note: "called Zebulon Quaxley on +1 555 0199 and wrote to ZEB@QUAXCORP.EXAMPLE"}
		}, want: []string{tr("Acknowledged", ts(70*m))}},
		{at: ts(2 * h), edit: res("Quaxcorp gets a courier to 1 Quax Road"), want: []string{tr("Resolved", ts(2*h))}},
		{at: ts(2*h + 168*h), want: []string{tr("FollowUpDue", ts(2*h+168*h))}},
		{at: ts(2*h + 169*h), edit: feedback(i32(1), nil, "Zebulon Quaxley is still waiting"), want: []string{tr("!Reopened", ts(2*h+169*h))}},
		{at: ts(2*h + 170*h), edit: res("Second courier for Zebulon Quaxley"), want: []string{tr("Resolved", ts(2*h+170*h))}},
		{at: ts(2*h + 170*h + 336*h), want: []string{tr("FollowUpDue", ts(2*h+170*h+168*h)), tr("NoFeedback(Closed)", ts(2*h+170*h+336*h))}},
	})
	all = append(all, s.all...)
	// Another: closed by a satisfied customer.
	s = newSim(t, p, newC())
	live(t, s, []step{
		{at: ts(0), want: []string{tr("Created", ts(0))}},
		{at: ts(10 * m), edit: res("Done"), want: []string{tr("Resolved", ts(10*m))}},
		{at: ts(20 * m), edit: feedback(i32(5), boolp(true), "thanks from zebulon quaxley"), want: []string{tr("CustomerSatisfied(Closed)", ts(20*m))}},
	})
	all = append(all, s.all...)

	seen := map[string]bool{}
	for _, x := range all {
		if x.Event == "" {
			if x.Detail != "" {
				t.Errorf("%s: Detail %q on a transition that is not notifiable", fmtTransition(x), x.Detail)
			}
			continue
		}
		seen[string(x.Event)+"/"+x.Reason] = true
		if strings.TrimSpace(x.Detail) == "" {
			t.Errorf("%s: empty Detail", fmtTransition(x))
		}
		for _, secret := range secrets {
			if strings.Contains(strings.ToLower(x.Detail), strings.ToLower(secret)) {
				t.Errorf("%s: Detail %q contains %q", fmtTransition(x), x.Detail, secret)
			}
		}
		if strings.Contains(strings.ToLower(x.Detail), "zeb@") {
			t.Errorf("%s: Detail %q keeps part of the email address", fmtTransition(x), x.Detail)
		}
	}
	var events []string
	for e := range seen {
		events = append(events, e)
	}
	sort.Strings(events)
	want := []string{"Acknowledged/Acknowledged", "AtRisk/AtRisk", "Breached/Breached", "Closed/CustomerSatisfied", "Closed/NoFeedback",
		"Created/Created", "FollowUpDue/FollowUpDue", "Reopened/Reopened", "Resolved/Resolved"}
	if !reflect.DeepEqual(events, want) {
		t.Errorf("notifiable transitions covered = %q, want %q", events, want)
	}

	// Events and history keep the name; only Detail drops it.
	for _, x := range all {
		switch x.Event {
		case supportv1.EventCreated:
			if !strings.Contains(x.Message, "Zebulon Quaxley") || x.Detail != "Complaint recorded: Insulin for [customer] not delivered (MissedDeadline, High)" {
				t.Errorf("Created: Message %q, Detail %q", x.Message, x.Detail)
			}
		case supportv1.EventFollowUpDue:
			if !strings.Contains(x.Message, "call Zebulon Quaxley") || x.Detail != "Follow-up due: call the customer to check the outcome" {
				t.Errorf("FollowUpDue: Message %q, Detail %q", x.Message, x.Detail)
			}
		}
	}
}

func TestRedactCustomer(t *testing.T) {
	c := &supportv1.Customer{Name: "Al", Company: "Acme", Contact: &supportv1.Contact{Email: "al@acme.example", Phone: "+1 555 0100"}}
	cases := []struct{ in, want string }{
		{"Customer contacted by agent-bob", "Customer contacted by agent-bob"},
		{"called Al at +1 555 0100", "called [customer] at [customer]"},
		{"approval for al@acme.example", "approval for [customer]"},
		{"ACME and Acmeville", "[customer] and Acmeville"},
		{"", ""},
	}
	for _, tc := range cases {
		if got := RedactCustomer(tc.in, c); got != tc.want {
			t.Errorf("RedactCustomer(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := RedactCustomer("A is for apple", &supportv1.Customer{Name: "A"}); got != "A is for apple" {
		t.Errorf("one-letter name redacted: %q", got)
	}
}
