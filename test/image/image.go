package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// inspectImage checks the image's user, entrypoint, layers and labels.
func inspectImage(ctx context.Context, o options) error {
	out, err := exec.CommandContext(ctx, o.podman, "image", "inspect", o.image).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("podman image inspect: %v: %s (build it with make image)", err, bytes.TrimSpace(ee.Stderr))
		}
		return err
	}
	var images []struct {
		Size   int64
		Os     string
		Config struct {
			User       string
			Entrypoint []string
			Cmd        []string
			Labels     map[string]string
		}
		RootFS struct{ Layers []string }
	}
	if err := json.Unmarshal(out, &images); err != nil || len(images) != 1 {
		return fmt.Errorf("podman image inspect: %d images, %v", len(images), err)
	}
	img := images[0]
	var problems []string
	if img.Config.User != nonRoot {
		problems = append(problems, fmt.Sprintf("user %q, want %s", img.Config.User, nonRoot))
	}
	if strings.Join(img.Config.Entrypoint, " ") != "/manager" {
		problems = append(problems, fmt.Sprintf("entrypoint %q, want [/manager]", img.Config.Entrypoint))
	}
	if len(img.RootFS.Layers) != 1 {
		problems = append(problems, fmt.Sprintf("%d layers, want 1 (the manager FROM scratch)", len(img.RootFS.Layers)))
	}
	want := map[string]string{"org.opencontainers.image.version": o.version, "org.opencontainers.image.revision": o.revision,
		"org.opencontainers.image.source": "", "org.opencontainers.image.title": "servicedesk-operator"}
	for k, v := range want {
		got, ok := img.Config.Labels[k]
		switch {
		case !ok || got == "":
			problems = append(problems, "no label "+k)
		case v != "" && got != v:
			problems = append(problems, fmt.Sprintf("label %s=%q, want %q", k, got, v))
		}
	}
	say("  user %s, entrypoint %v, %d layer(s), %.1f MB, version %s, revision %s, source %s",
		img.Config.User, img.Config.Entrypoint, len(img.RootFS.Layers), float64(img.Size)/1e6,
		img.Config.Labels["org.opencontainers.image.version"], short(img.Config.Labels["org.opencontainers.image.revision"]),
		img.Config.Labels["org.opencontainers.image.source"])
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// checkVersion checks what the image's manager --version prints.
func checkVersion(ctx context.Context, o options, podmanRun []string) error {
	out, err := exec.CommandContext(ctx, o.podman, append(append(podmanRun, "--rm", o.image), "--version")...).CombinedOutput()
	line := strings.TrimSpace(string(out))
	if err != nil {
		return fmt.Errorf("%v: %s", err, line)
	}
	say("  %s", line)
	if want := "servicedesk-operator " + o.version + " "; o.version != "" && !strings.HasPrefix(line, want) {
		return fmt.Errorf("prints %q, want it to start with %q", line, want)
	}
	if o.revision != "" && !strings.Contains(line, "(revision "+short(o.revision)) {
		return fmt.Errorf("prints %q, want revision %s", line, short(o.revision))
	}
	return nil
}

// short is a revision's first 12 characters.
func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}
