package provider

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAccReadmeExample takes the example of README.md as a user would copy it: it must be formatted,
// validate, and plan (no server is contacted: the database server is only needed at apply) with the
// values its comments promise.
func TestAccReadmeExample(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "```terraform\n")
	example, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatal("README.md has no ```terraform block")
	}

	requireWriteOnlyCLI(t)
	cli := newCLIWorkdir(t, map[string][]byte{"main.tf": []byte(example)},
		"TF_VAR_db_admin_password=readme-admin-password", "TF_VAR_workspace_1_db_password=readme-user-password")
	cli.terraform("fmt", "-check", "-diff")
	cli.terraform("validate", "-no-color")
	cli.terraform("plan", "-input=false", "-no-color", "-out=plan.bin")

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
