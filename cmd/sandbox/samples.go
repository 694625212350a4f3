package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// SamplesNamespace is where config/samples are applied.
const SamplesNamespace = "support"

// kindOrder applies policies before the complaints they govern, and
// complaints before the escalations that name them.
var kindOrder = map[string]int{"ServicePolicy": 0, "Complaint": 1, "Escalation": 2}

// readSamples decodes every object of the YAML files in dir, ordered by
// kind and then by file name.
func readSamples(dir string) ([]*unstructured.Unstructured, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var objs []*unstructured.Unstructured
	for _, f := range files {
		got, err := decodeFile(f)
		if err != nil {
			return nil, err
		}
		objs = append(objs, got...)
	}
	sort.SliceStable(objs, func(i, j int) bool { return kindOrder[objs[i].GetKind()] < kindOrder[objs[j].GetKind()] })
	return objs, nil
}

func decodeFile(path string) ([]*unstructured.Unstructured, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	var out []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
}

// createIfAbsent creates obj unless an object of that name exists; it
// reports whether it created it.
func createIfAbsent(ctx context.Context, c client.Client, obj client.Object) (bool, error) {
	err := c.Create(ctx, obj)
	switch {
	case err == nil:
		return true, nil
	case apierrors.IsAlreadyExists(err):
		return false, nil
	default:
		return false, fmt.Errorf("creating %s %s/%s: %w", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetNamespace(), obj.GetName(), err)
	}
}

// ensureNamespace creates the namespace unless it exists.
func ensureNamespace(ctx context.Context, c client.Client, name string) error {
	_, err := createIfAbsent(ctx, c, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	return err
}

// applySamples creates the samples in SamplesNamespace, leaving any that
// exist alone (a restart neither duplicates nor overwrites them).
func applySamples(ctx context.Context, c client.Client, dir string) (created, kept int, err error) {
	objs, err := readSamples(dir)
	if err != nil {
		return 0, 0, err
	}
	if err := ensureNamespace(ctx, c, SamplesNamespace); err != nil {
		return 0, 0, err
	}
	for _, sec := range sampleSecrets(objs) {
		if _, err := createIfAbsent(ctx, c, sec); err != nil {
			return 0, 0, err
		}
	}
	for _, o := range objs {
		o.SetNamespace(SamplesNamespace)
		ok, err := createIfAbsent(ctx, c, o)
		if err != nil {
			return created, kept, err
		}
		if ok {
			created++
		} else {
			kept++
		}
	}
	return created, kept, nil
}

// sampleSecrets are the signing Secrets the sample policies' webhooks name,
// each key with a generated Standard Webhooks key, so that the samples are
// valid policies (their example receivers stay unreachable).
func sampleSecrets(objs []*unstructured.Unstructured) []*corev1.Secret {
	byName := map[string]*corev1.Secret{}
	var out []*corev1.Secret
	for _, o := range objs {
		if o.GetKind() != "ServicePolicy" {
			continue
		}
		notify, _, _ := unstructured.NestedSlice(o.Object, "spec", "notify")
		for _, n := range notify {
			m, _ := n.(map[string]any)
			name, _, _ := unstructured.NestedString(m, "webhook", "secretRef", "name")
			key, _, _ := unstructured.NestedString(m, "webhook", "secretRef", "key")
			if name == "" || key == "" {
				continue
			}
			s := byName[name]
			if s == nil {
				s = &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: SamplesNamespace,
					Labels: map[string]string{demoLabel: demoOwner}}, StringData: map[string]string{}}
				byName[name] = s
				out = append(out, s)
			}
			if _, ok := s.StringData[key]; !ok {
				s.StringData[key], _ = newSigningKey()
			}
		}
	}
	return out
}
