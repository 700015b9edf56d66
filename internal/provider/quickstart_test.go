package provider

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// TestAccQuickstart applies examples/quickstart, the configuration `make demo` runs, exactly as a user
// would: a provider binary built from this tree, a CLI configuration with dev_overrides, and the real
// `terraform apply`, `plan` and `output`. (terraform-plugin-testing cannot take this configuration as it
// is: its state checks reject the example's for_each data sources.)
func TestAccQuickstart(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does)")
	}
	testAccPreCheck(t)
	tfBin := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tfBin == "" {
		tfBin = "terraform"
	}
	dir := t.TempDir()
	binDir := filepath.Join(dir, "bin")
	work := filepath.Join(dir, "quickstart")
	for _, d := range []string{binDir, work} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	run := func(name string, args ...string) []byte {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), name, args...)
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+filepath.Join(dir, "terraformrc"), "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s\n%s", name, args, err, out, stderr.String())
		}
		return out
	}
	run("go", "build", "-o", filepath.Join(binDir, "terraform-provider-zenmlpro"), "../..")
	rc := "provider_installation {\n  dev_overrides {\n    \"zenmlpro-infra/zenmlpro\" = \"" + binDir + "\"\n  }\n  direct {}\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "terraformrc"), []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"main.tf", "outputs.tf"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", "quickstart", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	run(tfBin, "-chdir="+work, "apply", "-auto-approve", "-input=false", "-no-color")
	// A second plan changes nothing (exit code 0 with -detailed-exitcode; 2 would mean changes).
	run(tfBin, "-chdir="+work, "plan", "-detailed-exitcode", "-input=false", "-no-color")

	var outputs map[string]struct {
		Value any `json:"value"`
	}
	if err := json.Unmarshal(run(tfBin, "-chdir="+work, "output", "-json"), &outputs); err != nil {
		t.Fatal(err)
	}
	gcp := "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/"
	reasons := func(ws, date string) []any {
		return []any{
			"pass: release order: Control Plane 0.13.0 (released 2026-01-30) is at least as new as Workspace Server " + ws + " (released " + date + ")",
			"pass: stated minimum: Control Plane 0.13.0 requires Workspace Server 0.85.0 or later; " + ws + " meets it",
		}
	}
	want := map[string]any{
		"compatible": true,
		"compatibility_reasons": map[string]any{
			"workspace-1": reasons("0.93.2", "2026-01-29"),
			"workspace-2": reasons("0.93.1", "2026-01-14"),
		},
		"control_plane_images": map[string]any{
			"api":       gcp + "zenml-pro-api:0.13.0",
			"dashboard": gcp + "zenml-pro-dashboard:0.13.0",
		},
		"workspace_images": map[string]any{
			"workspace-1": gcp + "zenml-pro-server:0.93.2",
			"workspace-2": gcp + "zenml-pro-server:0.93.1",
		},
		"helm_charts": map[string]any{
			"control_plane": map[string]any{"chart": "oci://public.ecr.aws/zenml/zenml-pro", "version": "0.13.0"},
			"workspace-1":   map[string]any{"chart": "oci://public.ecr.aws/zenml/zenml", "version": "0.93.2"},
			"workspace-2":   map[string]any{"chart": "oci://public.ecr.aws/zenml/zenml", "version": "0.93.1"},
		},
		"urls": map[string]any{
			"web_ui":        "https://zenml.ml.example.com",
			"control_plane": "https://zenml.ml.example.com/api/v1",
			"workspaces": map[string]any{
				"workspace-1": "https://zenml-workspace-1.ml.example.com",
				"workspace-2": "https://zenml-workspace-2.ml.example.com",
			},
		},
		"tls": map[string]any{
			"names":         []any{"zenml-workspace-1.ml.example.com", "zenml-workspace-2.ml.example.com", "zenml.ml.example.com"},
			"wildcard":      "*.ml.example.com",
			"cookie_domain": "ml.example.com",
			"needs_cors":    false,
		},
		"functions": map[string]any{
			"workspace_1_compatible": true,
			"control_plane_released": "2026-01-30",
			"api_image":              gcp + "zenml-pro-api:0.13.0",
		},
	}
	for name, w := range want {
		got, ok := outputs[name]
		if !ok {
			t.Errorf("output %q is missing", name)
			continue
		}
		if !reflect.DeepEqual(got.Value, w) {
			gj, _ := json.MarshalIndent(got.Value, "", "  ")
			wj, _ := json.MarshalIndent(w, "", "  ")
			t.Errorf("output %q:\n got %s\nwant %s", name, gj, wj)
		}
	}
	if len(outputs) != len(want) {
		t.Errorf("the quickstart has %d outputs, the test checks %d: check the new ones too", len(outputs), len(want))
	}

	// The reviewer's record in state.
	var state struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string         `json:"address"`
					Values  map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal(run(tfBin, "-chdir="+work, "show", "-json"), &state); err != nil {
		t.Fatal(err)
	}
	var record map[string]any
	for _, r := range state.Values.RootModule.Resources {
		if r.Address == "terraform_data.deployment_record" {
			record, _ = r.Values["output"].(map[string]any)
		}
	}
	cp, _ := record["control_plane"].(map[string]any)
	ws, _ := record["workspaces"].(map[string]any)
	ws2, _ := ws["workspace-2"].(map[string]any)
	if cp["chart"] != "oci://public.ecr.aws/zenml/zenml-pro:0.13.0" || cp["release_date"] != "2026-01-30" ||
		ws2["chart"] != "oci://public.ecr.aws/zenml/zenml:0.93.1" || ws2["compatible"] != true {
		t.Errorf("terraform_data.deployment_record does not hold the expected record: %v", record)
	}
}
