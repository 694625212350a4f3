package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// K8sVersion is the Kubernetes version hack/build-envtest.sh builds by default.
const K8sVersion = "1.37.2"

// requiredBinaries must all be in an assets directory; kubectl is optional.
var requiredBinaries = []string{"kube-apiserver", "etcd"}

// assetsLookup is where findAssets looks: the environment, the repository
// and the user cache of hack/build-envtest.sh.
type assetsLookup struct {
	getenv       func(string) string
	root         string // repository root
	goos, goarch string
}

// candidates lists, best first, the directories that may hold the envtest
// binaries: bin/k8s/<K8sVersion>-<os>-<arch>, then other versions there
// (newest first), then the user cache (newest first).
func (l assetsLookup) candidates() []string {
	suffix := "-" + l.goos + "-" + l.goarch
	preferred := filepath.Join(l.root, "bin", "k8s", K8sVersion+suffix)
	out := []string{preferred}
	for _, m := range globNewestFirst(filepath.Join(l.root, "bin", "k8s", "*"+suffix)) {
		if m != preferred {
			out = append(out, m)
		}
	}
	if cache := l.cacheDir(); cache != "" {
		out = append(out, globNewestFirst(filepath.Join(cache, "*"+suffix+"-etcd*"))...)
	}
	return out
}

// cacheDir is ${XDG_CACHE_HOME:-$HOME/.cache}/servicedesk-operator/k8s, as
// in hack/build-envtest.sh.
func (l assetsLookup) cacheDir() string {
	base := l.getenv("XDG_CACHE_HOME")
	if base == "" {
		home := l.getenv("HOME")
		if home == "" {
			return ""
		}
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "servicedesk-operator", "k8s")
}

func globNewestFirst(pattern string) []string {
	m, _ := filepath.Glob(pattern)
	sort.Sort(sort.Reverse(sort.StringSlice(m)))
	return m
}

// find returns the directory with the envtest binaries. KUBEBUILDER_ASSETS,
// when set, is the only candidate and an error if incomplete, except when it
// is a directory of bin/k8s (the Makefile's default, which it exports before
// anything is built there): then the usual candidates follow. ok is false
// when no candidate has them all.
func (l assetsLookup) find() (dir string, ok bool, err error) {
	if env := l.getenv("KUBEBUILDER_ASSETS"); env != "" {
		missing := missingBinaries(env)
		if len(missing) == 0 {
			return env, true, nil
		}
		if !l.inBinK8s(env) {
			return "", false, fmt.Errorf("KUBEBUILDER_ASSETS=%s lacks %s: unset it to use bin/k8s, or point it at a complete directory",
				env, strings.Join(missing, " and "))
		}
	}
	for _, c := range l.candidates() {
		if len(missingBinaries(c)) == 0 {
			return c, true, nil
		}
	}
	return "", false, nil
}

// inBinK8s reports whether dir is a directory of the repository's bin/k8s,
// which hack/build-envtest.sh fills.
func (l assetsLookup) inBinK8s(dir string) bool {
	parent := filepath.Dir(filepath.Clean(dir))
	if parent == filepath.Join(l.root, "bin", "k8s") {
		return true
	}
	real, err := filepath.EvalSymlinks(l.root)
	return err == nil && parent == filepath.Join(real, "bin", "k8s")
}

// missingBinaries names the required binaries that are not executable files in dir.
func missingBinaries(dir string) []string {
	var missing []string
	for _, b := range requiredBinaries {
		if !isExecutable(filepath.Join(dir, b)) {
			missing = append(missing, b)
		}
	}
	return missing
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// buildAssets runs hack/build-envtest.sh, which prints the directory it
// filled as its last line of output; its progress goes to the terminal.
func buildAssets(root string) (string, error) {
	cmd := exec.Command("bash", filepath.Join(root, "hack", "build-envtest.sh"))
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("hack/build-envtest.sh: %w", err)
	}
	dir := lastLine(out.Bytes())
	if missing := missingBinaries(dir); len(missing) > 0 {
		return "", fmt.Errorf("hack/build-envtest.sh reported %q, which lacks %s", dir, strings.Join(missing, " and "))
	}
	return dir, nil
}

func lastLine(b []byte) string {
	var last string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			last = s
		}
	}
	return last
}
