package main

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// On 2 cores the manager, the API server, etcd and the harness compete for
// the same CPUs, and so does anything else running on the machine: every
// phase says who used how much.

// cpuSnap is the CPU time used so far, by process and by the whole machine.
type cpuSnap struct {
	at      time.Time
	procs   map[string]time.Duration
	machine time.Duration // busy time of every CPU (/proc/stat)
}

// controlPlanePIDs finds the envtest processes: children of this process.
func controlPlanePIDs() map[string]int {
	found := map[string]int{}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return found
	}
	self := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(raw)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		comm := s[open+1 : end]
		f := strings.Fields(s[end+1:])
		if len(f) < 2 {
			continue
		}
		if ppid, _ := strconv.Atoi(f[1]); ppid == self && (comm == "kube-apiserver" || comm == "etcd") {
			found[comm] = pid
		}
	}
	return found
}

func machineBusy() time.Duration {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0
	}
	var busy int64
	// user nice system idle iowait irq softirq steal: all but idle and iowait.
	for i, v := range f[1:9] {
		if i == 3 || i == 4 {
			continue
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		busy += n
	}
	return time.Duration(busy) * time.Second / clockTicks
}

func (b *bench) cpuSnap() cpuSnap {
	s := cpuSnap{at: time.Now(), procs: map[string]time.Duration{}, machine: machineBusy()}
	if b.mgr != nil {
		s.procs["manager"], _, _, _ = b.mgr.usage()
	}
	for name, pid := range b.cpPIDs {
		if st, err := readProc(pid); err == nil {
			s.procs[name] = st.cpu
		}
	}
	if st, err := readProc(os.Getpid()); err == nil {
		s.procs["harness"] = st.cpu
	}
	return s
}

// cores is the CPU used between from and to in cores, by process, by the
// machine, and by everything else on it ("others").
func cores(from, to cpuSnap) map[string]float64 {
	wall := to.at.Sub(from.at).Seconds()
	if wall <= 0 {
		return nil
	}
	out := map[string]float64{}
	var ours float64
	for name, v := range to.procs {
		c := (v - from.procs[name]).Seconds() / wall
		out[name] = round3(c)
		ours += c
	}
	m := (to.machine - from.machine).Seconds() / wall
	out["machine"] = round3(m)
	out["others"] = round3(max(0, m-ours))
	return out
}

func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }
