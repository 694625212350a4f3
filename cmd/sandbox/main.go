// Command sandbox runs the servicedesk operator on a local control plane
// (envtest's etcd and kube-apiserver) with the samples and a demo applied,
// a signed-webhook receiver on loopback, and its state under bin/sandbox/.
// `go run ./cmd/sandbox` (or `make sandbox`); Ctrl-C stops it all.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
)

// options are the command's flags.
type options struct {
	dir           string
	port          int
	firstResponse time.Duration
	demo, samples bool
	// untilEscalated, when set, stops the sandbox once the first Escalated
	// webhook of a ladder (not a department's overdue remedy) reaches the
	// demo receiver, and fails it if none did within that long of the
	// demo's start.
	untilEscalated time.Duration
}

func main() {
	runAsChild() // etcd and kube-apiserver start through this binary on Linux
	// Children get their parent-death signal from this thread: keep it.
	runtime.LockOSThread()
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		os.Exit(2)
	}
	if err := run(opts, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "sandbox: %v\n", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.StringVar(&o.dir, "dir", "", "State directory: etcd data, kubeconfig, logs (default bin/sandbox in the repository).")
	fs.IntVar(&o.port, "port", 0, "Port of the API server on 127.0.0.1 (default: the previous run's if free, else any free port).")
	fs.DurationVar(&o.firstResponse, "demo-first-response", time.Minute, "First-response target of the demo policy when it is created; update is 2x, resolution 5x, the second ladder level 1x after the breach.")
	fs.BoolVar(&o.demo, "demo", true, "Create the demo (namespace demo) and run its webhook receiver.")
	fs.BoolVar(&o.samples, "samples", true, "Apply config/samples to namespace support.")
	fs.DurationVar(&o.untilEscalated, "until-escalated", 0, "Stop by itself (exit 0) once the first Escalated webhook of a ladder (not an overdue remedy's) reaches the demo receiver; exit 1 if none did within this long of the demo's start (for scripts and CI; 0: run until Ctrl-C).")
	fs.SetOutput(os.Stderr)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		err := fmt.Errorf("unexpected arguments: %v", fs.Args())
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		return o, err
	}
	if o.firstResponse < time.Second {
		err := errors.New("--demo-first-response must be at least 1s")
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		return o, err
	}
	if o.untilEscalated < 0 || (o.untilEscalated > 0 && !o.demo) {
		err := errors.New("--until-escalated needs --demo and a duration of 0 or more")
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		return o, err
	}
	return o, nil
}

// run starts everything, waits for SIGINT or SIGTERM, and stops it all.
func run(o options, out io.Writer) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	if o.dir == "" {
		o.dir = filepath.Join(root, "bin", "sandbox")
	}
	if o.dir, err = filepath.Abs(o.dir); err != nil {
		return err
	}
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}
	lock, err := lockDir(filepath.Join(o.dir, "lock"))
	if errors.Is(err, errLocked) {
		return fmt.Errorf("another sandbox is already running on %s (%v): stop it with Ctrl-C, or give this one its own --dir", o.dir, err)
	}
	if err != nil {
		return err
	}
	defer func() { _ = lock.Close() }() // releases the lock; the process is ending anyway

	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	sb := &sandbox{opts: o, root: root, out: out}
	defer sb.stop()
	if err := sb.start(ctx); err != nil {
		if ctx.Err() != nil {
			sb.say("interrupted while starting")
			return nil
		}
		return err
	}
	var deadline <-chan time.Time
	if o.untilEscalated > 0 {
		deadline = time.After(o.untilEscalated)
	}
	select {
	case <-ctx.Done():
	case <-sb.mgrStopped:
		return fmt.Errorf("the operator stopped: %v (see %s)", sb.mgrErr, sb.path("operator.log"))
	case <-sb.escalated():
		sb.say("the first escalation reached the receiver (--until-escalated)")
	case <-deadline:
		return fmt.Errorf("no escalation reached the receiver within %s (--until-escalated); see %s and %s",
			o.untilEscalated, sb.path("webhooks.log"), sb.path("operator.log"))
	}
	// A second Ctrl-C while stopping kills the sandbox at once (its
	// children die with it on Linux).
	stopSignals()
	sb.say("stopping")
	return nil
}
