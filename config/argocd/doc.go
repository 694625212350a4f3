// Package argocd holds the Argo CD health checks (health.lua) of the
// support.servicedesk.dev kinds, in the layout of Argo CD's
// resource_customizations directory, and the argocd-cm snippet generated
// from them. Its tests run each check on its testdata with gopher-lua, the
// interpreter Argo CD embeds.
package argocd
