package desk

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"k8s.io/cli-runtime/pkg/printers"
)

// Escape makes text that came from an API object safe to print on an
// agent's terminal, on one line: anyone who can file a complaint writes its
// free text, and raw control characters in it could clear the screen,
// retitle the window or plant a hyperlink (CVE-2021-25743, which kubectl
// fixed with printers.EscapeTerminal). ESC and CR are escaped as kubectl
// escapes them (^[ and \r); the other C0 controls in caret notation (BEL
// ^G, DEL ^?), except newline and tab as \n and \t, so that text cannot
// break a table's rows or columns; C1 controls (8-bit CSI, OSC) as \u009b,
// and the bidirectional embedding, override and isolate controls
// (U+202A-U+202E, U+2066-U+2069: "Trojan Source", text that reads in
// another order than it is) as \u202e; bytes that are not UTF-8 as \xff.
// Everything else is printed as is.
//
// Everything the plugin prints for people passes through here before the
// plugin adds its own colours (Table.Write escapes every cell); JSON and
// YAML output keep the exact text.
func Escape(s string) string {
	return escape(s, false)
}

// EscapeLines is Escape for text of several lines, such as an error: it
// keeps newlines and tabs.
func EscapeLines(s string) string {
	return escape(s, true)
}

func escape(s string, keepLines bool) string {
	if safe(s, keepLines) {
		return s
	}
	s = printers.EscapeTerminal(s)
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case (r == '\n' || r == '\t') && keepLines:
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			b.WriteByte('^')
			b.WriteByte(byte(r) ^ 0x40)
		case r >= 0x80 && r <= 0x9f, isBidiControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// safe reports whether s holds nothing to escape: the common case.
func safe(s string, keepLines bool) bool {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if (c < 0x20 || c == 0x7f) && !(keepLines && (c == '\n' || c == '\t')) {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r <= 0x9f || isBidiControl(r) {
			return false
		}
		i += size
	}
	return true
}

// isBidiControl reports the explicit bidirectional formatting characters
// that change the order text is shown in: embeddings and overrides
// (U+202A-U+202E) and isolates (U+2066-U+2069).
func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}
