package testenv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// AdmissionGroup is the API group of the admission policy and its binding.
const AdmissionGroup = "admissionregistration.k8s.io"

// AdmissionPolicy returns the admission policy servicedesk-approvals and its
// binding as the product ships them: config/admission as kustomize build
// config/default renders it (names prefixed, no namespace).
func AdmissionPolicy() ([]*unstructured.Unstructured, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join(RepoRoot(), "config", "default"))
	if err != nil {
		return nil, fmt.Errorf("kustomize build config/default: %w", err)
	}
	var out []*unstructured.Unstructured
	for _, r := range m.Resources() {
		if r.GetGvk().Group != AdmissionGroup {
			continue
		}
		j, err := r.MarshalJSON()
		if err != nil {
			return nil, err
		}
		u := &unstructured.Unstructured{}
		if err := json.Unmarshal(j, &u.Object); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	if len(out) == 0 {
		return nil, errors.New("config/default renders no admission policy")
	}
	return out, nil
}

// InstallAdmissionPolicy creates the shipped admission policy and its
// binding (AdmissionPolicy), then waits until the API server enforces
// them: a policy takes effect once the API server has loaded and
// type-checked it. enforced probes that: it reports whether a write the
// policy refuses is refused (a dry run, say). It returns the objects
// created, for RemoveAdmissionPolicy.
func InstallAdmissionPolicy(ctx context.Context, c client.Client, enforced func(context.Context) (bool, error)) ([]*unstructured.Unstructured, error) {
	objs, err := AdmissionPolicy()
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil {
			return nil, fmt.Errorf("creating %s %s: %w", o.GetKind(), o.GetName(), err)
		}
	}
	return objs, waitFor(ctx, enforced, true)
}

// RemoveAdmissionPolicy deletes what InstallAdmissionPolicy created and
// waits until the API server no longer enforces it (enforced false).
func RemoveAdmissionPolicy(ctx context.Context, c client.Client, objs []*unstructured.Unstructured, enforced func(context.Context) (bool, error)) error {
	for i := len(objs) - 1; i >= 0; i-- {
		if err := c.Delete(ctx, objs[i]); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return waitFor(ctx, enforced, false)
}

func waitFor(ctx context.Context, enforced func(context.Context) (bool, error), want bool) error {
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		got, err := enforced(ctx)
		return err == nil && got == want, nil
	})
}

// AdmissionPolicyName is the name config/default gives the admission policy
// and its binding.
const AdmissionPolicyName = "servicedesk-approvals"

// AdmissionEnforced probes, as c, whether the API server enforces the
// admission policy: a dry run that only the policy refuses (an escalation
// in namespace acknowledged in someone else's name). For
// InstallAdmissionPolicy and RemoveAdmissionPolicy.
func AdmissionEnforced(c client.Client, namespace string) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		e := &supportv1.Escalation{ObjectMeta: metav1.ObjectMeta{GenerateName: "probe-", Namespace: namespace},
			Spec: supportv1.EscalationSpec{ComplaintName: "probe", Level: 1, Reason: supportv1.ReasonFirstResponseBreached,
				Acknowledgement: &supportv1.EscalationAcknowledgement{By: "probe-nobody"}}}
		err := c.Create(ctx, e, client.DryRunAll)
		switch {
		case err == nil:
			return false, nil
		case apierrors.IsForbidden(err) && strings.Contains(err.Error(), "ValidatingAdmissionPolicy '"+AdmissionPolicyName+"'"):
			return true, nil
		}
		return false, err
	}
}

// EditorRole is the ClusterRole config/rbac ships for the people who work
// complaints (complaint_editor_role.yaml), unprefixed.
func EditorRole() (*rbacv1.ClusterRole, error) {
	var role rbacv1.ClusterRole
	if err := readYAML(filepath.Join("config", "rbac", "complaint_editor_role.yaml"), &role); err != nil {
		return nil, err
	}
	return &role, nil
}

// FulfillerRole is the ClusterRole config/rbac ships for the departments
// that carry out remedies (remedy_fulfiller_role.yaml), unprefixed.
func FulfillerRole() (*rbacv1.ClusterRole, error) {
	var role rbacv1.ClusterRole
	if err := readYAML(filepath.Join("config", "rbac", "remedy_fulfiller_role.yaml"), &role); err != nil {
		return nil, err
	}
	return &role, nil
}
