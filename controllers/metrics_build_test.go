package controllers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/servicedesk-operator/servicedesk-operator/internal/version"
)

// gaugeSeries gathers the gauge family name of g, each series as
// name{label="value",...} value, labels sorted by name.
func gaugeSeries(t *testing.T, g prometheus.Gatherer, name string) []string {
	t.Helper()
	families, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		if f.GetType() != dto.MetricType_GAUGE {
			t.Errorf("%s is a %s, want a gauge", name, f.GetType())
		}
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() { // sorted by name by the registry
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			out = append(out, fmt.Sprintf("%s{%s} %v", name, strings.Join(labels, ","), m.GetGauge().GetValue()))
		}
	}
	return out
}

// The operator's metrics (what cmd/main.go registers, so /metrics serves)
// hold servicedesk_build_info: one gauge series of value 1 labelled with
// this build's version, revision and Go version.
func TestBuildInfoIsRegisteredWithTheBuildsLabels(t *testing.T) {
	i := version.Get()
	want := fmt.Sprintf(`servicedesk_build_info{goversion=%q,revision=%q,version=%q} 1`, i.GoVersion, i.Revision, i.Version)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewMetrics().Collectors()...)
	got := gaugeSeries(t, reg, buildInfoName)
	if len(got) != 1 || got[0] != want {
		t.Fatalf("the operator's metrics have %q, want one series %s", got, want)
	}
}

// The labels are the build's, whatever -ldflags set.
func TestBuildInfoLabels(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(newBuildInfo(version.Info{Version: "v9.8.7-3-gabc1234-dirty", Revision: "abc1234def", GoVersion: "go1.99.1", Platform: "plan9/mips"}))
	want := `servicedesk_build_info{goversion="go1.99.1",revision="abc1234def",version="v9.8.7-3-gabc1234-dirty"} 1`
	if got := gaugeSeries(t, reg, buildInfoName); len(got) != 1 || got[0] != want {
		t.Fatalf("got %q, want one series %s", got, want)
	}
}
