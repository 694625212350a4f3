//go:build !linux

package main

// No wrapper here: without PR_SET_PDEATHSIG, etcd and kube-apiserver
// outlive a sandbox that is killed hard (kill -9); Ctrl-C still stops them.

// runAsChild does nothing where the wrapper is not supported.
func runAsChild() {}

// prepareWrapper returns the assets directory itself: the binaries run directly.
func prepareWrapper(_, assets string) (string, error) { return assets, nil }
