// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A key file is written once, 0600, the key alone; never over a file; compared by the key's SHA-256.
func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "ws.key")
	if p := KeyFileProblem(filepath.Join(dir, "missing", "ws.key")); !strings.Contains(p, "does not exist") {
		t.Errorf("a file in a missing directory: %q", p)
	}
	if p := KeyFileProblem(f); p != "" {
		t.Fatalf("a new file: %q", p)
	}
	if err := WriteKeyFile(f, "the-key"); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(f)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v; want 0600", st.Mode().Perm(), err)
	}
	if b, _ := os.ReadFile(f); string(b) != "the-key" {
		t.Errorf("content %q, want the key alone", b)
	}
	if p := KeyFileProblem(f); !strings.Contains(p, "never overwritten") {
		t.Errorf("an existing file: %q", p)
	}
	if err := WriteKeyFile(f, "another"); err == nil {
		t.Error("WriteKeyFile wrote over a file")
	}
	if s, err := KeyFileOf(f, KeySHA256("the-key")); s != KeyFileHoldsKey || err != nil {
		t.Errorf("KeyFileOf the written key = %v, %v", s, err)
	}
	if s, _ := KeyFileOf(f, KeySHA256("another")); s != KeyFileOther {
		t.Errorf("KeyFileOf another key = %v", s)
	}
	if s, _ := KeyFileOf(filepath.Join(dir, "none"), KeySHA256("the-key")); s != KeyFileGone {
		t.Errorf("KeyFileOf a missing file = %v", s)
	}
}
