//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// Environment of the control-plane processes started through the wrapper.
const (
	envChildAssets = "SERVICEDESK_SANDBOX_ASSETS"
	envChildParent = "SERVICEDESK_SANDBOX_PARENT"
)

// On Linux etcd and kube-apiserver are started through the sandbox binary
// itself (the wrapper), which asks the kernel to kill them when the sandbox
// dies (PR_SET_PDEATHSIG) and then becomes the real binary (exec).

// runAsChild handles the wrapper mode: when the sandbox binary was started
// as "etcd" or "kube-apiserver" (a symlink of the wrapper directory), it sets
// the parent-death signal and execs the real binary. It returns only when
// not in wrapper mode.
func runAsChild() {
	assets := os.Getenv(envChildAssets)
	name := filepath.Base(os.Args[0])
	if assets == "" || (name != "etcd" && name != "kube-apiserver") {
		return
	}
	// The signal is per thread, and exec must run on the thread that set it.
	runtime.LockOSThread()
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0); errno != 0 {
		childFail(name, fmt.Errorf("prctl(PR_SET_PDEATHSIG): %v", errno))
	}
	if strconv.Itoa(os.Getppid()) != os.Getenv(envChildParent) {
		os.Exit(1) // the sandbox is already gone
	}
	real := filepath.Join(assets, name)
	err := syscall.Exec(real, append([]string{real}, os.Args[1:]...), childEnv(os.Environ()))
	childFail(name, err)
}

func childFail(name string, err error) {
	fmt.Fprintf(os.Stderr, "sandbox: starting %s: %v\n", name, err)
	os.Exit(127)
}

// childEnv is env without the wrapper's own variables.
func childEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, envChildAssets+"=") && !strings.HasPrefix(kv, envChildParent+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// prepareWrapper makes dir hold etcd and kube-apiserver symlinks to the
// sandbox binary, and sets the environment the wrapper reads. The caller
// must start the children from a thread that lives as long as the process
// (main locks its goroutine to its thread).
func prepareWrapper(dir, assets string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for _, b := range requiredBinaries {
		if err := os.Symlink(self, filepath.Join(dir, b)); err != nil {
			return "", err
		}
	}
	if err := os.Setenv(envChildAssets, assets); err != nil {
		return "", err
	}
	return dir, os.Setenv(envChildParent, strconv.Itoa(os.Getpid()))
}
