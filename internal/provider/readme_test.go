package provider

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAccReadmeExample takes the example of README.md as a user would copy it: it must be formatted,
// validate, and plan (no server is contacted: the database server is only needed at apply) with the
// values its comments promise.
func TestAccReadmeExample(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does)")
	}
	testAccPreCheck(t)
	tfBin := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tfBin == "" {
		tfBin = "terraform"
	}
	quickstartNeedsWriteOnly(t, tfBin) // the example's user password is write-only

	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "```terraform\n")
	example, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatal("README.md has no ```terraform block")
	}

	dir := t.TempDir()
	binDir, work := filepath.Join(dir, "bin"), filepath.Join(dir, "example")
	for _, d := range []string{binDir, work} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(example), 0o600); err != nil {
		t.Fatal(err)
	}
	rc := "provider_installation {\n  dev_overrides {\n    \"zenmlpro-infra/zenmlpro\" = \"" + binDir + "\"\n  }\n  direct {}\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "terraformrc"), []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(name string, args ...string) []byte {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), name, args...)
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+filepath.Join(dir, "terraformrc"), "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
			"TF_VAR_db_admin_password=readme-admin-password", "TF_VAR_workspace_1_db_password=readme-user-password")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s\n%s", name, args, err, out, stderr.String())
		}
		return out
	}
	run("go", "build", "-o", filepath.Join(binDir, "terraform-provider-zenmlpro"), "../..")
	run(tfBin, "-chdir="+work, "fmt", "-check", "-diff")
	run(tfBin, "-chdir="+work, "validate", "-no-color")
	run(tfBin, "-chdir="+work, "plan", "-input=false", "-no-color", "-out=plan.bin")

	var plan struct {
		PlannedValues struct {
			Outputs map[string]struct {
				Value any `json:"value"`
			} `json:"outputs"`
		} `json:"planned_values"`
	}
	if err := json.Unmarshal(run(tfBin, "-chdir="+work, "show", "-json", "plan.bin"), &plan); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"api_image": "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-api:0.13.0",
		"wildcard":  "*.ml.example.com",
		"chart":     "oci://public.ecr.aws/zenml/zenml-pro",
	} {
		if got := plan.PlannedValues.Outputs[name].Value; got != want {
			t.Errorf("README output %q plans as %v, its comment says %q", name, got, want)
		}
		if !strings.Contains(example, "# "+want) {
			t.Errorf("the README example no longer says %q in a comment of output %q: update this test with it", want, name)
		}
	}
}
