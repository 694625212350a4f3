package argocd

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite argocd-cm.yaml from the health.lua files")

const (
	group         = "support.servicedesk.dev"
	configMapFile = "argocd-cm.yaml"
)

// kinds are the kinds that must have a health check.
var kinds = []string{"Complaint", "Escalation", "Remedy", "ServicePolicy"}

// healthStatus is what a health.lua returns (Argo CD's HealthStatus).
type healthStatus struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// healthTests is the format of Argo CD's health_test.yaml.
type healthTests struct {
	Tests []struct {
		HealthStatus healthStatus `json:"healthStatus"`
		InputPath    string       `json:"inputPath"`
	} `json:"tests"`
}

// validStatuses are the health codes Argo CD accepts from a script.
var validStatuses = []string{"Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"}

// statusLiteral finds the health codes a script can return.
var statusLiteral = regexp.MustCompile(`hs\.status = "(\w+)"`)

func TestKindsHaveHealthChecks(t *testing.T) {
	found, err := filepath.Glob(filepath.Join(group, "*", "health.lua"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range found {
		got = append(got, filepath.Base(filepath.Dir(f)))
	}
	sort.Strings(got)
	if !slices.Equal(got, kinds) {
		t.Fatalf("health.lua found for %v, want %v", got, kinds)
	}
}

func TestHealthLua(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			dir := filepath.Join(group, kind)
			script := readFile(t, filepath.Join(dir, "health.lua"))
			var suite healthTests
			if err := yaml.UnmarshalStrict([]byte(readFile(t, filepath.Join(dir, "health_test.yaml"))), &suite); err != nil {
				t.Fatalf("health_test.yaml: %v", err)
			}
			if len(suite.Tests) < 3 {
				t.Errorf("%d test cases, want at least 3", len(suite.Tests))
			}

			// Every status the script can return is tested, and every
			// testdata file is a test case.
			tested := map[string]bool{}
			inputs := map[string]bool{}
			for _, tc := range suite.Tests {
				tested[tc.HealthStatus.Status] = true
				inputs[filepath.Clean(tc.InputPath)] = true
			}
			for _, m := range statusLiteral.FindAllStringSubmatch(script, -1) {
				if !tested[m[1]] {
					t.Errorf("health.lua can return %s, which no test case expects", m[1])
				}
			}
			files, err := filepath.Glob(filepath.Join(dir, "testdata", "*.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if rel, _ := filepath.Rel(dir, f); !inputs[rel] {
					t.Errorf("%s is in no test case", rel)
				}
			}

			for _, tc := range suite.Tests {
				t.Run(strings.TrimSuffix(filepath.Base(tc.InputPath), ".yaml"), func(t *testing.T) {
					var obj map[string]any
					if err := yaml.Unmarshal([]byte(readFile(t, filepath.Join(dir, tc.InputPath))), &obj); err != nil {
						t.Fatalf("%s: %v", tc.InputPath, err)
					}
					if av, _ := obj["apiVersion"].(string); !strings.HasPrefix(av, group+"/") || obj["kind"] != kind {
						t.Fatalf("%s is a %v %v, want a %s/%s", tc.InputPath, obj["apiVersion"], obj["kind"], group, kind)
					}
					got, err := runHealth(script, obj)
					if err != nil {
						t.Fatal(err)
					}
					if got != tc.HealthStatus {
						t.Errorf("health = %+v, want %+v", got, tc.HealthStatus)
					}
				})
			}
		})
	}
}

// TestArgoCDConfigMap checks that argocd-cm.yaml carries every health.lua
// byte for byte; -update rewrites it.
func TestArgoCDConfigMap(t *testing.T) {
	scripts := map[string]string{}
	for _, kind := range kinds {
		scripts[kind] = readFile(t, filepath.Join(group, kind, "health.lua"))
	}
	want, err := renderConfigMap(scripts)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(configMapFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := readFile(t, configMapFile)

	var cm struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Data map[string]string `json:"data"`
	}
	if err := yaml.UnmarshalStrict([]byte(got), &cm); err != nil {
		t.Fatalf("%s: %v", configMapFile, err)
	}
	if cm.APIVersion != "v1" || cm.Kind != "ConfigMap" || cm.Metadata.Name != "argocd-cm" {
		t.Errorf("%s is %s %s %s, want v1 ConfigMap argocd-cm", configMapFile, cm.APIVersion, cm.Kind, cm.Metadata.Name)
	}
	if len(cm.Data) != len(kinds) {
		t.Errorf("%s has %d keys, want %d", configMapFile, len(cm.Data), len(kinds))
	}
	for kind, script := range scripts {
		key := configMapKey(kind)
		inline, ok := cm.Data[key]
		if !ok {
			t.Errorf("%s lacks %s", configMapFile, key)
			continue
		}
		if strings.TrimSuffix(inline, "\n") != strings.TrimSuffix(script, "\n") {
			t.Errorf("%s: %s differs from %s/%s/health.lua; run go test ./config/argocd -run TestArgoCDConfigMap -update", configMapFile, key, group, kind)
		}
	}
	if got != string(want) {
		t.Errorf("%s is not what -update writes; run go test ./config/argocd -run TestArgoCDConfigMap -update", configMapFile)
	}
}

// configMapKey is the argocd-cm key of a kind's health check.
func configMapKey(kind string) string {
	return "resource.customizations.health." + group + "_" + kind
}

// renderConfigMap writes the argocd-cm snippet with each script as a
// literal block.
func renderConfigMap(scripts map[string]string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`# Argo CD health checks of the servicedesk-operator kinds: merge into the
# argocd-cm ConfigMap of Argo CD's namespace (see README.md).
# Generated from support.servicedesk.dev/*/health.lua by
#   go test ./config/argocd -run TestArgoCDConfigMap -update
# Do not edit by hand.
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
data:
`)
	names := make([]string, 0, len(scripts))
	for kind := range scripts {
		names = append(names, kind)
	}
	sort.Strings(names)
	for _, kind := range names {
		script := strings.TrimSuffix(scripts[kind], "\n")
		if strings.HasPrefix(script, " ") || strings.Contains(script, "\t") {
			return nil, fmt.Errorf("%s/health.lua: indent with spaces, and not on its first line", kind)
		}
		fmt.Fprintf(&b, "  %s: |\n", configMapKey(kind))
		for _, line := range strings.Split(script, "\n") {
			if line == "" {
				b.WriteString("\n")
				continue
			}
			b.WriteString("    " + line + "\n")
		}
	}
	return b.Bytes(), nil
}

// runHealth runs a health script the way Argo CD runs an argocd-cm one:
// only the package, base and table libraries, a one second limit, and the
// object as the global obj.
func runHealth(script string, obj map[string]any) (healthStatus, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), Protect: true}, lua.LString(lib.name)); err != nil {
			return healthStatus{}, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)

	value, err := toLua(l, obj)
	if err != nil {
		return healthStatus{}, err
	}
	l.SetGlobal("obj", value)
	if err := l.DoString(script); err != nil {
		return healthStatus{}, err
	}
	table, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return healthStatus{}, fmt.Errorf("script returned %s, want a table", l.Get(-1).Type())
	}
	var hs healthStatus
	for field, dst := range map[string]*string{"status": &hs.Status, "message": &hs.Message} {
		switch v := table.RawGetString(field).(type) {
		case lua.LString:
			*dst = string(v)
		case *lua.LNilType:
		default:
			return healthStatus{}, fmt.Errorf("%s is a %s, want a string", field, v.Type())
		}
	}
	if !slices.Contains(validStatuses, hs.Status) {
		return healthStatus{}, fmt.Errorf("status %q is not one of %v", hs.Status, validStatuses)
	}
	return hs, nil
}

// toLua converts a decoded JSON value to Lua as Argo CD does: objects and
// arrays become tables, numbers LNumber, null nil.
func toLua(l *lua.LState, v any) (lua.LValue, error) {
	switch v := v.(type) {
	case nil:
		return lua.LNil, nil
	case bool:
		return lua.LBool(v), nil
	case string:
		return lua.LString(v), nil
	case float64:
		return lua.LNumber(v), nil
	case int:
		return lua.LNumber(v), nil
	case int32:
		return lua.LNumber(v), nil
	case int64:
		return lua.LNumber(v), nil
	case []any:
		t := l.CreateTable(len(v), 0)
		for _, item := range v {
			lv, err := toLua(l, item)
			if err != nil {
				return nil, err
			}
			t.Append(lv)
		}
		return t, nil
	case map[string]any:
		t := l.CreateTable(0, len(v))
		for key, item := range v {
			lv, err := toLua(l, item)
			if err != nil {
				return nil, err
			}
			t.RawSetString(key, lv)
		}
		return t, nil
	}
	return nil, fmt.Errorf("cannot convert %T to Lua", v)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
