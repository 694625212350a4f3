package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/servicedesk-operator/servicedesk-operator/internal/version"
)

// run runs kubectl desk with args, without an API server.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := NewRootCmd(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

func withVersion(t *testing.T, v, rev string) {
	t.Helper()
	oldV, oldR := version.Version, version.Revision
	version.Version, version.Revision = v, rev
	t.Cleanup(func() { version.Version, version.Revision = oldV, oldR })
}

func TestVersionPrintsOneLine(t *testing.T) {
	withVersion(t, "v0.3.0-4-gabc1234-dirty", "abc1234def567890abc1234def567890abc12345")
	out, err := run(t, "version")
	if err != nil {
		t.Fatal(err)
	}
	i := version.Get()
	want := "kubectl-desk v0.3.0-4-gabc1234-dirty (revision abc1234def56, " + i.GoVersion + ", " + i.Platform + ")\n"
	if out != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

func TestVersionJSON(t *testing.T) {
	withVersion(t, "v0.3.0", "abc1234def567890abc1234def567890abc12345")
	out, err := run(t, "version", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	i := version.Get()
	want := map[string]string{"version": "v0.3.0", "revision": "abc1234def567890abc1234def567890abc12345", "goVersion": i.GoVersion, "platform": i.Platform}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
}

func TestVersionRefusesOtherOutputsAndArguments(t *testing.T) {
	if _, err := run(t, "version", "-o", "wide"); err == nil || !strings.Contains(err.Error(), `unknown output format "wide"`) {
		t.Errorf("-o wide: got %v, want unknown output format", err)
	}
	if _, err := run(t, "version", "extra"); err == nil {
		t.Error("an argument: got no error")
	}
}

// Without -ldflags (go test, go run) the version is what the toolchain
// recorded, never empty.
func TestVersionWithoutLdflags(t *testing.T) {
	withVersion(t, "", "")
	out, err := run(t, "version")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "kubectl-desk ") || strings.Contains(out, "kubectl-desk  ") || strings.Count(out, "\n") != 1 {
		t.Errorf("got %q", out)
	}
}
