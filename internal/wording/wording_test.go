// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package wording

import "testing"

func TestJoin(t *testing.T) {
	for _, tt := range []struct {
		items []string
		conj  string
		want  string
	}{
		{nil, "and", ""},
		{[]string{"a"}, "or", "a"},
		{[]string{"a", "b"}, "and", "a and b"},
		{[]string{"a", "b", "c"}, "or", "a, b or c"},
		{Code([]string{"pull", "push"}), "or", "`pull` or `push`"},
		{Quoted([]string{"x", `y"`}), "and", `"x" and "y\""`},
	} {
		if got := Join(tt.items, tt.conj); got != tt.want {
			t.Errorf("Join(%q, %q) = %q, want %q", tt.items, tt.conj, got, tt.want)
		}
	}
	type mode string
	if got := Strings([]mode{"a", "b"}); len(got) != 2 || got[1] != "b" {
		t.Errorf("Strings = %q", got)
	}
}
