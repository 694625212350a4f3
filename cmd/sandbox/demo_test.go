package main

import (
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

func TestDemoPolicyScalesFromFirstResponse(t *testing.T) {
	p := demoPolicy(10*time.Second, "http://127.0.0.1:4000")
	tg := p.Spec.Targets
	if tg.FirstResponse.Duration != 10*time.Second || tg.Update.Duration != 20*time.Second || tg.Resolution.Duration != 50*time.Second {
		t.Errorf("targets = %v %v %v", tg.FirstResponse, tg.Update, tg.Resolution)
	}
	levels := p.Spec.Escalation.Levels
	if len(levels) != 2 || levels[0].After.Duration != 0 || levels[1].After.Duration != 10*time.Second {
		t.Errorf("ladder = %+v, want team-lead at the breach and manager 10s later", levels)
	}
	for _, n := range p.Spec.Notify {
		if want := "http://127.0.0.1:4000/" + n.Name; n.Webhook.URL != want {
			t.Errorf("%s: url %s, want %s", n.Name, n.Webhook.URL, want)
		}
		if n.Webhook.SecretRef == nil || n.Webhook.SecretRef.Name != DemoSecret {
			t.Errorf("%s: not signed with %s", n.Name, DemoSecret)
		}
	}
	for _, l := range levels {
		for _, dest := range l.Notify {
			if !hasNotify(p, dest) {
				t.Errorf("level %s notifies %s, which is not in spec.notify", l.Name, dest)
			}
		}
	}
	// Durations must be what the CRD's pattern accepts, e.g. "20s", "0s".
	raw, err := yaml.Marshal(p.Spec)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "update: 20s") {
		t.Errorf("spec YAML:\n%s", raw)
	}
}

func hasNotify(p *supportv1.ServicePolicy, name string) bool {
	for _, n := range p.Spec.Notify {
		if n.Name == name {
			return true
		}
	}
	return false
}

func TestDemoComplaints(t *testing.T) {
	var unanswered int
	for _, c := range demoComplaints() {
		if c.Namespace != DemoNamespace || c.Labels[demoLabel] != demoOwner {
			t.Errorf("%s: namespace %q labels %v", c.Name, c.Namespace, c.Labels)
		}
		if c.Spec.Customer.Name == "" || c.Spec.Summary == "" || c.Spec.Category == "" {
			t.Errorf("%s: lacks a required field", c.Name)
		}
		if c.Spec.Acknowledgement == nil {
			unanswered++
		}
	}
	if unanswered == 0 {
		t.Error("no complaint is left unanswered: the demo would show no breach")
	}
}

func TestRetargetWebhooks(t *testing.T) {
	p := demoPolicy(time.Minute, "http://127.0.0.1:4000")
	p.Spec.Notify = append(p.Spec.Notify, supportv1.NotifyTarget{Name: "crm", Webhook: &supportv1.Webhook{URL: "https://crm.example.internal/hooks"}})
	if !retargetWebhooks(p, "http://127.0.0.1:5000") {
		t.Fatal("nothing changed")
	}
	want := []string{"http://127.0.0.1:5000/leads", "http://127.0.0.1:5000/managers", "https://crm.example.internal/hooks"}
	for i, n := range p.Spec.Notify {
		if n.Webhook.URL != want[i] {
			t.Errorf("%s: %s, want %s", n.Name, n.Webhook.URL, want[i])
		}
	}
	if retargetWebhooks(p, "http://127.0.0.1:5000") {
		t.Error("a second call with the same base changed something")
	}
}

func TestSigningKeyVerifies(t *testing.T) {
	key, err := newSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, webhook.SecretPrefix) {
		t.Fatalf("key %q lacks %s", key, webhook.SecretPrefix)
	}
	secret := webhook.SecretBytes([]byte(key))
	if len(secret) != 24 {
		t.Fatalf("decoded key has %d bytes, want 24", len(secret))
	}
	now := time.Now()
	h := http.Header{}
	h.Set(webhook.HeaderID, "id-1")
	h.Set(webhook.HeaderTimestamp, strconvUnix(now))
	h.Set(webhook.HeaderSignature, webhook.Sign(secret, "id-1", now, []byte("{}")))
	if err := webhook.Verify(secret, h, []byte("{}"), now, 0); err != nil {
		t.Fatal(err)
	}
}

func TestSampleSecrets(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	objs, err := readSamples(filepath.Join(root, "config", "samples"))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o.GetKind())
	}
	if !sort.SliceIsSorted(kinds, func(i, j int) bool { return kindOrder[kinds[i]] < kindOrder[kinds[j]] }) {
		t.Errorf("samples not ordered policies, complaints, escalations: %v", kinds)
	}
	for _, s := range sampleSecrets(objs) {
		if s.Namespace != SamplesNamespace || len(s.StringData) == 0 {
			t.Errorf("secret %s/%s: %v", s.Namespace, s.Name, s.StringData)
		}
		for k, v := range s.StringData {
			if !strings.HasPrefix(v, webhook.SecretPrefix) {
				t.Errorf("secret %s key %s: %q", s.Name, k, v)
			}
		}
	}
}
