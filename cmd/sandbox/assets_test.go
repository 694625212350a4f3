package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fakeAssets makes dir hold the named binaries (executable files).
func fakeAssets(t *testing.T, dir string, names ...string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFindAssets(t *testing.T) {
	tmp := t.TempDir()
	root, cache := filepath.Join(tmp, "repo"), filepath.Join(tmp, "cache")
	k8s := func(v string) string { return filepath.Join(root, "bin", "k8s", v+"-linux-amd64") }
	cached := func(v string) string {
		return filepath.Join(cache, "servicedesk-operator", "k8s", v+"-linux-amd64-etcd3.6.16")
	}
	fakeAssets(t, k8s("1.36.0"), "kube-apiserver", "etcd")
	fakeAssets(t, k8s(K8sVersion), "kube-apiserver") // incomplete: no etcd
	fakeAssets(t, k8s("1.38.0")+"-other", "kube-apiserver", "etcd")
	fakeAssets(t, cached("1.37.2"), "kube-apiserver", "etcd", "kubectl")
	incomplete := fakeAssets(t, filepath.Join(tmp, "incomplete"), "etcd")

	tests := []struct {
		name    string
		env     map[string]string
		want    string
		wantOK  bool
		wantErr string
	}{
		{name: "KUBEBUILDER_ASSETS wins", env: map[string]string{"KUBEBUILDER_ASSETS": cached("1.37.2")}, want: cached("1.37.2"), wantOK: true},
		{name: "an incomplete KUBEBUILDER_ASSETS is an error, not a fallback", env: map[string]string{"KUBEBUILDER_ASSETS": incomplete},
			wantErr: "lacks kube-apiserver"},
		{name: "bin/k8s: the complete version when the preferred one is incomplete", env: map[string]string{}, want: k8s("1.36.0"), wantOK: true},
		{name: "KUBEBUILDER_ASSETS at an incomplete bin/k8s directory (the Makefile's default) is looked past",
			env: map[string]string{"KUBEBUILDER_ASSETS": k8s(K8sVersion)}, want: k8s("1.36.0"), wantOK: true},
		{name: "KUBEBUILDER_ASSETS at a bin/k8s directory not built yet is looked past",
			env: map[string]string{"KUBEBUILDER_ASSETS": k8s("1.39.0")}, want: k8s("1.36.0"), wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := assetsLookup{getenv: func(k string) string { return tt.env[k] }, root: root, goos: "linux", goarch: "amd64"}
			got, ok, err := l.find()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || ok != tt.wantOK || got != tt.want {
				t.Fatalf("find() = %q, %v, %v; want %q, %v", got, ok, err, tt.want, tt.wantOK)
			}
		})
	}

	t.Run("the user cache when bin/k8s has nothing complete", func(t *testing.T) {
		if err := os.RemoveAll(k8s("1.36.0")); err != nil {
			t.Fatal(err)
		}
		l := assetsLookup{getenv: mapGetenv(envMap{"XDG_CACHE_HOME": cache}), root: root, goos: "linux", goarch: "amd64"}
		got, ok, err := l.find()
		if err != nil || !ok || got != cached("1.37.2") {
			t.Fatalf("find() = %q, %v, %v", got, ok, err)
		}
		want := []string{k8s(K8sVersion), cached("1.37.2")}
		if c := l.candidates(); !reflect.DeepEqual(c, want) {
			t.Fatalf("candidates = %v, want %v", c, want)
		}
	})

	t.Run("nothing anywhere", func(t *testing.T) {
		l := assetsLookup{getenv: mapGetenv(envMap{"HOME": filepath.Join(tmp, "home")}), root: filepath.Join(tmp, "empty"), goos: "linux", goarch: "amd64"}
		if got, ok, err := l.find(); ok || err != nil {
			t.Fatalf("find() = %q, %v, %v; want not found", got, ok, err)
		}
	})

	t.Run("a fresh clone: KUBEBUILDER_ASSETS at bin/k8s, no bin/, the binaries in the user cache", func(t *testing.T) {
		clone := filepath.Join(tmp, "clone")
		if err := os.MkdirAll(clone, 0o755); err != nil {
			t.Fatal(err)
		}
		env := envMap{"KUBEBUILDER_ASSETS": filepath.Join(clone, "bin", "k8s", K8sVersion+"-linux-amd64"), "XDG_CACHE_HOME": cache}
		l := assetsLookup{getenv: mapGetenv(env), root: clone, goos: "linux", goarch: "amd64"}
		if got, ok, err := l.find(); err != nil || !ok || got != cached("1.37.2") {
			t.Fatalf("find() = %q, %v, %v; want the cache", got, ok, err)
		}
		env["XDG_CACHE_HOME"] = filepath.Join(tmp, "no-cache")
		if got, ok, err := l.find(); ok || err != nil {
			t.Fatalf("find() without a cache = %q, %v, %v; want not found (so the sandbox builds), no error", got, ok, err)
		}
	})
}

type envMap = map[string]string

func TestCacheDirFollowsTheBuildScript(t *testing.T) {
	for _, tt := range []struct {
		env  envMap
		want string
	}{
		{envMap{"XDG_CACHE_HOME": "/x"}, "/x/servicedesk-operator/k8s"},
		{envMap{"HOME": "/home/u"}, "/home/u/.cache/servicedesk-operator/k8s"},
		{envMap{}, ""},
	} {
		if got := (assetsLookup{getenv: mapGetenv(tt.env)}).cacheDir(); got != tt.want {
			t.Errorf("cacheDir with %v = %q, want %q", tt.env, got, tt.want)
		}
	}
}

func mapGetenv(m envMap) func(string) string { return func(k string) string { return m[k] } }

func TestLastLine(t *testing.T) {
	if got := lastLine([]byte("building\n/a/b\n\n")); got != "/a/b" {
		t.Fatalf("lastLine = %q", got)
	}
}
