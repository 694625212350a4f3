package controllers

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/servicedesk-operator/servicedesk-operator/internal/version"
)

// buildInfoName is the gauge that says which build runs: one series of
// value 1 whose labels are the version, the git revision and the Go
// version (the idiom of Prometheus's own *_build_info).
const buildInfoName = "servicedesk_build_info"

// newBuildInfo is the gauge of one build.
func newBuildInfo(i version.Info) prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: buildInfoName,
		Help: "The build of the operator that runs: always 1, with its version, git revision and Go version as labels.",
	}, []string{"version", "revision", "goversion"})
	g.WithLabelValues(i.Version, i.Revision, i.GoVersion).Set(1)
	return g
}
