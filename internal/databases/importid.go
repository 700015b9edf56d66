// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package databases

import (
	"fmt"
	"slices"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/wording"
)

// The import ID of a database: a path that names what is on the server (the server key, the
// database, its dedicated user), then, for the attributes the server does not record, options
// `,<attribute>=<value>`, so that an import (and the configuration Terraform generates from it) has
// every attribute of the resource. The provider checks the names against its rules.

// Import ID options: the attributes of the resource that the server does not record, by their
// attribute paths.
const (
	ImportOptionComponent      = "component"
	ImportOptionDeletionPolicy = "deletion_policy"
	ImportOptionSecretName     = "password_secret.name"
	ImportOptionSecretKey      = "password_secret.key"
)

// ImportOptions lists the import ID options in the order an ID is written.
func ImportOptions() []string {
	return []string{ImportOptionComponent, ImportOptionDeletionPolicy, ImportOptionSecretName, ImportOptionSecretKey}
}

// ImportID is an import ID taken apart.
type ImportID struct {
	// Server is the key of the server in the provider's database_servers.
	Server string
	// Database is the database's name.
	Database string
	// User is the dedicated user, nil for none; its Host is "" when the ID gives none.
	User *User
	// Component is the ZenML component the database serves ("" when the ID does not give it).
	Component string
	// DeletionPolicy is "" when the ID does not give it (the resource's default, retain, applies).
	DeletionPolicy string
	// PasswordSecretName and PasswordSecretKey name the Kubernetes secret of the user's password
	// ("" when not given).
	PasswordSecretName string
	PasswordSecretKey  string
}

// option returns a pointer to the field of an option, nil for an unknown name.
func (i *ImportID) option(name string) *string {
	switch name {
	case ImportOptionComponent:
		return &i.Component
	case ImportOptionDeletionPolicy:
		return &i.DeletionPolicy
	case ImportOptionSecretName:
		return &i.PasswordSecretName
	case ImportOptionSecretKey:
		return &i.PasswordSecretKey
	}
	return nil
}

// String writes the ID: `<server>/<database>[/<user>[@<host>]]` and the options given, in the
// order of ImportOptions.
func (i ImportID) String() string {
	var b strings.Builder
	b.WriteString(ID(i.Server, i.Database))
	if i.User != nil {
		b.WriteString("/" + i.User.Name)
		if i.User.Host != "" {
			b.WriteString("@" + i.User.Host)
		}
	}
	for _, name := range ImportOptions() {
		if v := *i.option(name); v != "" {
			b.WriteString("," + name + "=" + v)
		}
	}
	return b.String()
}

// ParseImportID takes an import ID apart. It checks the form, the option names (each at most once,
// with a value), the deletion policy, and that password_secret.key comes with password_secret.name;
// the names themselves are the provider's to check.
func ParseImportID(id string) (ImportID, error) {
	var out ImportID
	path, options, hasOptions := strings.Cut(id, ",")
	parts := strings.SplitN(path, "/", 3)
	if len(parts) < 2 {
		return out, fmt.Errorf("it is not in the form <server>/<database>[/<user>[@<host>]]")
	}
	out.Server, out.Database = parts[0], parts[1]
	if len(parts) == 3 {
		// A MySQL host may hold a slash (an address/netmask), a user name never does.
		name, host, hasHost := strings.Cut(parts[2], "@")
		if strings.Contains(name, "/") {
			return out, fmt.Errorf("it is not in the form <server>/<database>[/<user>[@<host>]]: %q has more than three parts", path)
		}
		out.User = &User{Name: name, Host: host}
		if hasHost && host == "" {
			return out, fmt.Errorf("the user %q ends with \"@\" but gives no host (leave out \"@\" for the default host %q)", parts[2], DefaultUserHost)
		}
	}
	if !hasOptions {
		return out, nil
	}
	for _, opt := range strings.Split(options, ",") {
		name, value, ok := strings.Cut(opt, "=")
		field := out.option(name)
		switch {
		case field == nil:
			return out, fmt.Errorf("%q is not an option of an import ID: the options are %s, each written as <attribute>=<value>", opt, quoteAll(ImportOptions()))
		case !ok || value == "":
			return out, fmt.Errorf("option %s has no value: write %s=<value>", name, name)
		case *field != "":
			return out, fmt.Errorf("option %s is given twice", name)
		}
		*field = value
	}
	if out.DeletionPolicy != "" && !slices.Contains(DeletionPolicies(), out.DeletionPolicy) {
		return out, fmt.Errorf("deletion_policy %q is not a deletion policy: use %s", out.DeletionPolicy, quoteAll(DeletionPolicies()))
	}
	if out.PasswordSecretKey != "" && out.PasswordSecretName == "" {
		return out, fmt.Errorf("option %s is given without %s", ImportOptionSecretKey, ImportOptionSecretName)
	}
	return out, nil
}

// quoteAll quotes names for messages: "a", "b" or "c".
func quoteAll(names []string) string { return wording.Join(wording.Quoted(names), "or") }

// ImportIDFormat describes the accepted import IDs, for messages, with examples of databases of the
// component example (a component that MySQL and PostgreSQL both serve would do for both examples).
func ImportIDFormat(example string) string {
	form := func(u *User) string { return ImportID{Server: "<server>", Database: "<database>", User: u}.String() }
	withUser := ImportID{Server: "main", Database: "zenml_workspace_1", User: &User{Name: "zenml_ws1", Host: DefaultUserHost}, Component: example}
	full := withUser
	full.DeletionPolicy, full.PasswordSecretName = PolicyDrop, "zenml-workspace-1-db"
	return fmt.Sprintf("%q, or with the dedicated user %q (MySQL: %q, host %q when left out), then, for the attributes the server does not record, "+
		"\",<attribute>=<value>\" for any of %s (deletion_policy is %q when left out); e.g. %q, %q or %q",
		form(nil), form(&User{Name: "<user>"}), form(&User{Name: "<user>", Host: "<host>"}), DefaultUserHost, quoteAll(ImportOptions()),
		PolicyRetain, ImportID{Server: "main", Database: "zenml_workspace_1", Component: example}.String(), withUser.String(), full.String())
}
