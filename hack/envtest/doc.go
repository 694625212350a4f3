// Package envtest tests hack/build-envtest.sh, which gets the control-plane
// binaries of the tests and the sandbox (kube-apiserver, etcd, kubectl):
// from the user cache, downloaded by setup-envtest, or built from source.
// The tests serve a release index and archive of stand-in binaries on
// loopback, so the download path runs without the internet and without
// building anything.
package envtest
