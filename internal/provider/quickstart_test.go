// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/ecr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
)

// TestAccQuickstart applies examples/quickstart, the configuration `make demo` runs, exactly as a user
// would: a provider binary built from this tree, a CLI configuration with dev_overrides, the test
// services' MariaDB (as its restricted admin) in the TF_VAR_ values `make demo` sets, and the real
// `terraform apply`, `plan` and `output`. (terraform-plugin-testing cannot take this configuration as it
// is: its state checks reject the example's for_each data sources.)
func TestAccQuickstart(t *testing.T) {
	requireWriteOnlyCLI(t)
	srv := testsupport.MySQL(t)
	workspaceDBs := map[string]struct{ database, user string }{
		"workspace-1": {"zenml_workspace_1", "zenml_ws1"},
		"workspace-2": {"zenml_workspace_2", "zenml_ws2"},
	}
	// The quickstart's names are fixed: drop what an earlier run or `make demo` left on the shared
	// server (the default deletion policy keeps databases), now and after the test.
	for _, db := range workspaceDBs {
		srv.DropDatabase(db.database)
		srv.DropUser(db.user, "%")
		srv.CleanupDatabase(db.database)
		srv.CleanupUser(db.user, "%")
	}
	workspacePassword := testPassword(t, "quickstart")
	// The node group's role and the mirror repositories on moto, under names of this test's own.
	aws := testsupport.AWS(t)
	nodeRole := aws.CreateRole(testsupport.UniqueName(t, "nodes"))
	mirrors := []string{testsupport.UniqueName(t, "mirror-api"), testsupport.UniqueName(t, "mirror-server")}
	for _, m := range mirrors {
		aws.CreateRepository(m)
	}
	mirrorsJSON, _ := json.Marshal(mirrors)
	tfVars := []string{
		"AWS_ACCESS_KEY_ID=" + aws.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + aws.SecretAccessKey,
		"AWS_SESSION_TOKEN=",
		"AWS_PROFILE=",
		"AWS_EC2_METADATA_DISABLED=true",
		"TF_VAR_aws_endpoint=" + aws.Endpoint,
		"TF_VAR_aws_region=" + aws.Region,
		"TF_VAR_zenml_node_role_arn=" + nodeRole,
		"TF_VAR_mirror_repositories=" + string(mirrorsJSON),
		"TF_VAR_mysql_host=" + srv.Host,
		"TF_VAR_mysql_port=" + strconv.Itoa(srv.Port),
		"TF_VAR_mysql_admin_username=" + srv.Admin.User,
		"TF_VAR_mysql_admin_password=" + srv.Admin.Password,
		"TF_VAR_workspace_db_password=" + workspacePassword,
	}
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", "quickstart", "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .tf files in examples/quickstart: %v", err)
	}
	config := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		config[filepath.Base(f)] = b
	}
	cli := newCLIWorkdir(t, config, tfVars...)

	out := cli.terraform("apply", "-auto-approve", "-input=false", "-no-color")
	// The quickstart uses the current names (workspace_server), not a deprecated spelling.
	wantWarning(t, "the quickstart's apply", out, 0, "Deprecated Value")
	// A second plan changes nothing (exit code 0 with -detailed-exitcode; 2 would mean changes).
	cli.terraform("plan", "-detailed-exitcode", "-input=false", "-no-color")

	var outputs map[string]struct {
		Value any `json:"value"`
	}
	if err := json.Unmarshal(cli.terraform("output", "-json"), &outputs); err != nil {
		t.Fatal(err)
	}
	const cpECR = "715803424590.dkr.ecr.eu-west-1.amazonaws.com/"
	const wsECR = "715803424590.dkr.ecr.eu-central-1.amazonaws.com/"
	sid := ecr.StatementID(nodeRole, registryaccess.AccessPull)
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
			"api":       cpECR + "zenml-pro-api:0.13.0",
			"dashboard": cpECR + "zenml-pro-dashboard:0.13.0",
		},
		"workspace_images": map[string]any{
			"workspace-1": wsECR + "zenml-pro-server:0.93.2",
			"workspace-2": wsECR + "zenml-pro-server:0.93.1",
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
		"database_store_urls": map[string]any{
			"workspace-1": "mysql://zenml_ws1@" + srv.Addr() + "/zenml_workspace_1",
			"workspace-2": "mysql://zenml_ws2@" + srv.Addr() + "/zenml_workspace_2",
		},
		"functions": map[string]any{
			"workspace_1_compatible": true,
			"control_plane_released": "2026-01-30",
			"api_image":              cpECR + "zenml-pro-api:0.13.0",
		},
		"mirror_grants": map[string]any{mirrors[0]: sid, mirrors[1]: sid},
	}
	// The request to ZenML is prose: it names the role, the account and ZenML's repositories in both regions.
	if req, ok := outputs["zenml_registry_request"].Value.(string); !ok || !strings.Contains(req, "Principal: "+nodeRole) ||
		!strings.Contains(req, "Our AWS account id: "+aws.AccountID()) || !strings.Contains(req, cpECR+"zenml-pro-api ") ||
		!strings.Contains(req, wsECR+"zenml-pro-server ") {
		t.Errorf("output zenml_registry_request does not name the role, the account and ZenML's repositories:\n%v", outputs["zenml_registry_request"].Value)
	}
	delete(outputs, "zenml_registry_request")
	// Each mirror's policy holds the pull statement for the role, and nothing else.
	for _, m := range mirrors {
		sts := aws.PolicyStatements(m)
		if st, ok := sts[sid]; len(sts) != 1 || !ok || !slices.Equal(st.AWSPrincipals(), []string{nodeRole}) ||
			!slices.Equal(st.Actions(), ecr.Actions(registryaccess.AccessPull)) {
			t.Errorf("repository %s: policy statements %+v, want only %s allowing pull to %s", m, sts, sid, nodeRole)
		}
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
	if err := json.Unmarshal(cli.terraform("show", "-json"), &state); err != nil {
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
	access, _ := record["registry_access"].(map[string]any)
	grants, _ := access["mirror_grants"].(map[string]any)
	g0, _ := grants[mirrors[0]].(map[string]any)
	if access["zenml_grantee"] != nodeRole || len(grants) != 2 || g0["statement_id"] != sid || g0["preexisting"] != false ||
		g0["id"] != fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s pull %s", aws.Region, aws.AccountID(), mirrors[0], nodeRole) {
		t.Errorf("the deployment record's registry_access is not as expected: %v", access)
	}
	if cp["chart"] != "oci://public.ecr.aws/zenml/zenml-pro:0.13.0" || cp["release_date"] != "2026-01-30" ||
		ws2["chart"] != "oci://public.ecr.aws/zenml/zenml:0.93.1" || ws2["compatible"] != true ||
		ws2["database"] != "mysql://zenml_ws2@"+srv.Addr()+"/zenml_workspace_2" || ws2["db_server"] != wantServerVersion(srv) {
		t.Errorf("terraform_data.deployment_record does not hold the expected record: %v", record)
	}

	// The databases exist, each user logs in to its own database with the ephemeral password, and
	// neither the password nor the admin's is in the state.
	for name, db := range workspaceDBs {
		if !srv.CanLogin(db.user, workspacePassword, db.database) {
			t.Errorf("%s: user %s cannot log in to %s with the quickstart's password", name, db.user, db.database)
		}
	}
	rawState, err := os.ReadFile(filepath.Join(cli.work, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(rawState, []byte("zenml_workspace_1")) {
		t.Error("the state does not record the workspace databases")
	}
	for _, pw := range []string{workspacePassword, srv.Admin.Password} {
		if bytes.Contains(rawState, []byte(pw)) {
			t.Errorf("the quickstart's state holds a password (%s...)", pw[:6])
		}
	}
}
