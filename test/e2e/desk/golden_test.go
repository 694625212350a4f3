package desk_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var (
	timeRe  = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)
	idRe    = regexp.MustCompile(`\b[0-9a-f]{32}\b`)
	durRe   = regexp.MustCompile(`\b\d+(d|h|m|s)(\d+(h|m|s))?\b`)
	spaceRe = regexp.MustCompile(`  +`)
)

// normalise replaces what differs from run to run: the generated names
// (given as name → placeholder), times, event ids and durations; and, as
// columns widen with the values, runs of spaces become two.
func normalise(s string, names map[string]string) string {
	// Longer names first: an escalation's name starts with its complaint's.
	keys := make([]string, 0, len(names))
	for name := range names {
		keys = append(keys, name)
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	for _, name := range keys {
		s = strings.ReplaceAll(s, name, names[name])
	}
	s = timeRe.ReplaceAllString(s, "<TIME>")
	s = idRe.ReplaceAllString(s, "<ID>")
	s = durRe.ReplaceAllString(s, "<DUR>")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(spaceRe.ReplaceAllString(l, "  "), " ")
	}
	return strings.Join(lines, "\n")
}

// expectGolden compares normalised output with testdata/<name>.golden, or
// rewrites the file with -update.
func expectGolden(name, got string, names map[string]string) {
	GinkgoHelper()
	got = normalise(got, names)
	path := filepath.Join("testdata", name+".golden")
	if *update {
		Expect(os.WriteFile(path, []byte(got), 0o644)).To(Succeed())
		return
	}
	want, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred(), "no golden file %s: run go test ./test/e2e/desk/ -args -update", path)
	Expect(got).To(Equal(string(want)), "output differs from %s (rewrite with -args -update if the change is intended)", path)
}
