// Package text holds the small wording helpers the operator's messages and
// kubectl desk share, so both spell an empty value the same way.
package text

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// OrDash is s, or "-" when s is empty: a table cell or a level without a name.
func OrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// OrNone is s, or "(none)" when s is empty: a policy or person in a sentence.
func OrNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// JoinName is the object name <prefix>-<suffix>, shortened with a hash of
// the whole when longer than an object name may be (253 characters), so
// names derived from another object's name are deterministic and valid.
func JoinName(prefix, suffix string) string {
	name := prefix + "-" + suffix
	if len(name) <= 253 {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	// The cut must not end a DNS label with '.' or '-' (before the '-' of
	// the hash), or the name would be refused.
	cut := strings.TrimRight(name[:253-17], ".-")
	return cut + "-" + hex.EncodeToString(sum[:])[:16]
}
