package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestSandbox runs the sandbox binary as a user would: it comes up on free
// ports, kubectl lists the demo, the receiver verifies a delivery, a second
// instance on the same directory is refused, Ctrl-C leaves no process, a
// restart keeps the complaints, and a hard kill takes the control plane along.
func TestSandbox(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a control plane")
	}
	if goruntime.GOOS != "linux" {
		t.Skip("checks processes through /proc")
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	assets, ok, err := assetsLookup{getenv: os.Getenv, root: root, goos: goruntime.GOOS, goarch: goruntime.GOARCH}.find()
	if err != nil || !ok {
		t.Skipf("no envtest binaries (run make envtest or set KUBEBUILDER_ASSETS): %v", err)
	}
	bin := filepath.Join(t.TempDir(), "sandbox")
	start := time.Now()
	const version = "v0.0.0-sandbox-test"
	ldflags := "-X github.com/servicedesk-operator/servicedesk-operator/internal/version.Version=" + version
	if out, err := exec.Command("go", "build", "-ldflags", ldflags, "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built in %s", time.Since(start).Round(time.Millisecond))
	dir := t.TempDir()
	kubectl := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(filepath.Join(assets, "kubectl"), args...)
		cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(dir, "kubeconfig"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl %v: %v\n%s", args, err, out)
		}
		return string(out)
	}

	first := startSandbox(t, bin, dir)
	children := first.children(t)
	for _, want := range []string{"sandbox: servicedesk-operator " + version + " (revision ", "sandbox: ready (servicedesk-operator " + version + ")"} {
		if !strings.Contains(first.output(), want) {
			t.Errorf("the banner lacks %q:\n%s", want, first.output())
		}
	}
	got := kubectl("get", "servicedesk", "-A")
	for _, want := range []string{"servicepolicy.support.servicedesk.dev/demo", "complaint.support.servicedesk.dev/late-delivery", "insulin-not-delivered"} {
		if !strings.Contains(got, want) {
			t.Errorf("kubectl get servicedesk -A lacks %q:\n%s", want, got)
		}
	}
	waitFor(t, 30*time.Second, "a verified delivery in webhooks.log", func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "webhooks.log"))
		return bytes.Contains(b, []byte(" verified Created demo/"))
	})
	waitFor(t, 20*time.Second, "every sample policy Ready", func() bool {
		got := kubectl("get", "servicepolicies", "-n", SamplesNamespace, "-o", `jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}`)
		return got == "True True"
	})
	// The story: one complaint's whole life, each step after the
	// operator's reaction to the one before.
	waitFor(t, 90*time.Second, "the story's end", func() bool {
		return strings.Contains(first.output(), "story demo/crushed-parcel: its whole life in") || strings.Contains(first.output(), " stopped")
	})
	for _, want := range []string{
		"story 1/11 front-desk/amy records", "story 1/11   operator, ", "New under policy demo-recovery",
		"story 4/11   operator, ", "PendingApproval", "story 5/11   operator, ", "AwaitingAgreement",
		"story 6/11   operator, ", "Implementing: the departments are asked, Remedy crushed-parcel-reship (warehouse, Pending, due ",
		"as a person: kubectl desk done crushed-parcel-reship -n demo --reference TRACK-4711",
		"see: kubectl get remedies -n demo -l support.servicedesk.dev/complaint=crushed-parcel -w",
		"story 7/11   operator, ", "remedy Done, clock Met; the complaint stays Implementing",
		"story 8/11   operator, ", "Escalation crushed-parcel-refund-fee-overdue (RemedyOverdue)",
		"story 9/11   operator, ", "Resolved at the last report", "escalation crushed-parcel-refund-fee-overdue Closed, billing's clock stays Breached",
		"story 10/11   operator, ", "FollowUpDue", "story 11/11   operator, ", "Closed: the customer is satisfied",
		"webhook RemedyRequested demo/crushed-parcel -> warehouse (signature verified)",
		"webhook Escalated(billing) demo/crushed-parcel -> billing (signature verified)",
	} {
		if !strings.Contains(first.output(), want) {
			t.Errorf("the story lacks %q:\n%s", want, first.output())
		}
	}
	rems := kubectl("get", "remedies", "-n", "demo", "-l", "support.servicedesk.dev/complaint=crushed-parcel", "-o",
		`jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.status.clock.state} {.spec.fulfilment.by}{"\n"}{end}`)
	if want := "crushed-parcel-refund-fee Done Breached billing-bot\ncrushed-parcel-reship Done Met warehouse-bot\n"; rems != want {
		t.Errorf("the story's remedies:\n%s\nwant:\n%s", rems, want)
	}
	if strings.Contains(first.output(), "the first escalation reached the receiver") {
		t.Errorf("the sandbox stopped at the first escalation without --until-escalated:\n%s", first.output())
	}
	second, err := exec.Command(bin, "--dir", dir).CombinedOutput()
	if err == nil || !strings.Contains(string(second), "another sandbox is already running on "+dir) {
		t.Errorf("a second sandbox on the same directory: err %v, output:\n%s", err, second)
	}
	first.signal(t, syscall.SIGINT)
	if err := first.wait(40 * time.Second); err != nil {
		t.Fatalf("after SIGINT: %v\n%s", err, first.output())
	}
	if !strings.Contains(first.output(), "sandbox: stopped") {
		t.Errorf("no stop line:\n%s", first.output())
	}
	assertGone(t, children)

	again := startSandbox(t, bin, dir)
	if !strings.Contains(again.output(), "demo complaints kept from an earlier run: late-delivery") {
		t.Errorf("restart did not keep the demo complaints:\n%s", again.output())
	}
	if got := kubectl("get", "complaints", "-n", "demo", "-o", "name"); !strings.Contains(got, "late-delivery") {
		t.Errorf("after restart: %s", got)
	}
	waitFor(t, 20*time.Second, "the story told in the earlier run", func() bool {
		return strings.Contains(again.output(), "story demo/crushed-parcel lived its whole life in an earlier run (Closed)")
	})
	// Deleted, the story's complaint takes its remedies and escalations
	// along (no garbage collector runs) and its life is told again.
	kubectl("delete", "complaint", "crushed-parcel", "-n", "demo")
	waitFor(t, 90*time.Second, "the story told again", func() bool {
		return strings.Contains(again.output(), "story demo/crushed-parcel: its whole life in") || strings.Contains(again.output(), " stopped")
	})
	if !strings.Contains(again.output(), "was deleted: its life starts again") || strings.Contains(again.output(), " stopped") {
		t.Errorf("after the story's complaint was deleted:\n%s", again.output())
	}
	children = again.children(t)
	again.signal(t, syscall.SIGKILL)
	_ = again.wait(10 * time.Second)
	assertGone(t, children)
}

// sandboxProc is a running sandbox binary and its output so far.
type sandboxProc struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan error
}

func startSandbox(t *testing.T, bin, dir string) *sandboxProc {
	t.Helper()
	p := &sandboxProc{cmd: exec.Command(bin, "--dir", dir, "--demo-first-response", "2s"), done: make(chan error, 1)}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = p.cmd.Stdout
	ready := make(chan struct{})
	began := time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.cmd.Process.Kill() })
	go p.read(stdout, ready)
	select {
	case <-ready:
		t.Logf("ready in %s", time.Since(began).Round(time.Millisecond))
	case err := <-p.done:
		t.Fatalf("sandbox exited before ready (%v):\n%s", err, p.output())
	case <-time.After(60 * time.Second):
		t.Fatalf("sandbox not ready within 60s:\n%s", p.output())
	}
	return p
}

func (p *sandboxProc) read(r interface{ Read([]byte) (int, error) }, ready chan struct{}) {
	sc := bufio.NewScanner(r)
	signalled := false
	for sc.Scan() {
		p.mu.Lock()
		p.out.WriteString(sc.Text() + "\n")
		p.mu.Unlock()
		if !signalled && strings.HasPrefix(sc.Text(), "sandbox: ready") {
			close(ready)
			signalled = true
		}
	}
	p.done <- p.cmd.Wait()
}

func (p *sandboxProc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func (p *sandboxProc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

func (p *sandboxProc) wait(d time.Duration) error {
	select {
	case err := <-p.done:
		return err
	case <-time.After(d):
		return fmt.Errorf("still running after %s", d)
	}
}

// children are the etcd and kube-apiserver processes the sandbox started.
func (p *sandboxProc) children(t *testing.T) []int {
	t.Helper()
	var pids []int
	found := map[string]bool{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, ppid, _, ok := procStat(pid)
		if ok && ppid == p.cmd.Process.Pid && (comm == "etcd" || comm == "kube-apiserver") {
			pids = append(pids, pid)
			found[comm] = true
		}
	}
	if !found["etcd"] || !found["kube-apiserver"] {
		t.Fatalf("children of the sandbox (pid %d): %v, want etcd and kube-apiserver", p.cmd.Process.Pid, pids)
	}
	return pids
}

// procStat reads a process's command name, parent and state.
func procStat(pid int) (comm string, ppid int, state string, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0, "", false
	}
	s := string(b)
	lp, rp := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if lp < 0 || rp < lp {
		return "", 0, "", false
	}
	fields := strings.Fields(s[rp+1:])
	if len(fields) < 2 {
		return "", 0, "", false
	}
	ppid, _ = strconv.Atoi(fields[1])
	return s[lp+1 : rp], ppid, fields[0], true
}

// assertGone waits until none of pids is a live process (zombies count as gone).
func assertGone(t *testing.T, pids []int) {
	t.Helper()
	waitFor(t, 10*time.Second, fmt.Sprintf("processes %v to end", pids), func() bool {
		for _, pid := range pids {
			if _, _, state, ok := procStat(pid); ok && state != "Z" {
				return false
			}
		}
		return true
	})
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out after %s waiting for %s", d, what)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
