package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is the run's settings.
type Config struct {
	N           int             `json:"n"`
	Rates       []int           `json:"rates"`
	Seconds     int             `json:"secondsPerRate"`
	Gap         int             `json:"gapSeconds"`
	Workers     int             `json:"createWorkers"`
	RestartRate int             `json:"restartRate"`
	Outage      int             `json:"outageSeconds"`
	HungRate    int             `json:"hungRate"`
	Probes      int             `json:"capacityProbes"`
	Budget      time.Duration   `json:"budgetNs"`
	Scenarios   map[string]bool `json:"scenarios"`
	ManagerBin  string          `json:"managerBin,omitempty"`
	// ProfileRate: scenario 2's window at this rate takes a 10 s CPU
	// profile of the API server (0: none).
	ProfileRate int      `json:"profileRate,omitempty"`
	ExtraFlags  []string `json:"extraManagerFlags,omitempty"`
}

var allScenarios = []string{"intake", "breaches", "capacity", "resources", "restart", "hung"}

func envInt(name string, def, lo, hi int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(strings.ReplaceAll(v, "_", ""))
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s=%q: want an integer in [%d, %d]", name, v, lo, hi)
	}
	return n, nil
}

func loadConfig() (Config, error) {
	var c Config
	var err error
	if c.N, err = envInt("BENCH_N", 10000, 1, 200000); err != nil {
		return c, err
	}
	if c.Seconds, err = envInt("BENCH_SECONDS", 20, 1, 600); err != nil {
		return c, err
	}
	if c.Gap, err = envInt("BENCH_GAP", 10, 0, 600); err != nil {
		return c, err
	}
	if c.ProfileRate, err = envInt("BENCH_PROFILE_RATE", 0, 0, 100000); err != nil {
		return c, err
	}
	if c.Workers, err = envInt("BENCH_WORKERS", 16, 1, 256); err != nil {
		return c, err
	}
	if c.RestartRate, err = envInt("BENCH_RESTART_RATE", 50, 1, 5000); err != nil {
		return c, err
	}
	if c.Outage, err = envInt("BENCH_OUTAGE", 30, 10, 600); err != nil {
		return c, err
	}
	if c.HungRate, err = envInt("BENCH_HUNG_RATE", 50, 1, 5000); err != nil {
		return c, err
	}
	if c.Probes, err = envInt("BENCH_PROBES", 2, 0, 10); err != nil {
		return c, err
	}
	rates := os.Getenv("BENCH_RATES")
	if rates == "" {
		rates = "10,50,100,200"
	}
	for f := range strings.SplitSeq(rates, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 5000 {
			return c, fmt.Errorf("BENCH_RATES=%q: want a comma list of rates in [1, 5000]", rates)
		}
		c.Rates = append(c.Rates, n)
	}
	c.Budget = 13*time.Minute + 30*time.Second
	if v := os.Getenv("BENCH_BUDGET"); v != "" {
		if c.Budget, err = time.ParseDuration(v); err != nil || c.Budget < time.Minute {
			return c, fmt.Errorf("BENCH_BUDGET=%q: want a duration of at least 1m", v)
		}
	}
	c.Scenarios = map[string]bool{}
	sc := os.Getenv("BENCH_SCENARIOS")
	if sc == "" || sc == "all" {
		sc = strings.Join(allScenarios, ",")
	}
	for f := range strings.SplitSeq(sc, ",") {
		f = strings.TrimSpace(f)
		known := false
		for _, s := range allScenarios {
			known = known || s == f
		}
		if !known {
			return c, fmt.Errorf("BENCH_SCENARIOS: unknown scenario %q (known: %s)", f, strings.Join(allScenarios, ", "))
		}
		c.Scenarios[f] = true
	}
	// The open population of the intake burst is every later scenario's
	// background: it always runs.
	c.Scenarios["intake"] = true
	c.ManagerBin = os.Getenv("BENCH_MANAGER_BIN")
	c.ExtraFlags = strings.Fields(os.Getenv("BENCH_MANAGER_FLAGS"))
	return c, nil
}
