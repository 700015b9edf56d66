// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package databases

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // mysql_native_password is defined with SHA-1; nothing else is hashed with it
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Passwords of dedicated users are hashed on the client, so that the statement the server receives
// (and may write to its general log, slow log or error log) carries a hash, never the password.

// MySQLNativePasswordHash is the mysql_native_password hash of a password as MySQL and MariaDB store
// it: "*" and the upper-case hex of SHA1(SHA1(password)). MariaDB accepts it in
// `IDENTIFIED BY PASSWORD '*...'`.
func MySQLNativePasswordHash(password string) string {
	first := sha1.Sum([]byte(password)) //nolint:gosec // see the import
	second := sha1.Sum(first[:])        //nolint:gosec // see the import
	return "*" + strings.ToUpper(hex.EncodeToString(second[:]))
}

// SCRAMIterations is the iteration count of the SCRAM-SHA-256 verifiers the provider computes,
// PostgreSQL's default (scram_iterations).
const SCRAMIterations = 4096

const scramSaltLen = 16

// PostgresSCRAMVerifier computes a fresh SCRAM-SHA-256 verifier for the password, with a random salt,
// in the form PostgreSQL stores in pg_authid.rolpassword and accepts in `PASSWORD '...'` without
// seeing the password: SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>.
func PostgresSCRAMVerifier(password string) (string, error) {
	salt := make([]byte, scramSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("generate a salt: %w", err)
	}
	return PostgresSCRAMVerifierWithSalt(password, salt, SCRAMIterations)
}

// PostgresSCRAMVerifierWithSalt computes the verifier for a given salt and iteration count (RFC 5802 /
// RFC 7677): SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt, iterations), StoredKey =
// SHA-256(HMAC(SaltedPassword, "Client Key")), ServerKey = HMAC(SaltedPassword, "Server Key").
func PostgresSCRAMVerifierWithSalt(password string, salt []byte, iterations int) (string, error) {
	if len(salt) == 0 {
		return "", errors.New("the SCRAM salt is empty")
	}
	if iterations < 1 {
		return "", fmt.Errorf("the SCRAM iteration count must be positive, got %d", iterations)
	}
	prepared, err := saslPrepStable(password)
	if err != nil {
		return "", err
	}
	salted, err := pbkdf2.Key(sha256.New, prepared, salt, iterations, sha256.Size)
	if err != nil {
		return "", fmt.Errorf("derive the SCRAM key: %w", err)
	}
	clientKey := hmacSHA256(salted, "Client Key")
	storedKey := sha256.Sum256(clientKey)
	serverKey := hmacSHA256(salted, "Server Key")
	enc := base64.StdEncoding
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", iterations, enc.EncodeToString(salt),
		enc.EncodeToString(storedKey[:]), enc.EncodeToString(serverKey)), nil
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// ErrPasswordNormalization says that a PostgreSQL password would be changed by SASLprep.
var ErrPasswordNormalization = errors.New("PostgreSQL passwords must not change under SASLprep normalisation: " +
	"use ASCII, or Unicode text in NFKC form without non-ASCII spaces or invisible characters " +
	"(soft hyphen, zero-width characters, variation selectors)")

// saslPrepStable returns the password when SASLprep (RFC 4013), which PostgreSQL clients apply before
// SCRAM, leaves it unchanged, and an error otherwise. For such passwords every client (libpq's
// SASLprep, pgx's PRECIS profile, or the raw-password fallback both use for prohibited characters)
// derives the same key, so the verifier matches whatever the ZenML server logs in with. All-ASCII
// passwords always qualify.
func saslPrepStable(password string) (string, error) {
	ascii := true
	for i := 0; i < len(password); i++ {
		if password[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return password, nil
	}
	for _, r := range password {
		if unicode.Is(saslMappedToNothing, r) || unicode.Is(saslNonASCIISpace, r) {
			return "", ErrPasswordNormalization
		}
	}
	if !norm.NFKC.IsNormalString(password) {
		return "", ErrPasswordNormalization
	}
	return password, nil
}

// saslMappedToNothing is RFC 3454 table B.1 ("commonly mapped to nothing").
var saslMappedToNothing = &unicode.RangeTable{R16: []unicode.Range16{
	{Lo: 0x00AD, Hi: 0x00AD, Stride: 1},
	{Lo: 0x034F, Hi: 0x034F, Stride: 1},
	{Lo: 0x1806, Hi: 0x1806, Stride: 1},
	{Lo: 0x180B, Hi: 0x180D, Stride: 1},
	{Lo: 0x200B, Hi: 0x200D, Stride: 1},
	{Lo: 0x2060, Hi: 0x2060, Stride: 1},
	{Lo: 0xFE00, Hi: 0xFE0F, Stride: 1},
	{Lo: 0xFEFF, Hi: 0xFEFF, Stride: 1},
}}

// saslNonASCIISpace is RFC 3454 table C.1.2 (non-ASCII space characters, mapped to U+0020).
var saslNonASCIISpace = &unicode.RangeTable{R16: []unicode.Range16{
	{Lo: 0x00A0, Hi: 0x00A0, Stride: 1},
	{Lo: 0x1680, Hi: 0x1680, Stride: 1},
	{Lo: 0x2000, Hi: 0x200B, Stride: 1},
	{Lo: 0x202F, Hi: 0x202F, Stride: 1},
	{Lo: 0x205F, Hi: 0x205F, Stride: 1},
	{Lo: 0x3000, Hi: 0x3000, Stride: 1},
}}

// ErrEmptyPassword is returned for an empty password: MySQL and MariaDB store an empty password as
// "no password", and ZenML needs one.
var ErrEmptyPassword = errors.New("the password is empty; give the user a password")
