package main

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// modulePath identifies the repository's go.mod.
const modulePath = "github.com/servicedesk-operator/servicedesk-operator"

// repoRoot finds the repository: the first directory upwards of the working
// directory whose go.mod declares the module, else the one this file was
// compiled from (go run from elsewhere).
func repoRoot() (string, error) {
	if wd, err := os.Getwd(); err == nil {
		if root := findModuleRoot(wd); root != "" {
			return root, nil
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		if root := findModuleRoot(filepath.Dir(file)); root != "" {
			return root, nil
		}
	}
	return "", errors.New("cannot find the servicedesk-operator repository (its go.mod): run the sandbox from inside it")
}

func findModuleRoot(dir string) string {
	for {
		if declaresModule(filepath.Join(dir, "go.mod")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func declaresModule(gomod string) bool {
	f, err := os.Open(gomod)
	if err != nil {
		return false
	}
	defer func() { _ = f.Close() }() // read only
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "module ") {
			return strings.TrimSpace(strings.TrimPrefix(line, "module ")) == modulePath
		}
	}
	return false
}
