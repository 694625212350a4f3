// Documentation: when a fact counts.
//
// A fact (acknowledgement, progress update, waiting, resolution, feedback)
// counts from the API server's stamp of the last write of the field manager
// that owns it (metadata.managedFields[].time), never later than when the
// operator saw it and never before the fact it follows, so an operator that
// was down or behind does not turn a timely answer into a breach. A write
// that only removes a field leaves no stamp of its own (the API server stamps
// a manager's update only when it sets or changes a field), so the end of a
// pause by removing spec.waitingOn, like a pause started or ended by a policy
// change, counts from when the operator saw it.

package sla

import (
	"bytes"
	"encoding/json"
	"reflect"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// Recorded holds when the API server last saw a write of each spec fact:
// the latest managedFields time among the entries that own the field or
// anything under it. A zero time means unknown.
type Recorded struct {
	Acknowledgement, LastUpdate, WaitingOn, Resolution, Feedback, Owner, Agreement time.Time
}

// factKeys are the FieldsV1 keys of the timed spec fields, in the order of
// factBits.
var factKeys = [...]string{"f:acknowledgement", "f:lastUpdate", "f:waitingOn", "f:resolution", "f:feedback", "f:owner", "f:agreement"}

// compactForms maps each FieldsV1 that CompactManagedFields writes to the
// facts it owns, so that reading a cached complaint parses no JSON.
var compactForms = func() map[string][len(factKeys)]bool {
	m := map[string][len(factKeys)]bool{}
	for bits := 0; bits < 1<<len(factKeys); bits++ {
		var owned [len(factKeys)]bool
		for i := range owned {
			owned[i] = bits&(1<<i) != 0
		}
		m[string(compactFieldsV1(owned))] = owned
	}
	return m
}()

// specFacts parses a FieldsV1 entry: ok when it owns anything under spec,
// and for each of factKeys whether it owns that field or anything under it.
func specFacts(f *metav1.FieldsV1) (owned [len(factKeys)]bool, ok bool) {
	if f == nil || len(f.GetRawBytes()) == 0 {
		return owned, false
	}
	if owned, ok := compactForms[string(f.GetRawBytes())]; ok {
		return owned, true
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(f.GetRawBytes(), &top); err != nil {
		return owned, false
	}
	raw, has := top["f:spec"]
	if !has {
		return owned, false
	}
	var spec map[string]json.RawMessage
	if err := json.Unmarshal(raw, &spec); err != nil || spec == nil {
		return owned, false
	}
	for i, k := range factKeys {
		_, owned[i] = spec[k]
	}
	return owned, true
}

// RecordedTimes reads when each spec fact was last written from the
// object's managedFields. Entries of a subresource (the operator's status
// writes), without a time, or whose fields do not parse are ignored.
func RecordedTimes(fields []metav1.ManagedFieldsEntry) Recorded {
	var r Recorded
	facts := [len(factKeys)]*time.Time{&r.Acknowledgement, &r.LastUpdate, &r.WaitingOn, &r.Resolution, &r.Feedback, &r.Owner, &r.Agreement}
	later := func(dst *time.Time, t time.Time) {
		if t.After(*dst) {
			*dst = t
		}
	}
	for i := range fields {
		m := &fields[i]
		if m.Subresource != "" || m.Time == nil || m.Time.IsZero() {
			continue
		}
		owned, ok := specFacts(m.FieldsV1)
		if !ok {
			continue
		}
		t := m.Time.Time
		for k, o := range owned {
			if o {
				later(facts[k], t)
			}
		}
	}
	return r
}

// compactFieldsV1 is the reduced FieldsV1 of an entry owning the given facts.
func compactFieldsV1(owned [len(factKeys)]bool) []byte {
	var b bytes.Buffer
	b.WriteString(`{"f:spec":{`)
	n := 0
	for i, o := range owned {
		if !o {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + factKeys[i] + `":{}`)
		n++
	}
	b.WriteString(`}}`)
	return b.Bytes()
}

// CompactManagedFields is a cache transform (cache.Options.DefaultTransform
// or ByObject[...].Transform): it keeps of a Complaint's managedFields only
// what RecordedTimes needs (the entries owning a timed fact, reduced to
// which timed facts they own, with manager, operation, time and API
// version), and drops the managedFields of any other object, as
// cache.TransformStripManagedFields does. It is idempotent and never fails:
// anything that is not an object is returned unchanged.
func CompactManagedFields(obj any) (any, error) {
	if c, ok := obj.(*supportv1.Complaint); ok {
		if c == nil {
			return obj, nil
		}
		if out, changed := compactEntries(c.ManagedFields); changed {
			c.ManagedFields = out
		}
		return obj, nil
	}
	if r, ok := obj.(*supportv1.Remedy); ok && r != nil {
		r.ManagedFields = compactFulfilment(r.ManagedFields)
		return obj, nil
	}
	if v := reflect.ValueOf(obj); !v.IsValid() || (v.Kind() == reflect.Pointer && v.IsNil()) {
		return obj, nil
	}
	if o, err := apimeta.Accessor(obj); err == nil && o.GetManagedFields() != nil {
		o.SetManagedFields(nil)
	}
	return obj, nil
}

func compactEntries(in []metav1.ManagedFieldsEntry) ([]metav1.ManagedFieldsEntry, bool) {
	if in == nil {
		return nil, false
	}
	var out []metav1.ManagedFieldsEntry
	changed := false
	for i := range in {
		m := &in[i]
		owned, ok := specFacts(m.FieldsV1)
		if m.Subresource != "" || !ok || owned == ([len(factKeys)]bool{}) {
			changed = true // owns no timed fact: nothing to keep
			continue
		}
		e := metav1.ManagedFieldsEntry{
			Manager:    m.Manager,
			Operation:  m.Operation,
			APIVersion: m.APIVersion,
			Time:       m.Time,
			FieldsType: "FieldsV1",
			FieldsV1:   metav1.NewFieldsV1(string(compactFieldsV1(owned))),
		}
		if m.FieldsType != e.FieldsType || !bytes.Equal(m.FieldsV1.GetRawBytes(), e.FieldsV1.GetRawBytes()) {
			changed = true
		}
		out = append(out, e)
	}
	if !changed {
		return in, false
	}
	return out, true
}

// fulfilmentFields is the FieldsV1 of an entry that owns spec.fulfilment.
const fulfilmentFields = `{"f:spec":{"f:fulfilment":{}}}`

// compactFulfilment keeps of a Remedy's managedFields one entry: the
// latest write of spec.fulfilment (FulfilmentRecordedAt), or none.
func compactFulfilment(in []metav1.ManagedFieldsEntry) []metav1.ManagedFieldsEntry {
	var latest *metav1.ManagedFieldsEntry
	for i := range in {
		m := &in[i]
		if m.Subresource != "" || m.Time == nil || !ownsFulfilment(m.FieldsV1) {
			continue
		}
		if latest == nil || m.Time.After(latest.Time.Time) {
			latest = m
		}
	}
	if latest == nil {
		return nil
	}
	return []metav1.ManagedFieldsEntry{{Manager: latest.Manager, Operation: latest.Operation, APIVersion: latest.APIVersion,
		Time: latest.Time, FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(fulfilmentFields)}}
}

func ownsFulfilment(f *metav1.FieldsV1) bool {
	if f == nil {
		return false
	}
	if string(f.GetRawBytes()) == fulfilmentFields {
		return true
	}
	var top struct {
		Spec map[string]json.RawMessage `json:"f:spec"`
	}
	if err := json.Unmarshal(f.GetRawBytes(), &top); err != nil {
		return false
	}
	_, ok := top.Spec["f:fulfilment"]
	return ok
}

// FulfilmentRecordedAt is when the API server recorded the remedy's
// spec.fulfilment (zero: unknown), from its managedFields.
func FulfilmentRecordedAt(r *supportv1.Remedy) time.Time {
	var at time.Time
	for i := range r.ManagedFields {
		m := &r.ManagedFields[i]
		if m.Subresource == "" && m.Time != nil && m.Time.After(at) && ownsFulfilment(m.FieldsV1) {
			at = m.Time.Time
		}
	}
	return at
}
