// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package wording joins lists for messages and descriptions, the one way every package of the
// provider writes them: "a, b and c", "a, b or c", with items quoted or as Markdown code spans.
package wording

import (
	"strconv"
	"strings"
)

// Join joins items as "a", "a and b" or "a, b and c"; conj is "and" or "or". An empty list is "".
func Join(items []string, conj string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + conj + " " + items[len(items)-1]
}

// Code renders each item as a Markdown code span: `a`.
func Code(items []string) []string {
	return mapItems(items, func(s string) string { return "`" + s + "`" })
}

// Quoted renders each item as a Go-quoted string: "a".
func Quoted(items []string) []string { return mapItems(items, strconv.Quote) }

// Strings turns a list of named string types (engines, modes) into strings.
func Strings[T ~string](items []T) []string {
	out := make([]string, len(items))
	for i, v := range items {
		out[i] = string(v)
	}
	return out
}

func mapItems(items []string, f func(string) string) []string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = f(s)
	}
	return out
}

// Sentence is s with its first letter upper case, to start a sentence.
func Sentence(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
