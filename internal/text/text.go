// Package text holds the small wording helpers the operator's messages and
// kubectl desk share, so both spell an empty value the same way.
package text

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
