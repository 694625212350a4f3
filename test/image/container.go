package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

// newContainer is the image, run as testenv runs the manager binary:
// podman run in the foreground is the process (SIGTERM reaches the manager
// through podman's signal proxy; --rm removes the container).
func newContainer(o options, podmanRun []string, name, kubeconfig, dir string) (*testenv.Manager, error) {
	m, err := testenv.NewManager(o.podman, containerKubeconfig, filepath.Join(dir, "manager.log"), nil)
	if err != nil {
		return nil, err
	}
	m.Args = append(append(append([]string{}, podmanRun...), "--rm", "--name", name, "--network", "host",
		"-v", kubeconfig+":"+containerKubeconfig+":ro", o.image), m.Args...)
	say("podman %s", strings.Join(m.Args, " "))
	return m, nil
}

// checkBuildInfo checks the servicedesk_build_info series the container's
// manager serves.
func checkBuildInfo(ctx context.Context, m *testenv.Manager, o options) error {
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
}

// stopContainer stops the container with SIGTERM and checks that it is
// gone and that the manager stopped cleanly.
func stopContainer(m *testenv.Manager, podman, name string) error {
	if !m.Alive() {
		return errors.New("the container was not running any more")
	}
	m.Kill(syscall.SIGTERM, 30*time.Second)
	if exec.Command(podman, "container", "exists", name).Run() == nil {
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
