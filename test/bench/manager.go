package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"net/http"
	"os"

	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

// manager runs the operator's real binary (go build ./cmd) as a child
// process with its real flags (testenv.Manager), and keeps the CPU time and
// peak memory of every process it started.
type manager struct {
	*testenv.Manager
	args           []string
	metrics, probe string
	http           *http.Client
	mu             sync.Mutex
	// Figures of the processes already gone (a restart starts a new one).
	cpuGone  time.Duration
	hwmGone  int64
	lastStat procStat
	starts   int
}

func buildManager(ctx context.Context, _, out string) error { return testenv.BuildManager(ctx, out) }

func newManager(bin, kubeconfig, logPath string, extra []string) (*manager, error) {
	// The bench's receivers listen on loopback, refused by default.
	extra = append([]string{"--webhook-allowed-cidrs=127.0.0.0/8,::1/128"}, extra...)
	tm, err := testenv.NewManager(bin, kubeconfig, logPath, extra)
	if err != nil {
		return nil, err
	}
	m := &manager{Manager: tm, args: tm.Args, metrics: tm.Metrics, probe: tm.Probe, http: &http.Client{Timeout: 10 * time.Second}}
	// The last figures of a process before it goes.
	tm.BeforeSignal = func(pid int) {
		if st, err := readProc(pid); err == nil {
			m.note(st)
		}
	}
	return m, nil
}

// start starts a new manager process and waits until it is ready (readyz),
// at most wait. It returns when the process was started and when it was ready.
func (m *manager) start(ctx context.Context, wait time.Duration) (started, ready time.Time, err error) {
	m.mu.Lock()
	m.lastStat = procStat{}
	m.starts++
	m.mu.Unlock()
	return m.Start(ctx, wait)
}

func (m *manager) pid() int { return m.PID() }

// kill sends sig and waits (at most wait, then SIGKILL) until the process is gone.
func (m *manager) kill(sig syscall.Signal, wait time.Duration) {
	if !m.Kill(sig, wait) {
		return
	}
	m.mu.Lock()
	m.cpuGone += m.lastStat.cpu
	m.hwmGone = max(m.hwmGone, m.lastStat.hwm)
	m.lastStat = procStat{}
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
	"controller_runtime_reconcile_total":                 true,
	"controller_runtime_reconcile_errors_total":          true,
	"controller_runtime_reconcile_time_seconds_sum":      true,
	"controller_runtime_reconcile_time_seconds_count":    true,
	"workqueue_adds_total":                               true,
	"workqueue_retries_total":                            true,
	"workqueue_queue_duration_seconds_sum":               true,
	"workqueue_queue_duration_seconds_count":             true,
	"rest_client_requests_total":                         true,
	"servicedesk_complaint_transitions_total":            true,
	"servicedesk_escalations_created_total":              true,
	"servicedesk_webhook_deliveries_total":               true,
	"servicedesk_webhook_record_conflicts_total":         true,
	"servicedesk_webhook_inline_outcomes_total":          true,
	"servicedesk_webhook_request_duration_seconds_sum":   true,
	"servicedesk_webhook_request_duration_seconds_count": true,
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
	defer func() { _ = resp.Body.Close() }() // read to the end or abandoned on error
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
