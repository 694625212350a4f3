package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
)

// release reads RELEASE ?= ... from the Makefile: the committed chart's
// version.
func release(t *testing.T) string {
	t.Helper()
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^RELEASE \?= (\S+)$`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("no RELEASE ?= line in the Makefile")
	}
	return string(m[1])
}

// TestChartIsUpToDate fails when dist/chart's generated files are not what
// `make helm` writes from config/ now: run make helm.
func TestChartIsUpToDate(t *testing.T) {
	want, err := Generate("../../config", release(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Owned("../../dist/chart")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range want {
		names = append(names, n)
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		w, inWant := want[n]
		g, inGot := got[n]
		switch {
		case !inGot:
			t.Errorf("dist/chart/%s is missing: run make helm", n)
		case !inWant:
			t.Errorf("dist/chart/%s is not generated from config/ any more: run make helm", n)
		case !bytes.Equal(w, g):
			t.Errorf("dist/chart/%s differs from what config/ generates: run make helm", n)
		}
	}
}

// TestGenerateTwice checks Write into a fresh directory, then again, gives
// the same files and removes stale ones.
func TestGenerateTwice(t *testing.T) {
	dir := t.TempDir()
	files, err := Generate("../../config", "v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "templates", "crds", "old.yaml")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := Write(dir, files); err != nil {
			t.Fatal(err)
		}
		again, err := Generate("../../config", "v1.2.3")
		if err != nil {
			t.Fatal(err)
		}
		got, err := Owned(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(again) {
			t.Fatalf("%d files written, %d generated", len(got), len(again))
		}
		for n, b := range again {
			if !bytes.Equal(got[n], b) {
				t.Errorf("%s differs on a second run", n)
			}
		}
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Error("a stale file in templates/crds was kept")
	}
	if !bytes.Contains(files["Chart.yaml"], []byte("\nversion: 1.2.3\nappVersion: \"v1.2.3\"\n")) {
		t.Errorf("Chart.yaml:\n%s", files["Chart.yaml"])
	}
}

func TestReleaseIsRequired(t *testing.T) {
	for _, r := range []string{"", "0.1.0", "v0.1", "v0.1.0-dev-abc+dirty"} {
		if _, err := Generate("../../config", r); err == nil {
			t.Errorf("release %q accepted", r)
		}
	}
}

func TestEscape(t *testing.T) {
	if got := escape("a {{ $labels.x }} b"); got != `a {{"{{"}} $labels.x }} b` {
		t.Errorf("escape = %s", got)
	}
}
