package v1alpha1

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestEventTypesMatchTheEnum: EventTypes lists exactly the schema's enum of
// EventType, in its order (what the metrics export at 0 and the docs list).
func TestEventTypesMatchTheEnum(t *testing.T) {
	src, err := os.ReadFile("common_types.go")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`\+kubebuilder:validation:Enum=(\S+)\ntype EventType string`).FindSubmatch(src)
	if m == nil {
		t.Fatal("no Enum marker right above type EventType")
	}
	var got []string
	for _, e := range EventTypes {
		got = append(got, string(e))
	}
	if want := strings.Split(string(m[1]), ";"); !slices.Equal(got, want) {
		t.Fatalf("EventTypes = %v, want the enum %v", got, want)
	}
}
