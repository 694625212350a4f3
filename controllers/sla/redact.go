package sla

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// Fingerprint is a short stable hash of a spec part, to recognise it later.
func Fingerprint(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// RedactCustomer replaces, in a sentence bound for webhook receivers, every
// whole-word occurrence (any case) of the customer's name, company or contact
// details, which free-text fields such as notes and summaries may quote.
func RedactCustomer(s string, c *supportv1.Customer) string {
	secrets := []string{c.Name, c.Company}
	if c.Contact != nil {
		secrets = append(secrets, c.Contact.Email, c.Contact.Phone, c.Contact.Address)
	}
	// Longest first, so that a company inside an email address does not
	// leave the rest of the address behind.
	sort.SliceStable(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	for _, secret := range secrets {
		secret = strings.TrimSpace(secret)
		if len(secret) < 2 {
			continue
		}
		s = replaceWord(s, secret, "[customer]")
	}
	return s
}

// replaceWord replaces the case-insensitive occurrences of word in s that
// are not part of a longer word (no letter or digit on either side).
func replaceWord(s, word, with string) string {
	re, err := regexp.Compile("(?i)" + regexp.QuoteMeta(word))
	if err != nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range re.FindAllStringIndex(s, -1) {
		before, _ := utf8.DecodeLastRuneInString(s[:m[0]])
		after, _ := utf8.DecodeRuneInString(s[m[1]:])
		if isWordRune(before) || isWordRune(after) {
			continue
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(with)
		last = m[1]
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
