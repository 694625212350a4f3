package envtest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const k8sVersion = "1.37.2"

// stand-ins are the binaries of the fake release; etcd answers --version
// like the real one, which names the cache directory.
var standIns = map[string]string{
	"kube-apiserver": "#!/bin/sh\necho kube-apiserver stand-in\n",
	"etcd":           "#!/bin/sh\necho 'etcd Version: 3.6.99'\n",
	"kubectl":        "#!/bin/sh\necho kubectl stand-in\n",
}

// releaseServer serves an envtest-releases.yaml index with one archive of
// the given stand-ins for this platform, laid out like the real ones
// (controller-tools/envtest/<binary>).
func releaseServer(t *testing.T, binaries ...string) *httptest.Server {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, b := range binaries {
		body := standIns[b]
		if err := tw.WriteHeader(&tar.Header{Name: "controller-tools/envtest/" + b, Mode: 0o755, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	archive := buf.Bytes()
	sum := sha512.Sum512(archive)
	name := fmt.Sprintf("envtest-v%s-%s-%s.tar.gz", k8sVersion, runtime.GOOS, runtime.GOARCH)
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("/envtest-releases.yaml", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "releases:\n  v%s:\n    %s:\n      hash: %s\n      selfLink: %s/%s\n",
			k8sVersion, name, hex.EncodeToString(sum[:]), srv.URL, name)
	})
	mux.HandleFunc("/"+name, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(archive) })
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// script runs hack/build-envtest.sh with dest and cache in a temp dir and
// never a source build (ENVTEST_BUILD=false).
type script struct {
	dest, cache string
	env         []string
}

func newScript(t *testing.T, env ...string) script {
	tmp := t.TempDir()
	return script{dest: filepath.Join(tmp, "bin", "k8s", k8sVersion+"-"+runtime.GOOS+"-"+runtime.GOARCH), cache: filepath.Join(tmp, "cache"), env: env}
}

func (s script) run(t *testing.T) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command("bash", "../build-envtest.sh")
	cmd.Env = append(os.Environ(), "ENVTEST_DIR="+s.dest, "XDG_CACHE_HOME="+s.cache, "K8S_VERSION="+k8sVersion, "ENVTEST_BUILD=false")
	cmd.Env = append(cmd.Env, s.env...)
	var out, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errs
	err = cmd.Run()
	return out.String(), errs.String(), err
}

func skipWithoutBash(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("bash script")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
}

func TestDownloadsWithSetupEnvtest(t *testing.T) {
	skipWithoutBash(t)
	srv := releaseServer(t, "kube-apiserver", "etcd", "kubectl")
	s := newScript(t, "ENVTEST_INDEX="+srv.URL+"/envtest-releases.yaml")
	stdout, stderr, err := s.run(t)
	if strings.Contains(stderr, "cannot install setup-envtest") {
		t.Skipf("setup-envtest cannot be installed here (no Go module proxy?):\n%s", stderr)
	}
	if err != nil {
		t.Fatalf("build-envtest.sh: %v\n%s", err, stderr)
	}
	if got := strings.TrimSpace(stdout); got != s.dest {
		t.Errorf("stdout %q, want the directory %s", got, s.dest)
	}
	if !strings.Contains(stderr, "downloaded into "+s.dest) {
		t.Errorf("stderr does not say it downloaded:\n%s", stderr)
	}
	cached := filepath.Join(s.cache, "servicedesk-operator", "k8s", k8sVersion+"-"+runtime.GOOS+"-"+runtime.GOARCH+"-etcd3.6.99")
	for b, body := range standIns {
		for _, dir := range []string{s.dest, cached} {
			got, err := os.ReadFile(filepath.Join(dir, b))
			if err != nil || string(got) != body {
				t.Errorf("%s/%s: %q, %v", dir, b, got, err)
			}
			if fi, err := os.Stat(filepath.Join(dir, b)); err == nil && fi.Mode().Perm()&0o100 == 0 {
				t.Errorf("%s/%s is not executable: %v", dir, b, fi.Mode())
			}
		}
	}

	// A fresh clone on the same machine: the cache, no download.
	again := newScript(t, "ENVTEST_INDEX=http://127.0.0.1:1/unreachable.yaml")
	again.cache = s.cache
	stdout, stderr, err = again.run(t)
	if err != nil || strings.TrimSpace(stdout) != again.dest || !strings.Contains(stderr, "copied from the user cache "+cached) {
		t.Fatalf("second clone: %v, stdout %q, stderr:\n%s", err, stdout, stderr)
	}
}

func TestFallsBackAtOnceWithoutTheInternet(t *testing.T) {
	skipWithoutBash(t)
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("the quick look at the index needs curl")
	}
	s := newScript(t, "ENVTEST_INDEX=http://127.0.0.1:1/envtest-releases.yaml")
	_, stderr, err := s.run(t)
	if err == nil {
		t.Fatal("no binaries, no download, ENVTEST_BUILD=false: want a failure")
	}
	want := "no download (cannot reach http://127.0.0.1:1/envtest-releases.yaml), and ENVTEST_BUILD=false: not building from source"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
}

func TestADownloadWithoutKubectlIsCompletedFromSource(t *testing.T) {
	skipWithoutBash(t)
	srv := releaseServer(t, "kube-apiserver", "etcd")
	s := newScript(t, "ENVTEST_INDEX="+srv.URL+"/envtest-releases.yaml")
	_, stderr, err := s.run(t)
	if strings.Contains(stderr, "cannot install setup-envtest") {
		t.Skipf("setup-envtest cannot be installed here:\n%s", stderr)
	}
	if err == nil || !strings.Contains(stderr, "the download lacks kubectl, and ENVTEST_BUILD=false") {
		t.Fatalf("err %v, stderr:\n%s", err, stderr)
	}
}
