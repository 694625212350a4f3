package ledger

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The ledger is pure: its files import no client, no clock, no logger and
// no network.
func TestImportsNothingImpure(t *testing.T) {
	forbidden := []string{"sigs.k8s.io/controller-runtime", "k8s.io/client-go", "k8s.io/utils/clock", "k8s.io/klog", "github.com/go-logr", "log", "net", "os"}
	for _, imp := range packageImports(t) {
		for _, f := range forbidden {
			if imp.path == f || strings.HasPrefix(imp.path, f+"/") {
				t.Errorf("%s imports %s", imp.file, imp.path)
			}
		}
	}
}

type fileImport struct{ file, path string }

// packageImports lists the imports of the package's non-test files.
func packageImports(t *testing.T) []fileImport {
	t.Helper()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var out []fileImport
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, spec := range f.Imports {
			p, _ := strconv.Unquote(spec.Path.Value)
			out = append(out, fileImport{name, p})
		}
	}
	return out
}
