package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// owned are the chart paths the generator writes: a file, or a directory
// (ending in /) whose every file it writes.
var owned = []string{"Chart.yaml", "templates/crds/", "templates/rbac/", "templates/admission/", "files/"}

// Write puts files into the chart directory, rewriting only those that
// changed, and deletes every other file of the paths the generator owns.
func Write(chart string, files map[string][]byte) error {
	existing, err := Owned(chart)
	if err != nil {
		return err
	}
	for name := range existing {
		if _, ok := files[name]; !ok {
			if err := os.Remove(filepath.Join(chart, filepath.FromSlash(name))); err != nil {
				return err
			}
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if bytes.Equal(existing[name], files[name]) {
			continue
		}
		p := filepath.Join(chart, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Owned returns the files now in the chart directory at the paths the
// generator owns.
func Owned(chart string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, o := range owned {
		if !strings.HasSuffix(o, "/") {
			b, err := os.ReadFile(filepath.Join(chart, o))
			if err == nil {
				out[o] = b
			} else if !os.IsNotExist(err) {
				return nil, err
			}
			continue
		}
		root := filepath.Join(chart, filepath.FromSlash(o))
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) && p == root {
					return nil
				}
				return err
			}
			if d.IsDir() {
				return nil
			}
			rel, err := filepath.Rel(chart, p)
			if err != nil {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[filepath.ToSlash(rel)] = b
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
