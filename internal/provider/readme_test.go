// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// readmeExample is a ```terraform block of README.md and the line it starts on.
type readmeExample struct {
	text string
	line int
}

// readmeExamples returns the ```terraform blocks of README.md, in order.
func readmeExamples(t *testing.T) []readmeExample {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const open, fence = "```terraform\n", "```"
	text := string(readme)
	var blocks []readmeExample
	for off := 0; ; {
		i := strings.Index(text[off:], open)
		if i < 0 {
			return blocks
		}
		start := off + i + len(open)
		n := strings.Index(text[start:], fence)
		if n < 0 {
			t.Fatal("README.md has a ```terraform block that is not closed")
		}
		blocks = append(blocks, readmeExample{text: text[start : start+n], line: strings.Count(text[:start], "\n") + 1})
		off = start + n + len(fence)
	}
}

// TestAccReadmeExample takes the example of README.md as a user would copy it: it must be formatted,
// validate, and plan (no server is contacted: the database server is only needed at apply) with the
// values its comments promise.
func TestAccReadmeExample(t *testing.T) {
	examples := readmeExamples(t)
	if len(examples) == 0 {
		t.Fatal("README.md has no ```terraform block")
	}
	example := examples[0].text

	requireWriteOnlyCLI(t)
	const readmeAdminPassword, readmeUserPassword = "readme-admin-password", "readme-user-password"
	cli := newCLIWorkdir(t, map[string][]byte{"main.tf": []byte(example)},
		"TF_VAR_db_admin_password="+readmeAdminPassword, "TF_VAR_workspace_1_db_password="+readmeUserPassword)
	cli.terraform("fmt", "-check", "-diff")
	cli.terraform("validate", "-no-color")
	out := cli.terraform("plan", "-input=false", "-no-color", "-out=plan.bin")
	// The example uses the current names (workspace_server), not a deprecated spelling.
	wantWarning(t, "the README example's plan", out, 0, "Deprecated Value")

	var plan struct {
		PlannedValues struct {
			Outputs map[string]struct {
				Value any `json:"value"`
			} `json:"outputs"`
		} `json:"planned_values"`
	}
	if err := json.Unmarshal(cli.terraform("show", "-json", "plan.bin"), &plan); err != nil {
		t.Fatal(err)
	}
	// The passwords come from ephemeral variables: the saved plan holds neither.
	saved, err := os.ReadFile(filepath.Join(cli.work, "plan.bin"))
	if err != nil {
		t.Fatal(err)
	}
	archive, err := zip.NewReader(bytes.NewReader(saved), int64(len(saved)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range archive.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		if err == nil {
			err = r.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, pw := range []string{readmeAdminPassword, readmeUserPassword} {
			if bytes.Contains(b, []byte(pw)) {
				t.Errorf("the saved plan's %s holds the password %q", f.Name, pw)
			}
		}
	}
	for name, want := range map[string]string{
		"api_image": "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-api:0.13.0",
		"wildcard":  "*.ml.example.com",
		"chart":     "oci://public.ecr.aws/zenml/zenml-pro",
		"store_url": "mysql://zenml_ws1@zenml-db.internal.example.com:3306/zenml_workspace_1",
	} {
		if got := plan.PlannedValues.Outputs[name].Value; got != want {
			t.Errorf("README output %q plans as %v, its comment says %q", name, got, want)
		}
		if !strings.Contains(example, "# "+want) {
			t.Errorf("the README example no longer says %q in a comment of output %q: update this test with it", want, name)
		}
	}
}

// secretVariableWords mark the name of an input variable that holds a secret.
var secretVariableWords = []string{"password", "secret", "credential", "token"}

// TestExampleSecretsComeFromEphemeralVariables: every variable of the examples and of the README's
// example that holds a secret (its name contains password, secret or credentials) is declared
// `ephemeral = true`, so that its value never lands in a saved plan file (`terraform plan -out`) or in
// the state, and `sensitive = true`, so that it is hidden in output. Users copy these declarations.
func TestExampleSecretsComeFromEphemeralVariables(t *testing.T) {
	type source struct {
		name  string // the file, as positions name it
		text  []byte
		start hcl.Pos // where text starts in the file
	}
	var sources []source
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(filepath.Join(root, "examples"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".tf" {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil {
			rel, _ := filepath.Rel(root, path)
			sources = append(sources, source{filepath.ToSlash(rel), b, hcl.InitialPos})
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range readmeExamples(t) {
		sources = append(sources, source{"README.md", []byte(ex.text), hcl.Pos{Line: ex.line, Column: 1}})
	}

	secrets := map[string]int{} // file -> secret variables found
	for _, src := range sources {
		file, diags := hclsyntax.ParseConfig(src.text, src.name, src.start)
		if diags.HasErrors() {
			t.Errorf("%s does not parse: %s", src.name, diags.Error())
			continue
		}
		body, ok := file.Body.(*hclsyntax.Body)
		if !ok {
			t.Fatalf("%s: the native syntax parser returned a body of type %T", src.name, file.Body)
		}
		for _, block := range body.Blocks {
			if block.Type != "variable" || len(block.Labels) != 1 || !holdsSecret(block.Labels[0]) {
				continue
			}
			secrets[src.name]++
			for _, attr := range []string{"ephemeral", "sensitive"} {
				if !isTrue(block.Body.Attributes[attr]) {
					t.Errorf("%s:%d: variable %q holds a secret but is not declared `%s = true`: "+
						"ephemeral keeps its value out of saved plan files (terraform plan -out) and the state, sensitive hides it in output; declare both",
						src.name, block.DefRange().Start.Line, block.Labels[0], attr)
				}
			}
		}
	}
	// The check must see the secrets it is about: the admin and user passwords of these files.
	for _, name := range []string{"examples/provider/provider.tf", "examples/resources/zenmlpro_database/resource.tf",
		"examples/quickstart/databases.tf", "README.md"} {
		if secrets[name] == 0 {
			t.Errorf("%s declares no variable whose name says it holds a secret; this test expects its password variables", name)
		}
	}
}

// holdsSecret reports whether a variable's name says that it holds a secret.
func holdsSecret(name string) bool {
	name = strings.ToLower(name)
	for _, w := range secretVariableWords {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// isTrue reports whether attr is set to the literal true.
func isTrue(attr *hclsyntax.Attribute) bool {
	if attr == nil {
		return false
	}
	v, diags := attr.Expr.Value(nil)
	return !diags.HasErrors() && v.Type() == cty.Bool && v.IsKnown() && v.True()
}
