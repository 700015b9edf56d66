// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package testsupport

import (
	"crypto/rand"
	"strings"
	"testing"
)

// MaxNameLength is the longest name UniqueName returns (PostgreSQL's identifier limit; MySQL allows
// 64 for databases).
const MaxNameLength = 63

// shortNameLength is the length UniqueName keeps to when the prefix allows it: MySQL 8 user names
// are limited to 32 characters.
const shortNameLength = 32

const suffixLength = 8

// UniqueName returns a lower-case identifier (letters, digits, underscore, starting with a letter,
// at most 63 characters and, for prefixes up to 20 characters, at most 32) that no other call
// returns in this or a concurrent test run: the prefix, as much of the test's name as fits, and 8
// random characters, e.g. "ws_createimport_k3f9x2qa". Tests running in parallel on one server use it
// for database and user names.
func UniqueName(tb testing.TB, prefix string) string {
	tb.Helper()
	p := sanitize(prefix)
	if p == "" || p[0] < 'a' || p[0] > 'z' {
		p = "t" + p
	}
	if len(p) > MaxNameLength-1-suffixLength {
		p = strings.TrimRight(p[:MaxNameLength-1-suffixLength], "_")
	}
	slug := sanitize(strings.TrimPrefix(tb.Name(), "Test"))
	if budget := shortNameLength - len(p) - 2 - suffixLength; budget >= 3 && slug != "" {
		if len(slug) > budget {
			slug = slug[:budget]
		}
		if slug = strings.Trim(slug, "_"); slug != "" {
			p += "_" + slug
		}
	}
	return p + "_" + randomSuffix(tb)
}

// sanitize lower-cases s, turns every run of other characters than [a-z0-9] into one underscore and
// trims underscores at both ends.
func sanitize(s string) string {
	var b strings.Builder
	underscore := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			underscore = false
			continue
		}
		if !underscore {
			b.WriteByte('_')
			underscore = true
		}
	}
	return strings.Trim(b.String(), "_")
}

func randomSuffix(tb testing.TB) string {
	tb.Helper()
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var raw [suffixLength]byte
	if _, err := rand.Read(raw[:]); err != nil {
		tb.Fatalf("testsupport: random name: %v", err)
	}
	out := make([]byte, suffixLength)
	for i, c := range raw {
		out[i] = alphabet[int(c)%len(alphabet)]
	}
	return string(out)
}
