// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/accessrequest"
)

const (
	testECRWest    = "715803424590.dkr.ecr.eu-west-1.amazonaws.com"
	testECRCentral = "715803424590.dkr.ecr.eu-central-1.amazonaws.com"
	testGAR        = "europe-west3-docker.pkg.dev"
)

// testECRRepo is the expected repositories element of an ECR repository.
func testECRRepo(component, image, host, region string) (knownvalue.Check, map[string]any) {
	repo := host + "/" + image
	arn := fmt.Sprintf("arn:aws:ecr:%s:715803424590:repository/%s", region, image)
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
			"component": knownvalue.StringExact(component), "image_name": knownvalue.StringExact(image),
			"repository": knownvalue.StringExact(repo), "registry_host": knownvalue.StringExact(host),
			"region": knownvalue.StringExact(region), "arn": knownvalue.StringExact(arn),
			"location": knownvalue.Null(), "project": knownvalue.Null(), "repository_id": knownvalue.Null(),
		}), map[string]any{"component": component, "image_name": image, "repository": repo, "registry_host": host,
			"region": region, "arn": arn}
}

// testGARRepo is the expected repositories element of an Artifact Registry image.
func testGARRepo(component, image string) (knownvalue.Check, map[string]any) {
	repo := testGAR + "/zenml-cloud/zenml-pro/" + image
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
			"component": knownvalue.StringExact(component), "image_name": knownvalue.StringExact(image),
			"repository": knownvalue.StringExact(repo), "registry_host": knownvalue.StringExact(testGAR),
			"region": knownvalue.Null(), "arn": knownvalue.Null(),
			"location": knownvalue.StringExact("europe-west3"), "project": knownvalue.StringExact("zenml-cloud"),
			"repository_id": knownvalue.StringExact("zenml-pro"),
		}), map[string]any{"component": component, "image_name": image, "repository": repo, "registry_host": testGAR,
			"location": "europe-west3", "project": "zenml-cloud", "repository_id": "zenml-pro"}
}

type testRequestExpect struct {
	name, body string
	repos      []func() (knownvalue.Check, map[string]any)
	grantee    string // "" for null
	method     string
	source     string
	components []string
	extraJSON  map[string]any // principal_kind, aws_account_id, gcp_project
	sentences  []string
	// pulledBy is the expected pulled_by; empty takes the workload's own wording, which
	// TestAccRegistryAccessRequest_nodeIdentities holds literally.
	pulledBy string
}

func (e testRequestExpect) step() resource.TestStep {
	addr := "data.zenmlpro_registry_access_request." + e.name
	repoChecks := make([]knownvalue.Check, 0, len(e.repos))
	repoJSON := make([]any, 0, len(e.repos))
	for _, r := range e.repos {
		c, j := r()
		repoChecks = append(repoChecks, c)
		repoJSON = append(repoJSON, j)
	}
	comps := make([]knownvalue.Check, 0, len(e.components))
	compJSON := make([]any, 0, len(e.components))
	for _, c := range e.components {
		comps = append(comps, knownvalue.StringExact(c))
		compJSON = append(compJSON, c)
	}
	pulledBy := e.pulledBy
	if pulledBy == "" {
		pulledBy = accessrequest.Workload(e.name).Puller(false)
	}
	wantJSON := map[string]any{"access": "pull", "components": compJSON, "method": e.method, "repositories": repoJSON,
		"source": e.source, "workload": e.name, "pulled_by": pulledBy}
	var grantee knownvalue.Check = knownvalue.Null()
	if e.grantee != "" {
		grantee = knownvalue.StringExact(e.grantee)
		wantJSON["principal"] = e.grantee
	}
	for k, v := range e.extraJSON {
		wantJSON[k] = v
	}
	return resource.TestStep{
		Config: fmt.Sprintf("data \"zenmlpro_registry_access_request\" %q {\n  workload = %q\n%s}\n", e.name, e.name, e.body),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("repositories"), knownvalue.ListExact(repoChecks)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("grantee"), grantee),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("method"), knownvalue.StringExact(e.method)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("pulled_by"), knownvalue.StringExact(pulledBy)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("source"), knownvalue.StringExact(e.source)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("components"), knownvalue.SetExact(comps)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("request_text"), knownvalue.StringFunc(func(text string) error {
				for _, s := range append(e.sentences, "Hello ZenML support,", "Authenticating to ZenML Pro Container Registries") {
					if !strings.Contains(text, s) {
						return fmt.Errorf("request_text lacks %q:\n%s", s, text)
					}
				}
				return nil
			})),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("request_json"), knownvalue.StringFunc(func(doc string) error {
				var got map[string]any
				if err := json.Unmarshal([]byte(doc), &got); err != nil {
					return err
				}
				if !reflect.DeepEqual(got, wantJSON) {
					return fmt.Errorf("request_json:\n got %v\nwant %v", got, wantJSON)
				}
				return nil
			})),
		},
	}
}

func testAccRequest(t *testing.T, e testRequestExpect) {
	t.Helper()
	testAccSteps(t, []resource.TestStep{e.step()})
}

var (
	testECRAPI = func() (knownvalue.Check, map[string]any) {
		return testECRRepo("control_plane_api", "zenml-pro-api", testECRWest, "eu-west-1")
	}
	testECRDashboard = func() (knownvalue.Check, map[string]any) {
		return testECRRepo("control_plane_dashboard", "zenml-pro-dashboard", testECRWest, "eu-west-1")
	}
	testECRServer = func() (knownvalue.Check, map[string]any) {
		return testECRRepo("workspace_server", "zenml-pro-server", testECRCentral, "eu-central-1")
	}
	testGARAPI       = func() (knownvalue.Check, map[string]any) { return testGARRepo("control_plane_api", "zenml-pro-api") }
	testGARDashboard = func() (knownvalue.Check, map[string]any) {
		return testGARRepo("control_plane_dashboard", "zenml-pro-dashboard")
	}
	testGARServer = func() (knownvalue.Check, map[string]any) { return testGARRepo("workspace_server", "zenml-pro-server") }
)

func TestAccRegistryAccessRequest_eksIRSA(t *testing.T) {
	testAccRequest(t, testRequestExpect{
		name:       "eks_irsa",
		body:       "  principal = { aws_iam_role_arn = \"arn:aws:iam::123456789012:role/eks/zenml-pull\" }\n",
		repos:      []func() (knownvalue.Check, map[string]any){testECRAPI, testECRDashboard, testECRServer},
		grantee:    "arn:aws:iam::123456789012:role/eks/zenml-pull",
		method:     "aws_iam_role",
		source:     "zenml_aws",
		components: []string{"control_plane", "workspace_server"},
		extraJSON:  map[string]any{"principal_kind": "AWS IAM role", "aws_account_id": "123456789012"},
		sentences: []string{
			"- Principal: arn:aws:iam::123456789012:role/eks/zenml-pull\n- Kind of principal: AWS IAM role\n",
			"- Our AWS account id: 123456789012",
			"- Workload: Amazon EKS with IAM roles for service accounts (IRSA) (eks_irsa).",
			"in account 715803424590 (note the two regions)",
			"  - 715803424590.dkr.ecr.eu-west-1.amazonaws.com/zenml-pro-api (zenml-pro-api, region eu-west-1, arn:aws:ecr:eu-west-1:715803424590:repository/zenml-pro-api)",
			"  - 715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server (zenml-pro-server, region eu-central-1, arn:aws:ecr:eu-central-1:715803424590:repository/zenml-pro-server)",
			"ecr:BatchGetImage, ecr:GetDownloadUrlForLayer and ecr:BatchCheckLayerAvailability",
			"The role is assumed by a Kubernetes service account of our Amazon EKS cluster through IAM roles for service accounts (IRSA)",
			"Control Plane (API and Web UI, fully self-hosted scenario); Workspace Server",
		},
	})
}

func TestAccRegistryAccessRequest_ecsTask(t *testing.T) {
	testAccRequest(t, testRequestExpect{
		name:       "ecs_task",
		body:       "  principal = { aws_iam_role_arn = \"arn:aws:iam::210987654321:role/ecsTaskExecutionRole\" }\n  components = [\"workspace_server\"]\n  source = \"zenml_aws\"\n",
		repos:      []func() (knownvalue.Check, map[string]any){testECRServer},
		grantee:    "arn:aws:iam::210987654321:role/ecsTaskExecutionRole",
		method:     "aws_iam_role",
		source:     "zenml_aws",
		components: []string{"workspace_server"},
		extraJSON:  map[string]any{"principal_kind": "AWS IAM role", "aws_account_id": "210987654321"},
		sentences: []string{
			"- Our AWS account id: 210987654321",
			"The role is the task execution role of our Amazon ECS tasks; the ECS agent pulls the images with it.",
			"for these components: Workspace Server.",
		},
	})
}

func TestAccRegistryAccessRequest_ec2InstanceProfile(t *testing.T) {
	testAccRequest(t, testRequestExpect{
		name:       "ec2_instance_profile",
		body:       "  principal = { aws_iam_role_arn = \"arn:aws:iam::123456789012:role/zenml-vm\" }\n  components = [\"control_plane\"]\n",
		repos:      []func() (knownvalue.Check, map[string]any){testECRAPI, testECRDashboard},
		grantee:    "arn:aws:iam::123456789012:role/zenml-vm",
		method:     "aws_iam_role",
		source:     "zenml_aws",
		components: []string{"control_plane"},
		extraJSON:  map[string]any{"principal_kind": "AWS IAM role", "aws_account_id": "123456789012"},
		sentences: []string{
			"The role is the role of the instance profile attached to our EC2 instances",
			"for these components: Control Plane (API and Web UI, fully self-hosted scenario).",
		},
	})
}

func TestAccRegistryAccessRequest_gkeWorkloadIdentity(t *testing.T) {
	testAccRequest(t, testRequestExpect{
		name:       "gke_workload_identity",
		body:       "  principal = {\n    gke_workload_identity = { project = \"my-project\", namespace = \"zenml\", service_account = \"zenml-server\" }\n  }\n",
		repos:      []func() (knownvalue.Check, map[string]any){testGARAPI, testGARDashboard, testGARServer},
		grantee:    "serviceAccount:my-project.svc.id.goog[zenml/zenml-server]",
		method:     "gke_workload_identity",
		source:     "zenml_gcp",
		components: []string{"control_plane", "workspace_server"},
		extraJSON: map[string]any{"gcp_project": "my-project",
			"principal_kind": "GKE Workload Identity member: Kubernetes service account \"zenml-server\" in namespace \"zenml\" of a cluster in project \"my-project\""},
		sentences: []string{
			"- Principal: serviceAccount:my-project.svc.id.goog[zenml/zenml-server]\n- Kind of principal: GKE Workload Identity member: Kubernetes service account \"zenml-server\" in namespace \"zenml\" of a cluster in project \"my-project\"\n",
			"- Our GCP project: my-project",
			"- Read access (roles/artifactregistry.reader) on the Artifact Registry repository projects/zenml-cloud/locations/europe-west3/repositories/zenml-pro, for these images:",
			"  - europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-dashboard",
			"- The IAM member to add: serviceAccount:my-project.svc.id.goog[zenml/zenml-server]",
			"Our GKE cluster uses Workload Identity",
		},
	})
}

func TestAccRegistryAccessRequest_gkeWithServiceAccount(t *testing.T) {
	testAccRequest(t, testRequestExpect{
		name:       "gke_workload_identity",
		body:       "  principal = { gcp_service_account = \"gke-pull@my-project.iam.gserviceaccount.com\" }\n  components = [\"workspace_server\"]\n",
		repos:      []func() (knownvalue.Check, map[string]any){testGARServer},
		grantee:    "gke-pull@my-project.iam.gserviceaccount.com",
		method:     "gcp_service_account",
		source:     "zenml_gcp",
		components: []string{"workspace_server"},
		extraJSON:  map[string]any{"gcp_project": "my-project", "principal_kind": "GCP user-managed service account"},
		sentences: []string{
			"- The IAM member to add: serviceAccount:gke-pull@my-project.iam.gserviceaccount.com",
			"the Kubernetes service account of the ZenML Pro pods impersonates this GCP service account",
		},
	})
}

func TestAccRegistryAccessRequest_cloudRun(t *testing.T) {
	testAccRequest(t, testRequestExpect{
		name:       "cloud_run",
		body:       "  principal = { gcp_service_account = \"zenml-run@my-project.iam.gserviceaccount.com\" }\n  components = [\"workspace_server\"]\n  source = \"zenml_gcp\"\n",
		repos:      []func() (knownvalue.Check, map[string]any){testGARServer},
		grantee:    "zenml-run@my-project.iam.gserviceaccount.com",
		method:     "gcp_service_account",
		source:     "zenml_gcp",
		components: []string{"workspace_server"},
		extraJSON:  map[string]any{"gcp_project": "my-project", "principal_kind": "GCP user-managed service account"},
		sentences: []string{
			"- Principal: zenml-run@my-project.iam.gserviceaccount.com\n- Kind of principal: GCP user-managed service account\n",
			"The service account is the service identity of our Cloud Run services",
		},
	})
}

func TestAccRegistryAccessRequest_computeEngine(t *testing.T) {
	testAccRequest(t, testRequestExpect{
		name:       "compute_engine",
		body:       "  principal = { gcp_service_account = \"123456789012-compute@developer.gserviceaccount.com\" }\n",
		repos:      []func() (knownvalue.Check, map[string]any){testGARAPI, testGARDashboard, testGARServer},
		grantee:    "123456789012-compute@developer.gserviceaccount.com",
		method:     "gcp_service_account",
		source:     "zenml_gcp",
		components: []string{"control_plane", "workspace_server"},
		extraJSON:  map[string]any{"gcp_project": "123456789012", "principal_kind": "GCP Compute Engine default service account"},
		sentences: []string{
			"- Principal: 123456789012-compute@developer.gserviceaccount.com\n- Kind of principal: GCP Compute Engine default service account\n",
			"- Our GCP project number: 123456789012",
			"The service account is attached to our Compute Engine VMs",
		},
	})
}

func TestAccRegistryAccessRequest_dockerCredentials(t *testing.T) {
	testAccRequest(t, testRequestExpect{
		name:       "docker_credentials",
		body:       "",
		repos:      []func() (knownvalue.Check, map[string]any){testGARAPI, testGARDashboard, testGARServer},
		method:     "docker_credentials",
		source:     "zenml_gcp",
		components: []string{"control_plane", "workspace_server"},
		sentences: []string{
			"we ask for Docker credentials, a JSON key of a service account with read access that you issue",
			"user _json_key and the key file as password (docker login -u _json_key --password-stdin https://europe-west3-docker.pkg.dev)",
			"user _json_key_base64 and the base64-encoded key in a Kubernetes image pull secret",
			"projects/zenml-cloud/locations/europe-west3/repositories/zenml-pro",
		},
	})
}

// TestAccRegistryAccessRequest_unknownAtValidate feeds values that are unknown at validate time, so
// that Read checks them.
func TestAccRegistryAccessRequest_unknownAtValidate(t *testing.T) {
	cfg := func(arn, source string) string {
		return fmt.Sprintf(`
resource "terraform_data" "v" {
  input = { arn = %q, source = %q }
}
data "zenmlpro_registry_access_request" "r" {
  workload  = "eks_irsa"
  principal = { aws_iam_role_arn = terraform_data.v.output.arn }
  source    = terraform_data.v.output.source
}
`, arn, source)
	}
	testAccSteps(t, []resource.TestStep{
		{Config: cfg("arn:aws:iam::123456789012:instance-profile/web", "zenml_aws"),
			ExpectError: regexp.MustCompile(`(?s)Invalid IAM Role ARN.*principal\.aws_iam_role_arn.*give the role ARN of the instance\s+profile`)},
		{Config: cfg("arn:aws:iam::123456789012:role/web", "zenml_gcp"),
			ExpectError: regexp.MustCompile(`(?s)Source Contradicts Workload.*contradicts workload\s+"eks_irsa"`)},
		{Config: cfg("arn:aws:iam::123456789012:role/web", "zenml_aws"),
			ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue("data.zenmlpro_registry_access_request.r",
				tfjsonpath.New("grantee"), knownvalue.StringExact("arn:aws:iam::123456789012:role/web"))}},
	})
}

func TestAccRegistryAccessRequest_validation(t *testing.T) {
	ds := func(body string) string {
		return "data \"zenmlpro_registry_access_request\" \"r\" {\n" + body + "\n}\n"
	}
	arn := func(v string) string {
		return ds(fmt.Sprintf("workload = \"eks_irsa\"\nprincipal = { aws_iam_role_arn = %q }", v))
	}
	sa := func(v string) string {
		return ds(fmt.Sprintf("workload = \"cloud_run\"\nprincipal = { gcp_service_account = %q }", v))
	}
	wi := func(p, ns, ksa string) string {
		return ds(fmt.Sprintf("workload = \"gke_workload_identity\"\nprincipal = { gke_workload_identity = { project = %q, namespace = %q, service_account = %q } }", p, ns, ksa))
	}
	cases := []struct{ config, want string }{
		// IAM role ARN hints.
		{arn("arn:aws:iam::123456789012:instance-profile/web"), `(?s)Invalid IAM Role ARN.*principal\.aws_iam_role_arn.*give the role ARN of the instance\s+profile\s+\(aws\s+iam\s+get-instance-profile`},
		{arn("arn:aws:sts::123456789012:assumed-role/zenml-pull/i-0abc"), `(?s)STS assumed-role ARN.*give the role ARN:\s+arn:aws:iam::123456789012:role/zenml-pull`},
		{arn("arn:aws:iam::123456789012:user/alice"), `(?s)this is an IAM user ARN; ZenML grants access to IAM roles\s+only`},
		{arn("AROA1234567890ABCDEFG"), `(?s)this is a role ID \(AROA\.\.\.\), not an ARN; give the role\s+ARN`},
		{arn("arn:aws:iam::12345678901:role/x"), `(?s)wrong account id length: 11\s+digits`},
		{arn("arn:aws-iso:iam::123456789012:role/x"), `(?s)partition "aws-iso" is not accepted; use aws, aws-cn or\s+aws-us-gov`},
		{arn("arn:aws:iam::123456789012:role/bad*name"), `(?s)role name "bad\*name" is not valid.*e\.g\.\s+"arn:aws:iam::123456789012:role/zenml-pro-pull"`},
		{arn("arn:aws-cn:iam::123456789012:role/x"), `(?s)Principal Does Not Fit Workload.*IAM does not grant across\s+partitions`},
		// Service account hints.
		{sa("serviceAccount:zenml-run@my-project.iam.gserviceaccount.com"), `(?s)Invalid Service Account.*principal\.gcp_service_account.*remove the\s+"serviceAccount:"\s+prefix`},
		{sa("Zenml-Run@my-project.iam.gserviceaccount.com"), `(?s)upper-case letters; service account e-mails are lower\s+case`},
		{sa("alice@gmail.com"), `(?s)Google user or group e-mail.*not a service\s+account`},
		{sa("abc@my-project.iam.gserviceaccount.com"), `(?s)the service account name "abc" is 3 characters long; it must be 6 to\s+30`},
		{sa("serviceAccount:my-project.svc.id.goog[zenml/zenml-server]"), `(?s)GKE Workload Identity member, not a service account\s+e-mail`},
		{sa("principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/my-project.svc.id.goog/subject/ns/zenml/sa/zenml-server"),
			`(?s)Workload Identity Federation principal identifier.*project "my-project", namespace "zenml", service account "zenml-server"`},
		{sa("123456789012-compute@developer.gserviceaccount.co"), `(?s)Google user or group e-mail`},
		{sa("compute@developer.gserviceaccount.com"), `(?s)PROJECT_NUMBER-compute@developer.gserviceaccount.com`},
		// Workload Identity parts.
		{wi("my", "zenml", "zenml-server"), `(?s)Invalid Project ID.*principal\.gke_workload_identity\.project.*is 2 characters long`},
		{wi("my-project", "Zenml", "zenml-server"), `(?s)Invalid Kubernetes Namespace.*principal\.gke_workload_identity\.namespace.*upper-case`},
		{wi("my-project", "zenml", "zenml@my-project.iam.gserviceaccount.com"), `(?s)Invalid Kubernetes Service Account.*principal\.gke_workload_identity\.service_account.*not a GCP service\s+account`},
		// Workload and principal.
		{ds("workload = \"ecs_task\"\nprincipal = { gcp_service_account = \"zenml-run@my-project.iam.gserviceaccount.com\" }"),
			`(?s)Principal Does Not Fit Workload.*principal\.gcp_service_account.*workload "ecs_task" does not take\s+principal\.gcp_service_account; it takes the ARN of the task execution\s+role`},
		{ds("workload = \"cloud_run\"\nprincipal = { aws_iam_role_arn = \"arn:aws:iam::123456789012:role/x\" }"), `(?s)workload "cloud_run" does not take\s+principal\.aws_iam_role_arn`},
		{ds("workload = \"compute_engine\"\nprincipal = { gke_workload_identity = { project = \"my-project\", namespace = \"zenml\", service_account = \"ksa\" } }"),
			`(?s)workload "compute_engine" does not take\s+principal\.gke_workload_identity`},
		{ds("workload = \"eks_irsa\""), `(?s)Invalid Principal.*workload "eks_irsa" needs a principal.*aws_iam_role_arn\s+=`},
		{ds("workload = \"eks_irsa\"\nprincipal = {}"), `(?s)Invalid Principal.*none is set`},
		{ds("workload = \"cloud_run\"\nprincipal = { aws_iam_role_arn = \"arn:aws:iam::123456789012:role/x\", gcp_service_account = \"zenml-run@my-project.iam.gserviceaccount.com\" }"),
			`(?s)Invalid Principal.*aws_iam_role_arn and gcp_service_account are set`},
		{ds("workload = \"docker_credentials\"\nprincipal = { aws_iam_role_arn = \"arn:aws:iam::123456789012:role/x\" }"), `(?s)workload "docker_credentials" takes no principal`},
		// Source, components, workload.
		{ds("workload = \"eks_irsa\"\nprincipal = { aws_iam_role_arn = \"arn:aws:iam::123456789012:role/x\" }\nsource = \"zenml_gcp\""),
			`(?s)Source Contradicts Workload.*an AWS IAM role can be granted access on ZenML's ECR only`},
		{ds("workload = \"cloud_run\"\nprincipal = { gcp_service_account = \"zenml-run@my-project.iam.gserviceaccount.com\" }\nsource = \"zenml_aws\""),
			`(?s)Source Contradicts Workload.*Artifact Registry\s+only`},
		{ds("workload = \"docker_credentials\"\nsource = \"zenml_aws\""), `(?s)the JSON key ZenML issues is a GCP key`},
		{ds("workload = \"docker_credentials\"\nsource = \"private\""), `(?s)source.*value must be one of`},
		{ds("workload = \"docker_credentials\"\ncomponents = []"), `(?s)Invalid Components.*it is empty: name at least one`},
		{ds("workload = \"docker_credentials\"\ncomponents = [\"client\"]"), `(?s)"client" is not a component`},
		{ds("workload = \"kubernetes\""), `(?s)workload.*value must be one of`},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, c := range cases {
		// Terraform wraps long messages: any blank in a pattern matches any white space.
		want := strings.ReplaceAll(strings.ReplaceAll(c.want, `\s+`, " "), " ", `\s+`)
		steps = append(steps, resource.TestStep{Config: c.config, ExpectError: regexp.MustCompile(want), PlanOnly: true})
	}
	testAccSteps(t, steps)
}

func TestAccRegistryAccessRequest_example(t *testing.T) {
	testAccSteps(t, []resource.TestStep{{
		Config: testAccExample(t, "data-sources/zenmlpro_registry_access_request/data-source.tf"),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownOutputValue("eks_repositories", knownvalue.ObjectExact(map[string]knownvalue.Check{
				"zenml-pro-api": knownvalue.ObjectExact(map[string]knownvalue.Check{"region": knownvalue.StringExact("eu-west-1"),
					"arn": knownvalue.StringExact("arn:aws:ecr:eu-west-1:715803424590:repository/zenml-pro-api")}),
				"zenml-pro-dashboard": knownvalue.ObjectExact(map[string]knownvalue.Check{"region": knownvalue.StringExact("eu-west-1"),
					"arn": knownvalue.StringExact("arn:aws:ecr:eu-west-1:715803424590:repository/zenml-pro-dashboard")}),
				"zenml-pro-server": knownvalue.ObjectExact(map[string]knownvalue.Check{"region": knownvalue.StringExact("eu-central-1"),
					"arn": knownvalue.StringExact("arn:aws:ecr:eu-central-1:715803424590:repository/zenml-pro-server")}),
			})),
			statecheck.ExpectKnownOutputValue("gke_member", knownvalue.StringExact("serviceAccount:my-project.svc.id.goog[zenml/zenml-server]")),
			statecheck.ExpectKnownOutputValue("eks_request_text", knownvalue.StringRegexp(regexp.MustCompile(
				`Principal: arn:aws:iam::123456789012:role/zenml-pro-pull\n- Kind of principal: AWS IAM role\n- Our AWS account id: 123456789012\n`))),
			statecheck.ExpectKnownOutputValue("gke_request_json", knownvalue.StringRegexp(regexp.MustCompile(
				`"method": "gke_workload_identity"`))),
			statecheck.ExpectKnownValue("data.zenmlpro_registry_access_request.docker", tfjsonpath.New("method"),
				knownvalue.StringExact("docker_credentials")),
			statecheck.ExpectKnownOutputValue("eks_pulled_by", knownvalue.StringExact("the kubelet, with the node group's IAM role")),
		},
	}})
}

// testValidateRequest runs the provider server's ValidateDataResourceConfig, as `terraform validate`
// does, on a zenmlpro_registry_access_request configuration. principal holds "aws_iam_role_arn",
// "gcp_service_account" and "gke_workload_identity" (a map[string]any of project, namespace and
// service_account); nil means a null principal.
func testValidateRequest(t *testing.T, workload any, principal map[string]any, components []any, source any) []*tfprotov6.Diagnostic {
	t.Helper()
	_, typ := testDataSourceType(t, NewRegistryAccessRequestDataSource())
	vals := map[string]tftypes.Value{
		"workload": tftypes.NewValue(tftypes.String, workload),
		"source":   tftypes.NewValue(tftypes.String, source),
	}
	if components != nil {
		elems := make([]tftypes.Value, 0, len(components))
		for _, c := range components {
			elems = append(elems, tftypes.NewValue(tftypes.String, c))
		}
		vals["components"] = tftypes.NewValue(typ.AttributeTypes["components"], elems)
	}
	if principal != nil {
		pt, ok := typ.AttributeTypes["principal"].(tftypes.Object)
		if !ok {
			t.Fatal("principal is not an object")
		}
		wt, ok := pt.AttributeTypes["gke_workload_identity"].(tftypes.Object)
		if !ok {
			t.Fatal("gke_workload_identity is not an object")
		}
		pv := map[string]tftypes.Value{
			"aws_iam_role_arn":      tftypes.NewValue(tftypes.String, principal["aws_iam_role_arn"]),
			"gcp_service_account":   tftypes.NewValue(tftypes.String, principal["gcp_service_account"]),
			"gke_workload_identity": tftypes.NewValue(wt, nil),
		}
		if wi, ok := principal["gke_workload_identity"].(map[string]any); ok {
			wv := map[string]tftypes.Value{}
			for _, k := range []string{"project", "namespace", "service_account"} {
				wv[k] = tftypes.NewValue(tftypes.String, wi[k])
			}
			pv["gke_workload_identity"] = tftypes.NewValue(wt, wv)
		}
		vals["principal"] = tftypes.NewValue(pt, pv)
	}
	return testValidate(t, NewRegistryAccessRequestDataSource(), vals)
}

// The rules on literal values hold at `terraform validate`, before the provider is configured; unknown
// values pass and are checked in Read.
func TestRegistryAccessRequestValidate(t *testing.T) {
	const role = "arn:aws:iam::123456789012:role/x"
	cases := []struct {
		name       string
		workload   any
		principal  map[string]any
		components []any
		source     any
		summary    string
		detail     string
	}{
		{"valid", "eks_irsa", map[string]any{"aws_iam_role_arn": role}, nil, nil, "", ""},
		{"instance profile", "eks_irsa", map[string]any{"aws_iam_role_arn": "arn:aws:iam::123456789012:instance-profile/web"}, nil, nil,
			"Invalid IAM Role ARN", "Attribute principal.aws_iam_role_arn: \"arn:aws:iam::123456789012:instance-profile/web\" is not an IAM role ARN: this is an instance-profile ARN"},
		{"namespace", "gke_workload_identity", map[string]any{"gke_workload_identity": map[string]any{"project": "my-project", "namespace": "Zenml", "service_account": "ksa"}},
			nil, nil, "Invalid Kubernetes Namespace", "Attribute principal.gke_workload_identity.namespace: \"Zenml\" is not a Kubernetes namespace"},
		{"mismatch", "ecs_task", map[string]any{"gcp_service_account": "zenml-run@my-project.iam.gserviceaccount.com"}, nil, nil,
			"Principal Does Not Fit Workload", "Attribute principal.gcp_service_account: workload \"ecs_task\" does not take principal.gcp_service_account"},
		{"missing principal", "cloud_run", nil, nil, nil, "Invalid Principal", "Attribute principal: workload \"cloud_run\" needs a principal"},
		{"two principals", "cloud_run", map[string]any{"aws_iam_role_arn": role, "gcp_service_account": "zenml-run@my-project.iam.gserviceaccount.com"}, nil, nil,
			"Invalid Principal", "aws_iam_role_arn and gcp_service_account are set"},
		{"source", "eks_irsa", map[string]any{"aws_iam_role_arn": role}, nil, "zenml_gcp", "Source Contradicts Workload", "Attribute source: source \"zenml_gcp\" contradicts"},
		{"empty components", "docker_credentials", nil, []any{}, nil, "Invalid Components", "Attribute components: it is empty"},
		{"unknown role, source contradicting the workload", "eks_irsa", map[string]any{"aws_iam_role_arn": tftypes.UnknownValue}, nil, "zenml_gcp",
			"Source Contradicts Workload", "Attribute source: source \"zenml_gcp\" contradicts"},
		{"unknown role", "eks_irsa", map[string]any{"aws_iam_role_arn": tftypes.UnknownValue}, nil, "zenml_aws", "", ""},
		{"unknown source", "eks_irsa", map[string]any{"aws_iam_role_arn": role}, nil, tftypes.UnknownValue, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			diags := testValidateRequest(t, c.workload, c.principal, c.components, c.source)
			if c.summary == "" {
				if len(diags) != 0 {
					t.Fatalf("want no diagnostics, got %+v", diags[0])
				}
				return
			}
			if len(diags) != 1 {
				t.Fatalf("want one diagnostic, got %d: %+v", len(diags), diags)
			}
			if diags[0].Summary != c.summary || !strings.Contains(diags[0].Detail, c.detail) {
				t.Fatalf("got %q: %q\nwant %q: ...%q...", diags[0].Summary, diags[0].Detail, c.summary, c.detail)
			}
		})
	}
}

// The node identities are workloads of their own, and say who pulls; a pod identity without the
// kubelet's credential provider is a warning naming the node workload to ask for instead.
func TestAccRegistryAccessRequest_nodeIdentities(t *testing.T) {
	for _, e := range []testRequestExpect{
		{
			name: "eks_node_role", body: "  principal = { aws_iam_role_arn = \"arn:aws:iam::123456789012:role/eks-node-group\" }\n  components = [\"workspace_server\"]\n",
			repos: []func() (knownvalue.Check, map[string]any){testECRServer}, grantee: "arn:aws:iam::123456789012:role/eks-node-group",
			method: "aws_iam_role", source: "zenml_aws", components: []string{"workspace_server"},
			extraJSON: map[string]any{"principal_kind": "AWS IAM role", "aws_account_id": "123456789012"},
			sentences: []string{"- Workload: Amazon EKS nodes (the node group's IAM role) (eks_node_role).",
				"The role is the IAM role of our Amazon EKS node group; the kubelet on those nodes pulls the images with it."},
			pulledBy: "the kubelet, with the node group's IAM role",
		},
		{
			name: "eks_fargate", body: "  principal = { aws_iam_role_arn = \"arn:aws:iam::123456789012:role/fargate-pods\" }\n  components = [\"workspace_server\"]\n",
			repos: []func() (knownvalue.Check, map[string]any){testECRServer}, grantee: "arn:aws:iam::123456789012:role/fargate-pods",
			method: "aws_iam_role", source: "zenml_aws", components: []string{"workspace_server"},
			extraJSON: map[string]any{"principal_kind": "AWS IAM role", "aws_account_id": "123456789012"},
			sentences: []string{"pod execution role of our Amazon EKS Fargate profile; Fargate pulls the images with it."},
			pulledBy:  "the Fargate infrastructure, with the pod execution role",
		},
		{
			name: "gke_node", body: "  principal = { gcp_service_account = \"gke-nodes@my-project.iam.gserviceaccount.com\" }\n  components = [\"workspace_server\"]\n",
			repos: []func() (knownvalue.Check, map[string]any){testGARServer}, grantee: "gke-nodes@my-project.iam.gserviceaccount.com",
			method: "gcp_service_account", source: "zenml_gcp", components: []string{"workspace_server"},
			extraJSON: map[string]any{"principal_kind": "GCP user-managed service account", "gcp_project": "my-project"},
			sentences: []string{"- The IAM member to add: serviceAccount:gke-nodes@my-project.iam.gserviceaccount.com",
				"the one of our GKE node pool; the kubelet on those nodes pulls the images with it."},
			pulledBy: "the kubelet, with the node pool's service account",
		},
	} {
		t.Run(e.name, func(t *testing.T) { testAccRequest(t, e) })
	}
}

func TestAccRegistryAccessRequest_podIdentityWarning(t *testing.T) {
	irsa := "data \"zenmlpro_registry_access_request\" \"p\" {\n  workload = \"eks_irsa\"\n  principal = { aws_iam_role_arn = \"arn:aws:iam::123456789012:role/zenml-pods\" }\n%s}\n"
	testAccSteps(t, []resource.TestStep{
		{
			// The warning does not fail the plan (a step cannot read it: the direct Read below does).
			Config: fmt.Sprintf(irsa, ""),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.zenmlpro_registry_access_request.p", tfjsonpath.New("pulled_by"),
					knownvalue.StringRegexp(regexp.MustCompile(`^the kubelet, with the node's IAM role .* not the IRSA role`))),
			},
		},
		{
			Config: fmt.Sprintf(irsa, "  kubelet_uses_pod_identity = true\n"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.zenmlpro_registry_access_request.p", tfjsonpath.New("pulled_by"),
					knownvalue.StringRegexp(regexp.MustCompile(`^the pods' identity`))),
				statecheck.ExpectKnownValue("data.zenmlpro_registry_access_request.p", tfjsonpath.New("request_text"),
					knownvalue.StringRegexp(regexp.MustCompile(`the kubelet's image credential provider pulls the ZenML Pro images`))),
			},
		},
	})
	diags := readRegistryAccessRequest(t, map[string]tftypes.Value{
		"workload": tftypes.NewValue(tftypes.String, "eks_irsa"),
	}, "arn:aws:iam::123456789012:role/zenml-pods")
	if len(diags) != 1 || diags[0].Severity() != diag.SeverityWarning || diags[0].Summary() != "Pod Identity Does Not Pull Images" ||
		!strings.Contains(diags[0].Detail(), `workload = "eks_node_role"`) {
		t.Fatalf("diagnostics = %+v; want one warning naming eks_node_role", diags)
	}
}

// readRegistryAccessRequest runs the data source's Read directly with the given attributes and an
// aws_iam_role_arn principal, and returns its diagnostics: the CLI prints warnings, but a test step
// cannot read them.
func readRegistryAccessRequest(t *testing.T, attrs map[string]tftypes.Value, roleARN string) diag.Diagnostics {
	t.Helper()
	ds := NewRegistryAccessRequestDataSource()
	sch, typ := testDataSourceType(t, ds)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range attrs {
		vals[name] = v
	}
	pt, ok := typ.AttributeTypes["principal"].(tftypes.Object)
	if !ok {
		t.Fatal("principal is not an object")
	}
	pvals := map[string]tftypes.Value{}
	for name, at := range pt.AttributeTypes {
		pvals[name] = tftypes.NewValue(at, nil)
	}
	pvals["aws_iam_role_arn"] = tftypes.NewValue(tftypes.String, roleARN)
	vals["principal"] = tftypes.NewValue(pt, pvals)
	req := datasource.ReadRequest{Config: tfsdk.Config{Schema: sch, Raw: tftypes.NewValue(typ, vals)}}
	resp := datasource.ReadResponse{State: tfsdk.State{Schema: sch, Raw: tftypes.NewValue(typ, nil)}}
	ds.Read(t.Context(), req, &resp)
	return resp.Diagnostics
}
