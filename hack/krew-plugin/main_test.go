package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var platforms = []string{"linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64", "windows_amd64"}

// fakeBuild makes a build directory with a stand-in binary per platform.
func fakeBuild(t *testing.T, plats ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, p := range plats {
		name := binary
		if strings.HasPrefix(p, "windows_") {
			name += ".exe"
		}
		if err := os.MkdirAll(filepath.Join(dir, p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p, name), []byte("binary for "+p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runOK(t *testing.T, o options) {
	t.Helper()
	var out, errs bytes.Buffer
	if err := run(o, &out, &errs); err != nil {
		t.Fatalf("run: %v\n%s%s", err, out.String(), errs.String())
	}
}

func TestPacksArchivesAndRendersTheManifest(t *testing.T) {
	build := fakeBuild(t, platforms...)
	license := filepath.Join(t.TempDir(), "LICENSE")
	if err := os.WriteFile(license, []byte("license text"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	o := options{version: "v0.3.0", template: "../../plugins/krew/desk.yaml", build: build, license: license, out: out}
	runOK(t, o)

	manifest, err := os.ReadFile(filepath.Join(out, "desk.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(manifest), "{{") || strings.Contains(string(manifest), "placeholders") {
		t.Errorf("manifest keeps template text:\n%s", manifest)
	}
	sums, err := os.ReadFile(filepath.Join(out, "sha256sums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range platforms {
		ext, exe := ".tar.gz", ""
		if strings.HasPrefix(p, "windows_") {
			ext, exe = ".zip", ".exe"
		}
		name := "kubectl-desk_v0.3.0_" + p + ext
		raw, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(raw)
		hexSum := hex.EncodeToString(sum[:])
		if !strings.Contains(string(sums), hexSum+"  "+name+"\n") {
			t.Errorf("sha256sums.txt lacks %s %s:\n%s", hexSum, name, sums)
		}
		if !strings.Contains(string(manifest), "uri: https://github.com/servicedesk-operator/servicedesk-operator/releases/download/v0.3.0/"+name+"\n") ||
			!strings.Contains(string(manifest), `sha256: "`+hexSum+`"`) {
			t.Errorf("manifest lacks the uri or sha256 of %s", name)
		}
		got := members(t, raw, ext)
		want := map[string]string{binary + exe: "binary for " + p, "LICENSE": "license text"}
		if len(got) != len(want) || got[binary+exe] != want[binary+exe] || got["LICENSE"] != want["LICENSE"] {
			t.Errorf("%s holds %v, want %v", name, got, want)
		}
	}

	again := t.TempDir()
	o.out = again
	runOK(t, o)
	if b, _ := os.ReadFile(filepath.Join(again, "sha256sums.txt")); !bytes.Equal(b, sums) {
		t.Errorf("a second run gives other sums (archives not reproducible):\n%s\n%s", b, sums)
	}
}

// members returns an archive's files by name, checking the binary is executable.
func members(t *testing.T, raw []byte, ext string) map[string]string {
	t.Helper()
	got := map[string]string{}
	if ext == ".zip" {
		zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			if cerr := rc.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			got[f.Name] = string(b)
		}
		return got
	}
	gz, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == binary && h.Mode&0o111 == 0 {
			t.Errorf("%s is not executable in the archive: %o", h.Name, h.Mode)
		}
		b, _ := io.ReadAll(tr)
		got[h.Name] = string(b)
	}
}

func TestRefusesAnIncompleteRelease(t *testing.T) {
	for name, tt := range map[string]struct {
		version string
		plats   []string
		wantErr string
	}{
		"a platform of the template not built":     {"v0.3.0", platforms[:4], "is every platform of the template built"},
		"a platform built that the template lacks": {"v0.3.0", append([]string{"freebsd_amd64"}, platforms...), "the template has no platform for it"},
		"a version krew would refuse":              {"0.3.0", platforms, "not v<semantic version>"},
		"a dev build's version is fine":            {"v0.1.0-dev-49bf41a", platforms, ""},
		"git describe's version is fine":           {"v0.1.0-3-g49bf41a-dirty", platforms, ""},
	} {
		t.Run(name, func(t *testing.T) {
			o := options{version: tt.version, template: "../../plugins/krew/desk.yaml", build: fakeBuild(t, tt.plats...), out: t.TempDir()}
			var out, errs bytes.Buffer
			err := run(o, &out, &errs)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("run: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("run: %v, want %q", err, tt.wantErr)
			}
		})
	}
}
