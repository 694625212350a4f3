package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/servicedesk-operator/servicedesk-operator/internal/version"
)

// printNext prints what to type next.
func (sb *sandbox) printNext() {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("sandbox: ready (servicedesk-operator %s). In another terminal:", version.Get().Version)
	w("")
	w("  export KUBECONFIG=%s", sb.path("kubeconfig"))
	if _, err := exec.LookPath("kubectl"); err != nil {
		w("  export PATH=\"%s:$PATH\"    # kubectl is not on your PATH: this one matches the API server", filepath.Dir(sb.cp.kubectl()))
	}
	w("  kubectl get servicedesk -A          # policies, complaints, escalations, remedies")
	for _, l := range sb.pluginHint() {
		w("  %s", l)
	}
	if sb.opts.demo {
		w("  tail -f %s      # deliveries the receiver verified", sb.rel(sb.path("webhooks.log")))
		w("")
		f := sb.demo.firstResponse
		if len(sb.demo.created) == 0 {
			w("The demo's complaints are from an earlier run; what they did (and new ones would do):")
		}
		w("The demo: demo/late-delivery misses its %s first response (AtRisk at half time, then Breached), escalates to", f)
		w("team-lead at once and to manager %s later; each event is a signed webhook the receiver verifies.", f)
		w("")
		w("The story (lines \"story N/%d\" below): demo/%s lives its whole life under policy %s, one step at", storyLen, StoryComplaint, StoryPolicy)
		w("a time, the operator reacting in between: recorded, owned, acknowledged, proposed with two actions, approved")
		w("by a lead, agreed by the customer, carried out by warehouse and billing (billing late on purpose: RemedyOverdue),")
		w("resolved, followed up, closed. Each step shows the kubectl desk command a person would type.")
		w("  kubectl get remedies -n %s -w       # what the departments are asked to carry out, and their reports", DemoNamespace)
		w("  kubectl desk timeline %s -n %s   # its story, as the operator tells it", StoryComplaint, DemoNamespace)
	}
	w("")
	w("Operator log: %s. Ctrl-C stops everything; the data stays for the next start.", sb.rel(sb.path("operator.log")))
	w("No kube-controller-manager runs: no garbage collection (a deleted complaint's escalations stay, closed by")
	w("the operator) and a deleted namespace stays Terminating; `%s` starts from scratch.", sb.resetHint())
	fmt.Fprint(sb.out, b.String())
}

// pluginHint is the kubectl desk line, after how to install the plugin
// or put it on the PATH when needed.
func (sb *sandbox) pluginHint() []string {
	const board = "kubectl desk board -A -w            # open complaints by next due time, live"
	if _, err := exec.LookPath("kubectl-desk"); err == nil {
		return []string{board}
	}
	bin := filepath.Join(sb.root, "bin")
	path := fmt.Sprintf("export PATH=\"%s:$PATH\"", bin)
	if _, err := os.Stat(filepath.Join(bin, "kubectl-desk")); err == nil {
		return []string{path + "    # kubectl-desk, the plugin", board}
	}
	return []string{"make install-plugin && " + path + "    # builds kubectl-desk, the plugin", board}
}
