package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"
)

// This file runs the operator's real binary (go build ./cmd) as a child
// process with its real flags and a user of its own, as the bench harness
// (test/bench) and the fault suite (test/faults) do.

// ManagerUser is the user the manager process authenticates as.
const ManagerUser = "servicedesk-manager"

// BuildManager builds the manager binary (./cmd) into out.
func BuildManager(ctx context.Context, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd")
	cmd.Dir = RepoRoot()
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

// FreePort returns a loopback host:port nobody listens on right now.
func FreePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", err
	}
	return addr, nil
}

// HasFlag reports whether the binary's --help lists --name (flags that are
// being added by other changes are passed only once they exist).
func HasFlag(bin, name string) bool {
	out, _ := exec.Command(bin, "--help").CombinedOutput() // --help exits 0 or 2
	return strings.Contains(string(out), "-"+name+" ") || strings.Contains(string(out), "-"+name+"\n")
}

// AddManagerUser gives the manager a user of its own bound to the
// operator's generated ClusterRole (config/rbac/role.yaml) and, in each of
// leaseNamespaces, to the leader election Role
// (config/rbac/leader_election_role.yaml), as in a real install: its requests
// are authorized by RBAC and classified by priority and fairness like a
// workload's, not as an exempt admin's. It writes the user's kubeconfig into
// dir and returns its path.
func AddManagerUser(ctx context.Context, env *envtest.Environment, c client.Client, dir string, leaseNamespaces ...string) (string, error) {
	var role rbacv1.ClusterRole
	if err := readYAML(filepath.Join("config", "rbac", "role.yaml"), &role); err != nil {
		return "", err
	}
	role.ResourceVersion = ""
	if err := c.Create(ctx, &role); err != nil {
		return "", fmt.Errorf("creating ClusterRole %s: %w", role.Name, err)
	}
	subjects := []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: ManagerUser}}
	binding := &rbacv1.ClusterRoleBinding{Subjects: subjects,
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name}}
	binding.Name = "test-" + role.Name
	if err := c.Create(ctx, binding); err != nil {
		return "", fmt.Errorf("creating ClusterRoleBinding: %w", err)
	}
	for _, ns := range leaseNamespaces {
		var le rbacv1.Role
		if err := readYAML(filepath.Join("config", "rbac", "leader_election_role.yaml"), &le); err != nil {
			return "", err
		}
		le.Namespace = ns
		if err := c.Create(ctx, &le); err != nil {
			return "", fmt.Errorf("creating Role %s/%s: %w", ns, le.Name, err)
		}
		rb := &rbacv1.RoleBinding{Subjects: subjects, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: le.Name}}
		rb.Name, rb.Namespace = "test-"+le.Name, ns
		if err := c.Create(ctx, rb); err != nil {
			return "", fmt.Errorf("creating RoleBinding %s/%s: %w", ns, rb.Name, err)
		}
	}
	user, err := env.AddUser(envtest.User{Name: ManagerUser}, nil)
	if err != nil {
		return "", fmt.Errorf("adding user %s: %w", ManagerUser, err)
	}
	kc, err := user.KubeConfig()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "manager.kubeconfig")
	return path, os.WriteFile(path, kc, 0o600)
}

func readYAML(rel string, into any) error {
	raw, err := os.ReadFile(filepath.Join(RepoRoot(), rel))
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(raw, into); err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	return nil
}

// Manager is the manager binary run as a child process: started, killed
// and started again with the same flags, plain-HTTP metrics and health
// probes on free loopback ports.
type Manager struct {
	Bin, LogPath    string
	Args            []string
	Metrics, Probe  string // host:port of --metrics-bind-address and --health-probe-bind-address
	http            *http.Client
	BeforeSignal    func(pid int) // called with the pid before Kill signals it (figures of the last moment)
	mu              sync.Mutex
	cmd             *exec.Cmd
	done            chan struct{}
	starts, signals int
}

// NewManager prepares a manager with --kubeconfig, the metrics and probe
// addresses (fresh ports), --leader-elect=false unless extra sets it, and extra.
func NewManager(bin, kubeconfig, logPath string, extra []string) (*Manager, error) {
	metricsAddr, err := FreePort()
	if err != nil {
		return nil, err
	}
	probeAddr, err := FreePort()
	if err != nil {
		return nil, err
	}
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--metrics-bind-address=" + metricsAddr,
		"--metrics-secure=false",
		"--health-probe-bind-address=" + probeAddr,
	}
	le := false
	for _, a := range extra {
		le = le || strings.HasPrefix(a, "--leader-elect")
	}
	if !le {
		args = append(args, "--leader-elect=false")
	}
	args = append(args, extra...)
	return &Manager{Bin: bin, Args: args, LogPath: logPath, Metrics: metricsAddr, Probe: probeAddr,
		http: &http.Client{Timeout: 10 * time.Second}}, nil
}

// Start starts a new process and waits until it is ready (/readyz), at most
// wait. It returns when the process was started and when it was ready.
func (m *Manager) Start(ctx context.Context, wait time.Duration) (started, ready time.Time, err error) {
	m.mu.Lock()
	if m.cmd != nil {
		m.mu.Unlock()
		return time.Time{}, time.Time{}, errors.New("manager already running")
	}
	logFile, err := os.OpenFile(m.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		m.mu.Unlock()
		return time.Time{}, time.Time{}, err
	}
	cmd := exec.Command(m.Bin, m.Args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group (a ctrl-C reaches the harness, which cleans
	// up); killed with the harness should the harness die.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	started = time.Now()
	if err := cmd.Start(); err != nil {
		_ = logFile.Close() // the process never started: its empty log does not matter
		m.mu.Unlock()
		return time.Time{}, time.Time{}, fmt.Errorf("starting %s: %w", m.Bin, err)
	}
	done := make(chan struct{})
	m.cmd, m.done = cmd, done
	m.starts++
	m.mu.Unlock()
	go func() {
		_ = cmd.Wait()
		_ = logFile.Close() // the log of a process that is gone: nothing to report to
		close(done)
	}()

	deadline := time.Now().Add(wait)
	for {
		select {
		case <-ctx.Done():
			return started, time.Time{}, ctx.Err()
		case <-done:
			return started, time.Time{}, fmt.Errorf("manager exited before it was ready (%s); see %s", cmd.ProcessState, m.LogPath)
		case <-time.After(50 * time.Millisecond):
		}
		if m.Ready(ctx) {
			return started, time.Now(), nil
		}
		if time.Now().After(deadline) {
			return started, time.Time{}, fmt.Errorf("manager not ready after %s; see %s", wait, m.LogPath)
		}
	}
}

// Ready reports whether /readyz answers 200.
func (m *Manager) Ready(ctx context.Context) bool {
	return m.get(ctx, "http://"+m.Probe+"/readyz", nil) == nil
}

// Get fetches path of the metrics endpoint (e.g. /metrics) into a string.
func (m *Manager) Get(ctx context.Context, path string) (string, error) {
	var b strings.Builder
	err := m.get(ctx, "http://"+m.Metrics+path, &b)
	return b.String(), err
}

func (m *Manager) get(ctx context.Context, url string, into *strings.Builder) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }() // read or abandoned: the status decides
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	if into != nil {
		buf := make([]byte, 32<<10)
		for {
			n, err := resp.Body.Read(buf)
			into.Write(buf[:n])
			if err != nil {
				break
			}
		}
	}
	return nil
}

// PID is the running process's id, 0 when none runs.
func (m *Manager) PID() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cmd == nil || m.cmd.Process == nil {
		return 0
	}
	return m.cmd.Process.Pid
}

// Alive reports whether the process started last is still running.
func (m *Manager) Alive() bool {
	m.mu.Lock()
	done := m.done
	m.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// Starts counts the processes started so far.
func (m *Manager) Starts() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.starts
}

// Kill sends sig and waits (at most wait, then SIGKILL) until the process
// is gone. It returns false if no process was running.
func (m *Manager) Kill(sig syscall.Signal, wait time.Duration) bool {
	m.mu.Lock()
	cmd, done := m.cmd, m.done
	m.mu.Unlock()
	if cmd == nil {
		return false
	}
	if m.BeforeSignal != nil {
		m.BeforeSignal(cmd.Process.Pid)
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(wait):
		_ = cmd.Process.Kill()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
		}
	}
	m.mu.Lock()
	m.cmd, m.done = nil, nil
	m.signals++
	m.mu.Unlock()
	return true
}
