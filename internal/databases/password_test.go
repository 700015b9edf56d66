// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package databases

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestMySQLNativePasswordHash(t *testing.T) {
	tests := map[string]string{
		// The well-known value of PASSWORD('password') on MySQL 5.x / MariaDB.
		"password": "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19",
		// SELECT PASSWORD('zenml') on MariaDB 10.11.
		"zenml": "*B3187601BE46DAAEF753C6EC104E6157484BA784",
	}
	for pw, want := range tests {
		if got := MySQLNativePasswordHash(pw); got != want {
			t.Errorf("MySQLNativePasswordHash(%q) = %s, want %s", pw, got, want)
		}
	}
	if got := MySQLNativePasswordHash("password"); !regexp.MustCompile(`^\*[0-9A-F]{40}$`).MatchString(got) {
		t.Errorf("hash %q is not * and 40 upper-case hex digits", got)
	}
}

var scramVerifierPattern = regexp.MustCompile(`^SCRAM-SHA-256\$([0-9]+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$`)

// parseVerifier splits a verifier into iterations, salt, StoredKey and ServerKey.
func parseVerifier(t *testing.T, v string) (int, []byte, []byte, []byte) {
	t.Helper()
	m := scramVerifierPattern.FindStringSubmatch(v)
	if m == nil {
		t.Fatalf("verifier %q does not have the form SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>", v)
	}
	iterations, err := strconv.Atoi(m[1])
	if err != nil {
		t.Fatal(err)
	}
	var parts [3][]byte
	for i, s := range m[2:] {
		if parts[i], err = base64.StdEncoding.DecodeString(s); err != nil {
			t.Fatalf("verifier part %q is not base64: %v", s, err)
		}
	}
	return iterations, parts[0], parts[1], parts[2]
}

// TestSCRAMVerifierRFC7677 checks a verifier against the SCRAM-SHA-256 exchange of RFC 7677 section
// 3 (user "user", password "pencil"): the server's check of the client proof must pass with the
// verifier's StoredKey, and the server signature computed with its ServerKey must be the RFC's.
func TestSCRAMVerifierRFC7677(t *testing.T) {
	salt, err := base64.StdEncoding.DecodeString("W22ZaJ0SNY7soEsUEjb6gQ==")
	if err != nil {
		t.Fatal(err)
	}
	v, err := PostgresSCRAMVerifierWithSalt("pencil", salt, 4096)
	if err != nil {
		t.Fatal(err)
	}
	iterations, gotSalt, storedKey, serverKey := parseVerifier(t, v)
	if iterations != 4096 || string(gotSalt) != string(salt) {
		t.Fatalf("verifier %q: iterations %d, salt %x; want 4096 and the given salt", v, iterations, gotSalt)
	}
	const (
		clientFirstBare  = "n=user,r=rOprNGfwEbeRWgbNEkqO"
		serverFirst      = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
		clientFinalBare  = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
		clientProof      = "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
		serverSignature  = "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
		authMessageComma = ","
	)
	authMessage := clientFirstBare + authMessageComma + serverFirst + authMessageComma + clientFinalBare
	proof, err := base64.StdEncoding.DecodeString(clientProof)
	if err != nil {
		t.Fatal(err)
	}
	// The server: ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage); SHA-256(ClientKey) must be StoredKey.
	clientSignature := hmacSHA256(storedKey, authMessage)
	clientKey := make([]byte, len(proof))
	for i := range proof {
		clientKey[i] = proof[i] ^ clientSignature[i]
	}
	if sum := sha256.Sum256(clientKey); !hmac.Equal(sum[:], storedKey) {
		t.Errorf("the RFC 7677 client proof does not verify against StoredKey %x", storedKey)
	}
	if got := base64.StdEncoding.EncodeToString(hmacSHA256(serverKey, authMessage)); got != serverSignature {
		t.Errorf("server signature = %s, want the RFC 7677 value %s", got, serverSignature)
	}
}

func TestPostgresSCRAMVerifier(t *testing.T) {
	a, err := PostgresSCRAMVerifier("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	b, err := PostgresSCRAMVerifier("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	iterations, salt, _, _ := parseVerifier(t, a)
	if iterations != SCRAMIterations || len(salt) != 16 {
		t.Errorf("verifier %q: %d iterations and a %d-byte salt, want %d and 16", a, iterations, len(salt), SCRAMIterations)
	}
	if a == b {
		t.Error("two verifiers of one password are equal: the salt is not random")
	}
	if strings.Contains(a, "correct horse") {
		t.Error("the verifier contains the password")
	}
	if _, err := PostgresSCRAMVerifierWithSalt("x", nil, 4096); err == nil {
		t.Error("an empty salt was accepted")
	}
	if _, err := PostgresSCRAMVerifierWithSalt("x", []byte("salt"), 0); err == nil {
		t.Error("zero iterations were accepted")
	}
}

func TestSASLPrepStable(t *testing.T) {
	tests := []struct {
		pw string
		ok bool
	}{
		{"password", true},
		{"p@ss w0rd!\\'\"", true},
		{"with\tcontrol\x01chars", true}, // prohibited by SASLprep: every client falls back to the raw bytes
		{"pässwörd", true},               // precomposed, NFKC-stable
		{"密码口令", true},
		{"pa\u00ADss", false},      // soft hyphen: mapped to nothing
		{"pa\u200Bss", false},      // zero-width space
		{"pa\u00A0ss", false},      // no-break space: mapped to a space
		{"pa\u3000ss", false},      // ideographic space
		{"pa\uFB01ss", false},      // the ligature ﬁ: NFKC turns it into "fi"
		{"pa\u0073\u0307s", false}, // s + combining dot above: NFKC composes it
	}
	for _, tt := range tests {
		got, err := saslPrepStable(tt.pw)
		if tt.ok {
			if err != nil || got != tt.pw {
				t.Errorf("saslPrepStable(%q) = %q, %v; want the password back", tt.pw, got, err)
			}
			continue
		}
		if !errors.Is(err, ErrPasswordNormalization) {
			t.Errorf("saslPrepStable(%q) error = %v, want ErrPasswordNormalization", tt.pw, err)
		}
		if err != nil && strings.Contains(err.Error(), tt.pw) {
			t.Errorf("the error for %q contains the password", tt.pw)
		}
	}
}
