//go:build !unix

package main

import (
	"errors"
	"os"
)

// errLocked means another sandbox holds the state directory.
var errLocked = errors.New("locked")

// lockDir only creates path: there is no advisory lock on this platform.
func lockDir(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
}
