// Package version tells which build of servicedesk-operator is running. The
// Makefile sets Version and Revision through -ldflags -X (from git describe
// and git rev-parse); a plain `go build` or `go run` falls back to what the
// Go toolchain recorded in the binary (the module version, the VCS revision).
package version

import (
	"runtime"
	"runtime/debug"
)

// Set by -ldflags "-X github.com/servicedesk-operator/servicedesk-operator/internal/version.Version=v0.3.0 ...".
var (
	// Version is the release, e.g. v0.3.0, or git describe's v0.3.0-4-gabc1234(-dirty).
	Version = ""
	// Revision is the full git commit the binary was built from.
	Revision = ""
)

// Info is what a binary reports of its build.
type Info struct {
	Version   string `json:"version"`
	Revision  string `json:"revision"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Get returns the build's Info; unknown parts read "unknown".
func Get() Info {
	info := Info{Version: Version, Revision: Revision, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		if info.Revision == "" {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					info.Revision = s.Value
				}
			}
		}
	}
	if info.Version == "" {
		info.Version = "unknown"
	}
	if info.Revision == "" {
		info.Revision = "unknown"
	}
	return info
}

// String reads like "v0.3.0 (revision abc1234, go1.26.8, linux/amd64)".
func (i Info) String() string {
	rev := i.Revision
	if len(rev) > 12 {
		rev = rev[:12]
	}
	return i.Version + " (revision " + rev + ", " + i.GoVersion + ", " + i.Platform + ")"
}
