// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package databases

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Identifiers are quoted in every statement, even after the provider has validated them against its
// safe pattern: quoting is what makes a statement safe, validation only keeps names portable.

// QuoteMySQLIdentifier quotes a MySQL / MariaDB identifier with backticks, doubling any backtick
// inside. Inside backticks MySQL gives no meaning to backslashes, whatever the SQL mode, so doubling
// the delimiter is the only escape needed. NUL and invalid UTF-8 are refused.
func QuoteMySQLIdentifier(name string) (string, error) {
	if err := checkQuotable("MySQL identifier", name); err != nil {
		return "", err
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`", nil
}

// QuoteMySQLAccount quotes a MySQL account as `name`@`host` (MySQL accepts account names quoted as
// identifiers, which avoids string literals and their SQL-mode dependent backslash handling). An
// empty host means "%".
func QuoteMySQLAccount(u User) (string, error) {
	name, err := QuoteMySQLIdentifier(u.Name)
	if err != nil {
		return "", fmt.Errorf("user name: %w", err)
	}
	host, err := QuoteMySQLIdentifier(mysqlHost(u))
	if err != nil {
		return "", fmt.Errorf("user host: %w", err)
	}
	return name + "@" + host, nil
}

// QuoteMySQLGrantDatabase quotes a database name for the ON clause of a database-level GRANT, where
// MySQL reads `_` and `%` as wildcards: they are escaped with a backslash so that the grant covers
// this one database and nothing else. With MySQL 8's partial_revokes on, the server reads them
// literally, so escaping must be off (literalWildcards).
func QuoteMySQLGrantDatabase(name string, literalWildcards bool) (string, error) {
	if !literalWildcards {
		name = escapeMySQLWildcards(name)
	}
	return QuoteMySQLIdentifier(name)
}

// escapeMySQLWildcards escapes `\`, `_` and `%` with a backslash, as the database name of a
// database-level grant (and mysql.db / SCHEMA_PRIVILEGES) spells it.
func escapeMySQLWildcards(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r == '_' || r == '%' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// QuotePostgresIdentifier quotes a PostgreSQL identifier with double quotes, doubling any double quote
// inside. Names longer than 63 bytes are refused (PostgreSQL would silently truncate them), as are NUL
// and invalid UTF-8.
func QuotePostgresIdentifier(name string) (string, error) {
	if err := checkQuotable("PostgreSQL identifier", name); err != nil {
		return "", err
	}
	if len(name) > 63 {
		return "", fmt.Errorf("PostgreSQL identifier is %d bytes long; PostgreSQL allows at most 63", len(name))
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`, nil
}

// QuotePostgresString quotes a PostgreSQL string literal, for the few places where the grammar takes
// no parameter (CREATE ROLE ... PASSWORD, ENCODING). Single quotes are doubled; a value holding a
// backslash is written as an escape string (E'...') with doubled backslashes, which reads the same
// whatever standard_conforming_strings says.
func QuotePostgresString(s string) (string, error) {
	if err := checkQuotable("PostgreSQL string", s); err != nil {
		return "", err
	}
	quoted := "'" + strings.ReplaceAll(s, "'", "''") + "'"
	if strings.Contains(s, `\`) {
		quoted = "E'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", "''") + "'"
	}
	return quoted, nil
}

func checkQuotable(what, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%s is empty", what)
	case strings.ContainsRune(s, 0):
		return fmt.Errorf("%s contains a NUL character", what)
	case !utf8.ValidString(s):
		return fmt.Errorf("%s is not valid UTF-8", what)
	}
	return nil
}

// DefaultUserHost is the host part of a MySQL account when none is given: any host.
const DefaultUserHost = "%"

// UserHost is the host part of a user account on the engine: on MySQL the host given, or
// DefaultUserHost when none is; on PostgreSQL none, since its roles have no host part. Any other
// engine (not known yet) leaves the host as given.
func (e Engine) UserHost(host string) string {
	switch {
	case e == Postgres:
		return ""
	case e == MySQL && host == "":
		return DefaultUserHost
	}
	return host
}

// mysqlHost is the host part of a MySQL account, DefaultUserHost when not given.
func mysqlHost(u User) string { return MySQL.UserHost(u.Host) }
