// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package databases

import (
	"slices"
	"testing"
)

// The privilege a column of mysql.db stands for, as GRANT and information_schema spell it; the
// integration test compares the whole reading with information_schema on a real server.
func TestMySQLPrivilegeName(t *testing.T) {
	for column, want := range map[string]string{
		"Select_priv":              "SELECT",
		"Create_tmp_table_priv":    "CREATE TEMPORARY TABLES",
		"Lock_tables_priv":         "LOCK TABLES",
		"Create_view_priv":         "CREATE VIEW",
		"Alter_routine_priv":       "ALTER ROUTINE",
		"Delete_history_priv":      "DELETE HISTORY",
		"Show_create_routine_priv": "SHOW CREATE ROUTINE",
	} {
		if got := mysqlPrivilegeName(column); got != want {
			t.Errorf("mysqlPrivilegeName(%q) = %q, want %q", column, got, want)
		}
	}
}

func TestMySQLDBPrivileges(t *testing.T) {
	columns := []string{"Select_priv", "Insert_priv", "Create_tmp_table_priv", "Delete_history_priv"}
	var got []string
	for _, p := range mysqlDBPrivileges(`zenml\_ws`, "YNyY", columns) {
		if p.kind != "db" || p.object != `zenml\_ws` {
			t.Errorf("privilege %+v, want kind db on zenml\\_ws", p)
		}
		got = append(got, p.privilege)
	}
	if want := []string{"SELECT", "CREATE TEMPORARY TABLES", "DELETE HISTORY"}; !slices.Equal(got, want) {
		t.Errorf("privileges of YNyY = %q, want %q", got, want)
	}
	// A row shorter than the columns (it cannot be, but a short read must not grant anything).
	if got := mysqlDBPrivileges("db", "Y", columns); len(got) != 1 || got[0].privilege != "SELECT" {
		t.Errorf("privileges of a one-flag row = %+v, want only SELECT", got)
	}
}

func TestMySQLPrivilegeColumnPattern(t *testing.T) {
	for _, ok := range []string{"Select_priv", "Show_create_routine_priv"} {
		if !mysqlPrivilegeColumnPattern.MatchString(ok) {
			t.Errorf("%q refused", ok)
		}
	}
	for _, bad := range []string{"Db", "_priv", "Select`_priv", "Select priv", "x_priv; DROP"} {
		if mysqlPrivilegeColumnPattern.MatchString(bad) {
			t.Errorf("%q accepted: it would be put into a statement", bad)
		}
	}
}
