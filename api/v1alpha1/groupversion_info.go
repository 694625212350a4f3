// Package v1alpha1 contains the API of the service desk: Complaint,
// ServicePolicy and Escalation, group support.servicedesk.dev.
// +kubebuilder:object:generate=true
// +groupName=support.servicedesk.dev
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version of these objects.
	GroupVersion = schema.GroupVersion{Group: "support.servicedesk.dev", Version: "v1alpha1"}

	// SchemeBuilder adds the types of this group-version to a scheme.
	//nolint:staticcheck // kubebuilder's scaffold: the types register themselves in init with it; the api package already imports controller-runtime for it.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the types of this group-version to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
