package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

const module = "github.com/servicedesk-operator/servicedesk-operator"

// The Dockerfile builds the same image as hack/build-image.sh (make image):
// it copies every directory of the module the manager is built from, sets
// the version through the same -X flags, runs as the same user with the
// same entrypoint and carries the same labels.
func TestDockerfileBuildsWhatBuildImageBuilds(t *testing.T) {
	root := testenv.RepoRoot()
	read := func(rel string) string {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	dockerfile, script := read("Dockerfile"), read("hack/build-image.sh")

	list := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "./cmd")
	list.Dir, list.Stderr = root, os.Stderr
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dirs := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		if rel, ok := strings.CutPrefix(p, module+"/"); ok {
			dirs[strings.SplitN(rel, "/", 2)[0]] = true
		}
	}
	if len(dirs) == 0 {
		t.Fatal("go list found no package of the module")
	}
	var missing []string
	for d := range dirs {
		if !strings.Contains(dockerfile, "\nCOPY "+d+"/ "+d+"/\n") {
			missing = append(missing, d+"/")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("the manager is built from %v, which the Dockerfile does not COPY", missing)
	}

	for _, x := range []string{module + "/internal/version.Version=${VERSION}", module + "/internal/version.Revision=${REVISION}"} {
		if !strings.Contains(dockerfile, "-X "+x) {
			t.Errorf("the Dockerfile's go build lacks -X %s", x)
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "\nFROM scratch\n", "\nUSER " + nonRoot + "\n", "\nENTRYPOINT [\"/manager\"]\n"} {
		if !strings.Contains(dockerfile, want) {
			t.Errorf("the Dockerfile lacks %q", want)
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "buildah from --name \"servicedesk-image-$$\" scratch", "--user " + nonRoot, `--entrypoint '["/manager"]'`} {
		if !strings.Contains(script, want) {
			t.Errorf("hack/build-image.sh lacks %q", want)
		}
	}

	// Labels: --label k=v in the script, k=v in the Dockerfile's LABEL.
	labels := func(text, prefix string) map[string]string {
		m := map[string]string{}
		re := regexp.MustCompile(prefix + `(org\.opencontainers\.image\.[a-z]+)=("[^"]*"|\S+)`)
		for _, s := range re.FindAllStringSubmatch(text, -1) {
			m[s[1]] = strings.Trim(s[2], `"`)
		}
		return m
	}
	fromScript, fromDockerfile := labels(script, `--label `), labels(dockerfile, `(?m)(?:LABEL |^\s+)`)
	norm := strings.NewReplacer("${VERSION}", "V", "${REVISION}", "R", "${SOURCE}", "S").Replace
	if len(fromScript) < 5 {
		t.Fatalf("hack/build-image.sh: labels %v", fromScript)
	}
	for k, v := range fromScript {
		if got, ok := fromDockerfile[k]; !ok || norm(got) != norm(v) {
			t.Errorf("label %s: hack/build-image.sh %q, Dockerfile %q", k, v, got)
		}
	}
	for k := range fromDockerfile {
		if _, ok := fromScript[k]; !ok {
			t.Errorf("label %s only in the Dockerfile", k)
		}
	}
}
