// Command krew-plugin packs the cross-built kubectl-desk binaries into the
// release archives of the kubectl desk plugin, writes their sha256 sums and
// renders the krew manifest from its template (plugins/krew/desk.yaml) with
// the release's URLs and the archives' sha256s. `make dist-plugin` runs it.
//
// Input: -build DIR holds one directory per platform, <os>_<arch>, each with
// kubectl-desk (kubectl-desk.exe on Windows). Output in -out DIR:
//
//	kubectl-desk_<version>_<os>_<arch>.tar.gz  (.zip for Windows, as krew plugins do)
//	sha256sums.txt                              (sha256sum -c reads it)
//	desk.yaml                                   (the krew manifest)
//
// Each archive holds the binary and, when -license names a file, LICENSE,
// at its root. The archives are reproducible: fixed modes and times
// (SOURCE_DATE_EPOCH, when set), so the same binaries give the same sums.
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"sigs.k8s.io/yaml"
)

const binary = "kubectl-desk"

func main() {
	var o options
	flag.StringVar(&o.version, "version", "", "Release version, the tag of the GitHub release (e.g. v0.3.0); names the archives and their URLs.")
	flag.StringVar(&o.template, "template", "plugins/krew/desk.yaml", "krew manifest template (Go template with .TagName and .Sha256.<os>_<arch>).")
	flag.StringVar(&o.build, "build", "", "Directory with one <os>_<arch> directory of binaries per platform.")
	flag.StringVar(&o.license, "license", "LICENSE", "License file to put in each archive; a missing file is a warning.")
	flag.StringVar(&o.out, "out", "dist/plugin", "Output directory.")
	flag.Parse()
	if o.version == "" || o.build == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: krew-plugin -version vX.Y.Z -build DIR [-template FILE] [-license FILE] [-out DIR]")
		os.Exit(2)
	}
	if epoch := os.Getenv("SOURCE_DATE_EPOCH"); epoch != "" {
		sec, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "krew-plugin: SOURCE_DATE_EPOCH=%q: %v\n", epoch, err)
			os.Exit(2)
		}
		o.mtime = time.Unix(sec, 0).UTC()
	}
	if err := run(o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "krew-plugin: %v\n", err)
		os.Exit(1)
	}
}

type options struct {
	version, template, build, license, out string
	mtime                                  time.Time // of the archives' files; zero: defaultMtime
}

// defaultMtime dates the archived files when SOURCE_DATE_EPOCH is unset.
var defaultMtime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// manifestData is what the template sees.
type manifestData struct {
	TagName string
	Sha256  map[string]string // by <os>_<arch>
}

var platformDir = regexp.MustCompile(`^([a-z0-9]+)_([a-z0-9]+)$`)

func run(o options, stdout, stderr io.Writer) error {
	if o.mtime.IsZero() {
		o.mtime = defaultMtime
	}
	if err := checkVersion(o.version); err != nil {
		return err
	}
	entries, err := os.ReadDir(o.build)
	if err != nil {
		return err
	}
	var license []byte
	if o.license != "" {
		license, err = os.ReadFile(o.license)
		if errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stderr, "krew-plugin: warning: no %s: the archives hold %s alone\n", o.license, binary)
			license = nil
		} else if err != nil {
			return err
		}
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	data := manifestData{TagName: o.version, Sha256: map[string]string{}}
	var sums []string
	for _, e := range entries {
		m := platformDir.FindStringSubmatch(e.Name())
		if !e.IsDir() || m == nil {
			continue
		}
		goos := m[1]
		name, files, err := archiveContents(filepath.Join(o.build, e.Name()), goos, license)
		if err != nil {
			return err
		}
		archive := fmt.Sprintf("%s_%s_%s%s", binary, o.version, e.Name(), archiveExt(goos))
		var buf bytes.Buffer
		if goos == "windows" {
			err = writeZip(&buf, files, o.mtime)
		} else {
			err = writeTarGz(&buf, files, o.mtime)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", archive, err)
		}
		if err := os.WriteFile(filepath.Join(o.out, archive), buf.Bytes(), 0o644); err != nil {
			return err
		}
		sum := sha256.Sum256(buf.Bytes())
		data.Sha256[e.Name()] = hex.EncodeToString(sum[:])
		sums = append(sums, data.Sha256[e.Name()]+"  "+archive)
		fmt.Fprintf(stdout, "%s (%s, %d bytes)\n", filepath.Join(o.out, archive), name, buf.Len())
	}
	if len(sums) == 0 {
		return fmt.Errorf("no <os>_<arch> directories in %s", o.build)
	}
	sort.Strings(sums)
	if err := os.WriteFile(filepath.Join(o.out, "sha256sums.txt"), []byte(strings.Join(sums, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	manifest, err := render(o.template, data)
	if err != nil {
		return err
	}
	if err := checkManifest(manifest, data); err != nil {
		return fmt.Errorf("the rendered manifest: %w", err)
	}
	dest := filepath.Join(o.out, "desk.yaml")
	if err := os.WriteFile(dest, manifest, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s (krew manifest of %s)\n", dest, o.version)
	return nil
}

// semver is what krew accepts as spec.version: v, then a semantic version.
var semver = regexp.MustCompile(`^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

func checkVersion(v string) error {
	if !semver.MatchString(v) {
		return fmt.Errorf("version %q is not v<semantic version> (krew's spec.version needs one, e.g. v0.3.0)", v)
	}
	return nil
}

func archiveExt(goos string) string {
	if goos == "windows" {
		return ".zip"
	}
	return ".tar.gz"
}

// file is one member of an archive.
type file struct {
	name string
	mode int64
	data []byte
}

// archiveContents reads the binary of one platform directory and adds LICENSE.
func archiveContents(dir, goos string, license []byte) (string, []file, error) {
	name := binary
	if goos == "windows" {
		name += ".exe"
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return "", nil, err
	}
	files := []file{{name: name, mode: 0o755, data: b}}
	if license != nil {
		files = append(files, file{name: "LICENSE", mode: 0o644, data: license})
	}
	return name, files, nil
}

func writeTarGz(w io.Writer, files []file, mtime time.Time) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: mtime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func writeZip(w io.Writer, files []file, mtime time.Time) error {
	zw := zip.NewWriter(w)
	for _, f := range files {
		hdr := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: mtime}
		hdr.SetMode(os.FileMode(f.mode))
		fw, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		if _, err := fw.Write(f.data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// render executes the template; its leading comment (about the template)
// becomes a line saying what rendered it.
func render(templatePath string, data manifestData) ([]byte, error) {
	src, err := os.ReadFile(templatePath)
	if err != nil {
		return nil, err
	}
	lines := strings.SplitAfter(string(src), "\n")
	for len(lines) > 0 && strings.HasPrefix(lines[0], "#") {
		lines = lines[1:]
	}
	t, err := template.New(filepath.Base(templatePath)).Option("missingkey=error").Parse(strings.Join(lines, ""))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# krew manifest of kubectl desk %s, rendered by `make dist-plugin` (hack/krew-plugin) from %s.\n", data.TagName, filepath.ToSlash(templatePath))
	if err := t.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("%s: %w (is every platform of the template built? see PLUGIN_PLATFORMS)", templatePath, err)
	}
	return buf.Bytes(), nil
}

// manifest is the part of a krew manifest checked here; krew itself
// validates the rest when it installs (make test-plugin).
type manifest struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version   string `json:"version"`
		Platforms []struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			URI    string `json:"uri"`
			Sha256 string `json:"sha256"`
			Bin    string `json:"bin"`
		} `json:"platforms"`
	} `json:"spec"`
}

// checkManifest makes sure each platform of the manifest points at an
// archive of this release with its sha256, and each archive is in it.
func checkManifest(raw []byte, data manifestData) error {
	var m manifest
	if err := yaml.Unmarshal(raw, &m); err != nil {
		return err
	}
	if m.Kind != "Plugin" || m.Spec.Version != data.TagName {
		return fmt.Errorf("kind %q, spec.version %q; want Plugin, %s", m.Kind, m.Spec.Version, data.TagName)
	}
	seen := map[string]bool{}
	for _, p := range m.Spec.Platforms {
		key := p.Selector.MatchLabels["os"] + "_" + p.Selector.MatchLabels["arch"]
		want := fmt.Sprintf("%s_%s_%s%s", binary, data.TagName, key, archiveExt(p.Selector.MatchLabels["os"]))
		switch {
		case data.Sha256[key] == "":
			return fmt.Errorf("platform %s: no archive built for it", key)
		case path.Base(p.URI) != want || !strings.Contains(p.URI, "/"+data.TagName+"/"):
			return fmt.Errorf("platform %s: uri %s, want .../%s/%s", key, p.URI, data.TagName, want)
		case p.Sha256 != data.Sha256[key]:
			return fmt.Errorf("platform %s: sha256 %q, want %s", key, p.Sha256, data.Sha256[key])
		}
		seen[key] = true
	}
	for key := range data.Sha256 {
		if !seen[key] {
			return fmt.Errorf("archive for %s built, but the template has no platform for it", key)
		}
	}
	return nil
}
