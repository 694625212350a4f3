package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/yaml"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// payload holds the terminal attacks a complaint's author can type: an OSC 8
// hyperlink, an OSC 0 window title, CSI clear screen and colour, a bell, a
// carriage return, and the 8-bit CSI.
const payload = c0Payload + "\u009b2J"

// c0Payload is payload without the 8-bit CSI, which sigs.k8s.io/yaml
// refuses to write ("control characters are not allowed").
const c0Payload = "\x1b]8;;http://evil\x07text\x1b]8;;\x07\x1b]0;title\x07\x1b[2J\x1b[H\x1b[31m\x07ok\rBREACHED"

// hostileName is a name no API server accepts, but the fake client does:
// the plugin must not trust even names.
const hostileName = "c-\x1b]0;title\x07"

// hostileCluster is a fake cluster whose complaints, escalations and Events
// carry payload in their free text.
func hostileCluster(t *testing.T) (*Options, *bytes.Buffer) {
	t.Helper()
	return hostileClusterWith(t, payload)
}

func hostileClusterWith(t *testing.T, payload string) (*Options, *bytes.Buffer) {
	t.Helper()
	ns := "support"
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	at := func(d time.Duration) metav1.Time { return metav1.NewTime(t0.Add(d)) }
	complaint := func(name string) *supportv1.Complaint {
		c := &supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, CreationTimestamp: at(0)}}
		c.Spec = supportv1.ComplaintSpec{
			Customer: supportv1.Customer{Name: "customer" + payload, Tier: supportv1.TierKey},
			Category: supportv1.CategoryOther, Severity: supportv1.SeverityHigh,
			Summary: "summary" + payload, Owner: "owner" + payload,
			Acknowledgement: &supportv1.Acknowledgement{By: "by" + payload, Note: "note" + payload},
			Resolution:      &supportv1.Resolution{Summary: "fixed" + payload, ApprovedBy: "lead" + payload},
		}
		due := at(2 * time.Hour)
		c.Status = supportv1.ComplaintStatus{Phase: supportv1.PhaseAcknowledged, Policy: "policy" + payload, NextDueAt: &due,
			Clocks: supportv1.Clocks{Update: &supportv1.ClockStatus{State: supportv1.ClockRunning, DueAt: &due}},
			History: []supportv1.HistoryEntry{
				{Time: at(0), Event: "Created", Message: "Complaint recorded: summary" + payload},
				{Time: at(time.Minute), Event: "Acknowledged", Message: "Customer contacted by by" + payload + ": note" + payload},
				{Time: at(2 * time.Minute), Event: "Escalated", Message: "agent" + payload + " asks level 1 for a decision: question" + payload,
					Escalation: "c-1-request-x", Level: 1, Reason: supportv1.ReasonRequested, By: "agent" + payload},
				{Time: at(3 * time.Minute), Event: "RemedyDone", Message: "done" + payload, Remedy: "c-1-refund" + payload, By: "wendy" + payload},
			},
			Remedies: []supportv1.RemedySummary{{Name: "c-1-refund" + payload, Department: "billing" + payload, Kind: supportv1.RemedyRefund,
				Outcome: supportv1.FulfilmentDone, By: "wendy" + payload, Reference: "ref" + payload}}}
		return c
	}
	remedy := func(name string, f *supportv1.Fulfilment) *supportv1.Remedy {
		return &supportv1.Remedy{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: supportv1.RemedySpec{ComplaintName: "c-1", Action: "x", Department: "warehouse" + payload, Kind: supportv1.RemedyReship,
				Detail: "detail" + payload, RequestedAt: at(0), Fulfilment: f}}
	}
	esc := &supportv1.Escalation{ObjectMeta: metav1.ObjectMeta{Name: "c-1-request-x", Namespace: ns, CreationTimestamp: at(2 * time.Minute)},
		Spec: supportv1.EscalationSpec{ComplaintName: "c-1", Level: 1, LevelName: "level" + payload, Reason: supportv1.ReasonRequested,
			RequestedBy: "agent" + payload, Question: "question" + payload}}
	ladder := &supportv1.Escalation{ObjectMeta: metav1.ObjectMeta{Name: "c-1-team-lead", Namespace: ns, CreationTimestamp: at(5 * time.Minute)},
		Spec: supportv1.EscalationSpec{ComplaintName: "c-1", Level: 1, LevelName: "ladder" + payload, Reason: supportv1.ReasonFirstResponseBreached}}
	policy := &supportv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Name: "policy" + payload, Namespace: ns},
		Spec: supportv1.ServicePolicySpec{Escalation: &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{{Name: "rung" + payload}}}}}
	ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "c-1.1", Namespace: ns}, Type: corev1.EventTypeWarning,
		Reason: "DeliveryFailed" + payload, Message: "event" + payload, LastTimestamp: at(3 * time.Minute),
		InvolvedObject: corev1.ObjectReference{Kind: "Complaint", Name: "c-1", Namespace: ns}}
	escEv := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "c-1-request-x.1", Namespace: ns}, Type: corev1.EventTypeWarning,
		Reason: "DeliveryFailed", Message: "escalation event" + payload, LastTimestamp: at(4 * time.Minute),
		InvolvedObject: corev1.ObjectReference{Kind: "Escalation", Name: "c-1-request-x", Namespace: ns}}
	cl := fake.NewClientBuilder().WithScheme(Scheme).
		WithObjects(complaint("c-1"), complaint(hostileName), esc, ladder, policy, ev, escEv, remedy("c-1-reship", nil),
			remedy("c-1-refund", &supportv1.Fulfilment{Outcome: supportv1.FulfilmentDone, By: "wendy" + payload, Note: "note" + payload, Reference: "ref" + payload})).
		WithInterceptorFuncs(whoami("agent-bob")).
		WithIndex(&corev1.Event{}, "involvedObject.kind", func(o client.Object) []string { return []string{o.(*corev1.Event).InvolvedObject.Kind} }).
		WithIndex(&corev1.Event{}, "involvedObject.name", func(o client.Object) []string { return []string{o.(*corev1.Event).InvolvedObject.Name} }).
		Build()
	t.Setenv("KUBECONFIG", t.TempDir()+"/none")
	flags := genericclioptions.NewConfigFlags(true)
	flags.Namespace = &ns
	out := &bytes.Buffer{}
	return &Options{ConfigFlags: flags, IOStreams: genericiooptions.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: out},
		By: "agent-bob", client: cl}, out
}

// checkSafe fails when out holds a control character other than a newline,
// or a C1 control.
func checkSafe(t *testing.T, out string) {
	t.Helper()
	for i, line := range strings.Split(out, "\n") {
		if j := strings.IndexFunc(line, func(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }); j >= 0 {
			t.Errorf("line %d holds raw control character %U: %q", i+1, []rune(line[j:])[0], line)
		}
	}
}

func TestCommandsEscapeHostileText(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  func(*Options) *cobra.Command
		args []string
		// want is a piece of the output that shows the free text was printed.
		want string
	}{
		{"board", newBoardCmd, []string{"-A", "-o", "wide"}, "summary^[]8;;http://evil^Gtext"},
		{"timeline", newTimelineCmd, []string{"c-1"}, "question^[]8;;http://evil^Gtext"},
		{"timeline event", newTimelineCmd, []string{"c-1"}, "event^["},
		{"timeline escalation event", newTimelineCmd, []string{"c-1"}, "escalation event^["},
		{"report", newReportCmd, []string{"--since", "7d"}, "1 ladder^["},
		{"report by owner", newReportCmd, []string{"--by", "owner"}, "owner^[]8;;http://evil^Gtext"},
		{"assign", newAssignCmd, []string{"c-1", "--to", "new" + payload}, "owner^[]8;;http://evil^Gtext"},
		{"assign hostile name", newAssignCmd, []string{hostileName, "--to", "new" + payload}, "→ new^[]8;;http://evil^Gtext"},
		{"ack", newAckCmd, []string{"c-1", "--note", "new" + payload}, "c-1 acknowledged"},
		{"ack hostile name", newAckCmd, []string{hostileName, "--note", "x"}, "c-^[]0;title^G acknowledged"},
		{"update hostile name", newUpdateCmd, []string{hostileName, "--note", "x"}, "c-^[]0;title^G updated"},
		{"new", newNewCmd, []string{"--customer", payload, "--category", "Other", "--summary", payload}, "c-"},
		{"escalate", newEscalateCmd, []string{"c-1", "--question", payload}, "c-1-request-"},
		{"decide", newDecideCmd, []string{"c-1-request-x", "--decision", payload}, "c-1-request-x decided"},
		{"remedies", newRemediesCmd, []string{"-A", "-o", "wide"}, "note^[]8;;http://evil^Gtext"},
		{"timeline remedy step", newTimelineCmd, []string{"c-1"}, "done^[]8;;http://evil^Gtext"},
		{"timeline remedies", newTimelineCmd, []string{"c-1"}, "ref^[]8;;http://evil^Gtext"},
		{"done", newDoneCmd, []string{"c-1-reship", "--note", payload, "--reference", payload}, "c-1-reship reported done"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, out := hostileCluster(t)
			cmd := tc.cmd(o)
			cmd.SetArgs(tc.args)
			cmd.SetOut(out)
			cmd.SetErr(out)
			if err := cmd.ExecuteContext(context.Background()); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			checkSafe(t, out.String())
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("the output does not show %q", tc.want)
			}
			if t.Failed() {
				t.Logf("output:\n%q", out.String())
			}
		})
	}
}

func TestColourBoardEscapesHostileText(t *testing.T) {
	o, out := hostileCluster(t)
	items, _, err := o.listComplaints(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.writeBoard(out, &boardOptions{output: "wide"}, items, time.Now(), true); err != nil {
		t.Fatal(err)
	}
	// No row is at risk or breached: the plugin adds no colour of its own.
	if strings.ContainsAny(out.String(), "\x1b\x07") {
		t.Errorf("the board holds raw ESC or BEL:\n%q", out.String())
	}
}

// Structured output is data for programs: it keeps the text exact (JSON
// and YAML escape the control characters).
func TestStructuredOutputKeepsHostileTextExact(t *testing.T) {
	for _, tc := range []struct {
		name    string
		payload string
		cmd     func(*Options) *cobra.Command
		args    []string
		field   func(map[string]any) any
	}{
		{"board json", payload, newBoardCmd, []string{"-o", "json"}, func(m map[string]any) any { return m["items"].([]any)[0].(map[string]any)["summary"] }},
		{"board yaml", c0Payload, newBoardCmd, []string{"-o", "yaml"}, func(m map[string]any) any { return m["items"].([]any)[0].(map[string]any)["summary"] }},
		{"remedies json", payload, newRemediesCmd, []string{"-o", "json", "--complaint", "c-1"}, func(m map[string]any) any {
			return "summary" + strings.TrimPrefix(m["items"].([]any)[0].(map[string]any)["detail"].(string), "detail")
		}},
		{"ack json", payload, newAckCmd, []string{"c-1", "-o", "json"}, func(m map[string]any) any { return m["spec"].(map[string]any)["summary"] }},
		{"timeline yaml", c0Payload, newTimelineCmd, []string{"c-1", "-o", "yaml"}, func(m map[string]any) any {
			for _, s := range m["steps"].([]any) {
				if msg := s.(map[string]any)["message"].(string); strings.HasPrefix(msg, "Complaint recorded: ") {
					return strings.TrimPrefix(msg, "Complaint recorded: ")
				}
			}
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, out := hostileClusterWith(t, tc.payload)
			cmd := tc.cmd(o)
			cmd.SetArgs(tc.args)
			cmd.SilenceUsage = true
			if err := cmd.ExecuteContext(context.Background()); err != nil {
				t.Fatal(err)
			}
			// JSON and YAML escape C0 controls (JSON leaves C1 ones as
			// they are, as kubectl get -o json does).
			if strings.ContainsAny(out.String(), "\x1b\x07\r") {
				t.Errorf("raw ESC, BEL or CR in structured output:\n%q", out.String())
			}
			var m map[string]any
			b := out.Bytes()
			if !json.Valid(b) {
				var err error
				if b, err = yaml.YAMLToJSON(b); err != nil {
					t.Fatal(err)
				}
			}
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			// c-1 sorts first on the board: same due time, same age, name.
			if got := tc.field(m); got != "summary"+tc.payload {
				t.Errorf("got %q, want the exact summary %q", got, "summary"+tc.payload)
			}
		})
	}
}

func TestCompletionEscapesHostileText(t *testing.T) {
	for _, tc := range []struct {
		cmd  func(*Options) *cobra.Command
		name string
		// want is a description that shows the free text was printed.
		want string
	}{
		{newAckCmd, "ack", "Acknowledged summary^[]8;;http://evil^Gtext"},
		{newDoneCmd, "done", "warehouse^[]8;;http://evil^Gtext"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, out := hostileCluster(t)
			root := &cobra.Command{Use: "kubectl-desk"}
			root.AddCommand(tc.cmd(o))
			root.SetArgs([]string{cobra.ShellCompRequestCmd, tc.name, ""})
			root.SetOut(out)
			root.SetErr(&bytes.Buffer{})
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			// Each candidate is one line: name, a tab, its description.
			for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
				if strings.HasPrefix(line, ":") {
					continue // the directive
				}
				name, desc, _ := strings.Cut(line, "\t")
				checkSafe(t, name)
				checkSafe(t, desc)
				if strings.Contains(desc, "\t") {
					t.Errorf("a description holds a tab: %q", line)
				}
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("the completions do not describe the objects:\n%q", out.String())
			}
		})
	}
}

func TestErrorsEscapeHostileText(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"approve echoes approvedBy", []string{"approve", "c-1"}, "already approved by lead^[]8;;http://evil^Gtext"},
		{"escalate echoes the ladder", []string{"escalate", "c-1", "--level", "2", "--question", "q", "--by", "agent-bob"}, "its ladder is 1 rung^["},
		{"not found echoes the name", []string{"ack", "c-\x1b[2J"}, `complaint "c-\x1b[2J" not found`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, out := hostileCluster(t)
			cmd := newRootCmd(o)
			cmd.SetArgs(tc.args)
			err := cmd.ExecuteContext(context.Background())
			if err == nil {
				t.Fatalf("%v: no error", tc.args)
			}
			var b bytes.Buffer
			writeError(&b, err)
			checkSafe(t, strings.TrimSuffix(b.String(), "\n"))
			if !strings.HasPrefix(b.String(), "error: ") || !strings.Contains(b.String(), tc.want) {
				t.Errorf("got %q, want it to hold %q", b.String(), tc.want)
			}
			if out.Len() > 0 {
				t.Errorf("printed besides the error: %q", out.String())
			}
		})
	}
}
