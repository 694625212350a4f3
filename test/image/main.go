// Command image tests the manager image (make image-test): it checks what
// the image is (user 65532, one layer, the OCI labels, the version it
// prints), starts a local control plane (envtest's etcd and kube-apiserver,
// the operator's CRDs), runs the image with podman against it as the
// operator's own RBAC user (host network, kubeconfig mounted read-only),
// and follows a complaint: it gets its due times, breaches its 5s first
// response and is escalated. Any missing step exits 1; the container and
// the control plane are stopped in any case.
//
//	go run ./test/image -image servicedesk-operator:v0.1.0 -version v0.1.0 -revision <commit>
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

const (
	namespace = "image-test"
	// containerKubeconfig is where the kubeconfig is mounted.
	containerKubeconfig = "/kubeconfig"
	// nonRoot is the user the image runs as.
	nonRoot = "65532:65532"
)

type options struct {
	image, version, revision string
	podman                   string
	podmanFlags              string
	firstResponse            time.Duration
	timeout                  time.Duration
	keep                     bool
}

func main() {
	var o options
	flag.StringVar(&o.image, "image", "", "the image to test, e.g. servicedesk-operator:v0.1.0 (required)")
	flag.StringVar(&o.version, "version", "", "the version the image must carry (label, --version, servicedesk_build_info); empty: not checked")
	flag.StringVar(&o.revision, "revision", "", "the git revision the image must carry; empty: not checked")
	flag.StringVar(&o.podman, "podman", "podman", "the podman binary")
	flag.StringVar(&o.podmanFlags, "podman-run-flags", os.Getenv("PODMAN_RUN_FLAGS"), "extra flags of podman run, e.g. --runtime runc --ulimit nofile=4096:4096 (default $PODMAN_RUN_FLAGS)")
	flag.DurationVar(&o.firstResponse, "first-response", 5*time.Second, "first-response target of the test's policy")
	flag.DurationVar(&o.timeout, "timeout", 3*time.Minute, "the whole test at most")
	flag.BoolVar(&o.keep, "keep", false, "keep the state directory (kubeconfig, logs) after the test")
	flag.Parse()
	if o.image == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	ctrllog.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.UseDevMode(false)))
	if err := run(o); err != nil {
		fmt.Fprintf(os.Stderr, "image-test: FAIL: %v\n", err)
		os.Exit(1)
	}
}

// t0 is when the test began; say prints how long ago each step finished.
var t0 = time.Now()

func say(format string, args ...any) {
	fmt.Printf("image-test: [%6.2fs] %s\n", time.Since(t0).Seconds(), fmt.Sprintf(format, args...))
}

// step runs f and prints how long it took.
func step(name string, f func() error) error {
	began := time.Now()
	if err := f(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	say("%s: ok (%s)", name, time.Since(began).Round(time.Millisecond))
	return nil
}

func run(o options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	podmanRun := append([]string{"run", "--pull=never"}, strings.Fields(o.podmanFlags)...)

	if err := step("image "+o.image, func() error { return inspectImage(ctx, o) }); err != nil {
		return err
	}
	if err := step("manager --version in the image", func() error {
		out, err := exec.CommandContext(ctx, o.podman, append(append(podmanRun, "--rm", o.image), "--version")...).CombinedOutput()
		line := strings.TrimSpace(string(out))
		if err != nil {
			return fmt.Errorf("%v: %s", err, line)
		}
		say("  %s", line)
		if want := "servicedesk-operator " + o.version + " "; o.version != "" && !strings.HasPrefix(line, want) {
			return fmt.Errorf("prints %q, want it to start with %q", line, want)
		}
		if o.revision != "" && !strings.Contains(line, "(revision "+short(o.revision)) {
			return fmt.Errorf("prints %q, want revision %s", line, short(o.revision))
		}
		return nil
	}); err != nil {
		return err
	}

	dir, err := os.MkdirTemp("", "servicedesk-image-test-")
	if err != nil {
		return err
	}
	defer func() {
		if o.keep {
			say("state kept in %s", dir)
		} else {
			os.RemoveAll(dir)
		}
	}()
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}

	scheme, err := testenv.Scheme()
	if err != nil {
		return err
	}
	var c client.Client
	var kubeconfig string
	defer func() { stopPlane() }()
	if err := step("control plane (etcd, kube-apiserver, CRDs) from "+testenv.AssetsDir(), func() error {
		if testenv.AssetsDir() == "" {
			return errors.New("no kube-apiserver and etcd: run make envtest (or set KUBEBUILDER_ASSETS)")
		}
		env, _, cl, err := testenv.Start(scheme)
		if err != nil {
			return err
		}
		c = cl
		stopPlane = func() {
			began := time.Now()
			if err := env.Stop(); err != nil {
				say("stopping the control plane: %v", err)
			} else {
				say("control plane stopped (%s)", time.Since(began).Round(time.Millisecond))
			}
		}
		// The operator's own user, bound to config/rbac's ClusterRole: the
		// image runs with the permissions a real install gives it.
		kubeconfig, err = testenv.AddManagerUser(ctx, env, c, dir)
		if err != nil {
			return err
		}
		// uid 65532 in the container reads it.
		return os.Chmod(kubeconfig, 0o644)
	}); err != nil {
		return err
	}

	// The image, run as testenv runs the manager binary: podman run in the
	// foreground is the process (SIGTERM reaches the manager through
	// podman's signal proxy; --rm removes the container).
	name := fmt.Sprintf("servicedesk-image-test-%d", os.Getpid())
	m, err := testenv.NewManager(o.podman, containerKubeconfig, filepath.Join(dir, "manager.log"), nil)
	if err != nil {
		return err
	}
	m.Args = append(append(append([]string{}, podmanRun...), "--rm", "--name", name, "--network", "host",
		"-v", kubeconfig+":"+containerKubeconfig+":ro", o.image), m.Args...)
	say("podman %s", strings.Join(m.Args, " "))
	defer func() {
		// Should the container outlive podman (podman killed), remove it.
		_ = exec.Command(o.podman, "rm", "--force", "--ignore", "--time", "5", name).Run()
	}()
	failed := true
	defer func() {
		if failed {
			tail(filepath.Join(dir, "manager.log"), 40)
		}
	}()
	if err := step("container ready (/readyz on "+m.Probe+")", func() error {
		_, _, err := m.Start(ctx, 90*time.Second)
		return err
	}); err != nil {
		return err
	}
	if err := step("servicedesk_build_info on /metrics", func() error {
		body, err := m.Get(ctx, "/metrics")
		if err != nil {
			return err
		}
		for _, l := range strings.Split(body, "\n") {
			if !strings.HasPrefix(l, "servicedesk_build_info{") {
				continue
			}
			say("  %s", l)
			if o.version != "" && !strings.Contains(l, `version="`+o.version+`"`) {
				return fmt.Errorf("want version=%q", o.version)
			}
			if o.revision != "" && !strings.Contains(l, `revision="`+o.revision+`"`) {
				return fmt.Errorf("want revision=%q", o.revision)
			}
			if !strings.HasSuffix(l, "} 1") {
				return errors.New("want the value 1")
			}
			return nil
		}
		return errors.New("no servicedesk_build_info series")
	}); err != nil {
		return err
	}

	if err := story(ctx, c, o.firstResponse); err != nil {
		return err
	}

	if err := step("container stopped by SIGTERM", func() error {
		if !m.Alive() {
			return errors.New("the container was not running any more")
		}
		m.Kill(syscall.SIGTERM, 30*time.Second)
		if exec.Command(o.podman, "container", "exists", name).Run() == nil {
			return fmt.Errorf("container %s still exists", name)
		}
		logs, err := os.ReadFile(m.LogPath)
		if err != nil {
			return err
		}
		if !bytes.Contains(logs, []byte("Wait completed, proceeding to shutdown the manager")) || bytes.Contains(logs, []byte("stopped with an error")) {
			return errors.New("the manager did not stop cleanly")
		}
		return nil
	}); err != nil {
		return err
	}
	failed = false
	say("PASS in %s", time.Since(t0).Round(time.Millisecond))
	return nil
}

// stopPlane stops the control plane once it runs.
var stopPlane = func() {}

// story creates a policy and a complaint nobody answers, and waits for its
// due times and then its escalation.
func story(ctx context.Context, c client.Client, firstResponse time.Duration) error {
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}); err != nil {
		return err
	}
	d := func(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }
	policy := &supportv1.ServicePolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "image-test", Namespace: namespace},
		Spec: supportv1.ServicePolicySpec{
			Targets: supportv1.Targets{FirstResponse: d(firstResponse), Resolution: d(time.Hour)},
			Escalation: &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{
				{Name: "team-lead", After: metav1.Duration{}},
			}},
		},
	}
	complaint := &supportv1.Complaint{
		ObjectMeta: metav1.ObjectMeta{Name: "late-delivery", Namespace: namespace},
		Spec: supportv1.ComplaintSpec{
			Customer: supportv1.Customer{Name: "Acme Pharmacy", Tier: supportv1.TierKey},
			Category: supportv1.CategoryMissedDeadline, Severity: supportv1.SeverityHigh, Channel: "Phone",
			Summary: "Insulin promised for Saturday not delivered", RecordedBy: "image-test",
		},
	}
	if err := step(fmt.Sprintf("ServicePolicy %s/%s (first response %s, ladder: team-lead)", namespace, policy.Name, firstResponse), func() error {
		return c.Create(ctx, policy)
	}); err != nil {
		return err
	}
	var created time.Time
	if err := step("Complaint "+namespace+"/"+complaint.Name, func() error {
		created = time.Now()
		return c.Create(ctx, complaint)
	}); err != nil {
		return err
	}
	key := client.ObjectKeyFromObject(complaint)

	var due time.Time
	if err := step("due times in status", func() error {
		return poll(ctx, 30*time.Second, func() (bool, error) {
			if err := c.Get(ctx, key, complaint); err != nil {
				return false, err
			}
			fr := complaint.Status.Clocks.FirstResponse
			if fr == nil || fr.DueAt == nil || complaint.Status.Policy == "" {
				return false, nil
			}
			due = fr.DueAt.Time
			say("  status %s after the create: policy %s, phase %s, firstResponse due %s (%s after the report)",
				time.Since(created).Round(time.Millisecond), complaint.Status.Policy, complaint.Status.Phase,
				due.Format(time.RFC3339), due.Sub(complaint.CreationTimestamp.Time))
			if r := complaint.Status.Clocks.Resolution; r != nil && r.DueAt != nil {
				say("  resolution due %s", r.DueAt.Format(time.RFC3339))
			}
			return true, nil
		})
	}); err != nil {
		return err
	}

	if err := step("Escalation after the breach", func() error {
		return poll(ctx, firstResponse+60*time.Second, func() (bool, error) {
			var escs supportv1.EscalationList
			if err := c.List(ctx, &escs, client.InNamespace(namespace)); err != nil {
				return false, err
			}
			for _, e := range escs.Items {
				if e.Spec.ComplaintName != complaint.Name {
					continue
				}
				say("  %s: level %d (%s), reason %s, seen %s after the due time",
					e.Name, e.Spec.Level, e.Spec.LevelName, e.Spec.Reason, time.Since(due).Round(time.Millisecond))
				if e.Spec.Level != 1 || e.Spec.LevelName != "team-lead" || e.Spec.Reason != supportv1.ReasonFirstResponseBreached {
					return false, fmt.Errorf("escalation %s: level %d %q reason %s, want level 1 team-lead FirstResponseBreached",
						e.Name, e.Spec.Level, e.Spec.LevelName, e.Spec.Reason)
				}
				return true, nil
			}
			return false, nil
		})
	}); err != nil {
		return err
	}
	return step("Complaint records the breach and the escalation", func() error {
		return poll(ctx, 30*time.Second, func() (bool, error) {
			if err := c.Get(ctx, key, complaint); err != nil {
				return false, err
			}
			fr := complaint.Status.Clocks.FirstResponse
			if fr == nil || fr.State != supportv1.ClockBreached || len(complaint.Status.Escalations) == 0 {
				return false, nil
			}
			say("  phase %s, firstResponse %s, escalations in status: %d", complaint.Status.Phase, fr.State, len(complaint.Status.Escalations))
			return true, nil
		})
	})
}

// poll calls cond every 100ms until it is true or fails, at most wait.
func poll(ctx context.Context, wait time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(wait)
	for {
		ok, err := cond()
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not within %s", wait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// inspectImage checks the image's user, entrypoint, layers and labels.
func inspectImage(ctx context.Context, o options) error {
	out, err := exec.CommandContext(ctx, o.podman, "image", "inspect", o.image).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("podman image inspect: %v: %s (build it with make image)", err, bytes.TrimSpace(ee.Stderr))
		}
		return err
	}
	var images []struct {
		Size   int64
		Os     string
		Config struct {
			User       string
			Entrypoint []string
			Cmd        []string
			Labels     map[string]string
		}
		RootFS struct{ Layers []string }
	}
	if err := json.Unmarshal(out, &images); err != nil || len(images) != 1 {
		return fmt.Errorf("podman image inspect: %d images, %v", len(images), err)
	}
	img := images[0]
	var problems []string
	if img.Config.User != nonRoot {
		problems = append(problems, fmt.Sprintf("user %q, want %s", img.Config.User, nonRoot))
	}
	if strings.Join(img.Config.Entrypoint, " ") != "/manager" {
		problems = append(problems, fmt.Sprintf("entrypoint %q, want [/manager]", img.Config.Entrypoint))
	}
	if len(img.RootFS.Layers) != 1 {
		problems = append(problems, fmt.Sprintf("%d layers, want 1 (the manager FROM scratch)", len(img.RootFS.Layers)))
	}
	want := map[string]string{"org.opencontainers.image.version": o.version, "org.opencontainers.image.revision": o.revision,
		"org.opencontainers.image.source": "", "org.opencontainers.image.title": "servicedesk-operator"}
	for k, v := range want {
		got, ok := img.Config.Labels[k]
		switch {
		case !ok || got == "":
			problems = append(problems, "no label "+k)
		case v != "" && got != v:
			problems = append(problems, fmt.Sprintf("label %s=%q, want %q", k, got, v))
		}
	}
	say("  user %s, entrypoint %v, %d layer(s), %.1f MB, version %s, revision %s, source %s",
		img.Config.User, img.Config.Entrypoint, len(img.RootFS.Layers), float64(img.Size)/1e6,
		img.Config.Labels["org.opencontainers.image.version"], short(img.Config.Labels["org.opencontainers.image.revision"]),
		img.Config.Labels["org.opencontainers.image.source"])
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// tail prints the last n lines of the container's log.
func tail(path string, n int) {
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	fmt.Fprintf(os.Stderr, "image-test: the container's last %d log lines:\n", len(lines))
	for _, l := range lines {
		fmt.Fprintln(os.Stderr, "  "+l)
	}
}
