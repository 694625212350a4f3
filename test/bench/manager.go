package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// manager runs the operator's real binary (go build ./cmd) as a child
// process with its real flags.
type manager struct {
	bin     string
	args    []string
	logPath string
	metrics string // host:port of --metrics-bind-address (plain HTTP)
	probe   string // host:port of --health-probe-bind-address
	http    *http.Client

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	// Figures of the processes already gone (a restart starts a new one).
	cpuGone  time.Duration
	hwmGone  int64
	lastStat procStat
	starts   int
}

func buildManager(ctx context.Context, root, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func newManager(bin, kubeconfig, logPath string, extra []string) (*manager, error) {
	metricsAddr, err := freePort()
	if err != nil {
		return nil, err
	}
	probeAddr, err := freePort()
	if err != nil {
		return nil, err
	}
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--metrics-bind-address=" + metricsAddr,
		"--metrics-secure=false",
		"--health-probe-bind-address=" + probeAddr,
		"--leader-elect=false",
	}
	args = append(args, extra...)
	return &manager{bin: bin, args: args, logPath: logPath, metrics: metricsAddr, probe: probeAddr,
		http: &http.Client{Timeout: 10 * time.Second}}, nil
}

// start starts a new manager process and waits until it is ready (readyz),
// at most wait. It returns when the process was started and when it was ready.
func (m *manager) start(ctx context.Context, wait time.Duration) (started, ready time.Time, err error) {
	m.mu.Lock()
	if m.cmd != nil {
		m.mu.Unlock()
		return time.Time{}, time.Time{}, errors.New("manager already running")
	}
	logFile, err := os.OpenFile(m.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		m.mu.Unlock()
		return time.Time{}, time.Time{}, err
	}
	cmd := exec.Command(m.bin, m.args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group (a ctrl-C reaches the harness, which cleans
	// up); killed with the harness should the harness die.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	started = time.Now()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		m.mu.Unlock()
		return time.Time{}, time.Time{}, fmt.Errorf("starting %s: %w", m.bin, err)
	}
	done := make(chan struct{})
	m.cmd, m.done, m.lastStat = cmd, done, procStat{}
	m.starts++
	m.mu.Unlock()
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(done)
	}()

	deadline := time.Now().Add(wait)
	for {
		select {
		case <-ctx.Done():
			return started, time.Time{}, ctx.Err()
		case <-done:
			return started, time.Time{}, fmt.Errorf("manager exited before it was ready (%s); see %s", cmd.ProcessState, m.logPath)
		case <-time.After(50 * time.Millisecond):
		}
		if m.ready(ctx) {
			return started, time.Now(), nil
		}
		if time.Now().After(deadline) {
			return started, time.Time{}, fmt.Errorf("manager not ready after %s; see %s", wait, m.logPath)
		}
	}
}

func (m *manager) ready(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+m.probe+"/readyz", nil)
	if err != nil {
		return false
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (m *manager) pid() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cmd == nil || m.cmd.Process == nil {
		return 0
	}
	return m.cmd.Process.Pid
}

// kill sends sig and waits (at most wait, then SIGKILL) until the process is gone.
func (m *manager) kill(sig syscall.Signal, wait time.Duration) {
	m.mu.Lock()
	cmd, done := m.cmd, m.done
	m.mu.Unlock()
	if cmd == nil {
		return
	}
	// The last figures of the process before it goes.
	if st, err := readProc(cmd.Process.Pid); err == nil {
		m.note(st)
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(wait):
		_ = cmd.Process.Kill()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			logf("manager pid %d did not exit after SIGKILL", cmd.Process.Pid)
		}
	}
	m.mu.Lock()
	m.cpuGone += m.lastStat.cpu
	m.hwmGone = max(m.hwmGone, m.lastStat.hwm)
	m.cmd, m.done, m.lastStat = nil, nil, procStat{}
	m.mu.Unlock()
}

func (m *manager) note(st procStat) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if st.cpu >= m.lastStat.cpu {
		m.lastStat = st
	}
}

// usage returns the CPU time of every manager process so far, the current
// resident set and the peak resident set of every process so far.
func (m *manager) usage() (cpu time.Duration, rss, hwm int64, running bool) {
	pid := m.pid()
	if pid != 0 {
		if st, err := readProc(pid); err == nil {
			m.note(st)
			running = true
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cpu = m.cpuGone + m.lastStat.cpu
	hwm = max(m.hwmGone, m.lastStat.hwm)
	if running {
		rss = m.lastStat.rss
	}
	return cpu, rss, hwm, running
}

// procStat is what /proc says of a process.
type procStat struct {
	rss, hwm int64 // bytes
	cpu      time.Duration
}

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat
// (100 on every Linux architecture Go supports).
const clockTicks = 100

func readProc(pid int) (procStat, error) {
	var st procStat
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st, err
	}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			st.rss = kb << 10
		case "VmHWM:":
			st.hwm = kb << 10
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return st, err
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return st, errors.New("unexpected /proc/<pid>/stat")
	}
	f := strings.Fields(string(stat[i+1:]))
	// f[0] is field 3 (state): utime is field 14, stime field 15.
	if len(f) < 13 {
		return st, errors.New("short /proc/<pid>/stat")
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	stt, _ := strconv.ParseInt(f[12], 10, 64)
	st.cpu = time.Duration(ut+stt) * time.Second / clockTicks
	return st, nil
}

// managerMetricNames are the series of the manager's /metrics kept in the figures.
var managerMetricNames = map[string]bool{
	"controller_runtime_reconcile_total":              true,
	"controller_runtime_reconcile_errors_total":       true,
	"controller_runtime_reconcile_time_seconds_sum":   true,
	"controller_runtime_reconcile_time_seconds_count": true,
	"workqueue_adds_total":                            true,
	"workqueue_retries_total":                         true,
	"workqueue_queue_duration_seconds_sum":            true,
	"workqueue_queue_duration_seconds_count":          true,
	"rest_client_requests_total":                      true,
	"servicedesk_complaint_transitions_total":         true,
	"servicedesk_escalations_created_total":           true,
	"servicedesk_webhook_deliveries_total":            true,
	"servicedesk_webhook_record_conflicts_total":      true,
}

// managerMetrics is one scrape of the manager's /metrics.
type managerMetrics struct {
	counters counters
	// depth is the sum of every work queue's depth, busy the sum of their
	// unfinished work (seconds).
	depth, busy float64
	depths      map[string]float64
}

func (m *manager) scrape(ctx context.Context) (managerMetrics, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+m.metrics+"/metrics", nil)
	if err != nil {
		return managerMetrics{}, err
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return managerMetrics{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return managerMetrics{}, err
	}
	mm := managerMetrics{counters: counters{}, depths: map[string]float64{}}
	keep := func(n string) bool {
		return managerMetricNames[n] || n == "workqueue_depth" || n == "workqueue_unfinished_work_seconds"
	}
	for _, x := range parseProm(raw, keep) {
		switch x.name {
		case "workqueue_depth":
			mm.depth += x.value
			mm.depths[x.labels["name"]] += x.value
		case "workqueue_unfinished_work_seconds":
			mm.busy += x.value
		default:
			mm.counters[seriesKey(x)] += x.value
		}
	}
	return mm, nil
}

// seriesKey is name{k=v,...} with the labels sorted.
func seriesKey(x metric) string {
	keys := make([]string, 0, len(x.labels))
	for k := range x.labels {
		if k == "host" { // rest_client_requests_total: always the API server
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(x.name)
	if len(keys) > 0 {
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(k + "=" + x.labels[k])
		}
		b.WriteByte('}')
	}
	return b.String()
}

func binPath(root string) string { return filepath.Join(root, "bin", "manager") }
