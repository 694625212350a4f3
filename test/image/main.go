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
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

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
	if err := step("manager --version in the image", func() error { return checkVersion(ctx, o, podmanRun) }); err != nil {
		return err
	}

	dir, err := os.MkdirTemp("", "servicedesk-image-test-")
	if err != nil {
		return err
	}
	defer func() {
		if o.keep {
			say("state kept in %s", dir)
		} else if err := os.RemoveAll(dir); err != nil {
			say("removing %s: %v", dir, err)
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
	if err := step("control plane (etcd, kube-apiserver, CRDs) from "+testenv.AssetsDir(), func() (err error) {
		c, kubeconfig, err = startPlane(ctx, scheme, dir)
		return err
	}); err != nil {
		return err
	}

	name := fmt.Sprintf("servicedesk-image-test-%d", os.Getpid())
	m, err := newContainer(o, podmanRun, name, kubeconfig, dir)
	if err != nil {
		return err
	}
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
	if err := step("servicedesk_build_info on /metrics", func() error { return checkBuildInfo(ctx, m, o) }); err != nil {
		return err
	}

	if err := story(ctx, c, o.firstResponse); err != nil {
		return err
	}

	if err := step("container stopped by SIGTERM", func() error { return stopContainer(m, o.podman, name) }); err != nil {
		return err
	}
	failed = false
	say("PASS in %s", time.Since(t0).Round(time.Millisecond))
	return nil
}
