// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package accessrequest

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/principal"
)

func str(s string) *string { return &s }

const (
	ecrAPI       = "715803424590.dkr.ecr.eu-west-1.amazonaws.com/zenml-pro-api"
	ecrDashboard = "715803424590.dkr.ecr.eu-west-1.amazonaws.com/zenml-pro-dashboard"
	ecrServer    = "715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server"
	garServer    = "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-server"
)

func TestBuildRequestAWS(t *testing.T) {
	r, err := BuildRequest(RequestSpec{Workload: "eks_irsa", PrincipalSet: true, AWSIAMRoleARN: str("arn:aws:iam::123456789012:role/eks/zenml-pull")})
	if err != nil {
		t.Fatal(err)
	}
	if r.Method != MethodAWSIAMRole || r.Principal != "arn:aws:iam::123456789012:role/eks/zenml-pull" || r.AWSAccount != "123456789012" || r.Source != "zenml_aws" {
		t.Fatalf("got %+v", r)
	}
	want := []Repository{
		{Component: "control_plane_api", ImageName: "zenml-pro-api", Repository: ecrAPI, RegistryHost: "715803424590.dkr.ecr.eu-west-1.amazonaws.com",
			Region: "eu-west-1", ARN: "arn:aws:ecr:eu-west-1:715803424590:repository/zenml-pro-api"},
		{Component: "control_plane_dashboard", ImageName: "zenml-pro-dashboard", Repository: ecrDashboard, RegistryHost: "715803424590.dkr.ecr.eu-west-1.amazonaws.com",
			Region: "eu-west-1", ARN: "arn:aws:ecr:eu-west-1:715803424590:repository/zenml-pro-dashboard"},
		{Component: "workspace_server", ImageName: "zenml-pro-server", Repository: ecrServer, RegistryHost: "715803424590.dkr.ecr.eu-central-1.amazonaws.com",
			Region: "eu-central-1", ARN: "arn:aws:ecr:eu-central-1:715803424590:repository/zenml-pro-server"},
	}
	if !reflect.DeepEqual(r.Repositories, want) {
		t.Fatalf("repositories:\n got %+v\nwant %+v", r.Repositories, want)
	}
	for _, s := range []string{
		"Hello ZenML support,",
		"- Principal: arn:aws:iam::123456789012:role/eks/zenml-pull\n- Kind of principal: AWS IAM role\n",
		"- Our AWS account id: 123456789012",
		"arn:aws:ecr:eu-central-1:715803424590:repository/zenml-pro-server",
		"ecr:BatchGetImage, ecr:GetDownloadUrlForLayer and ecr:BatchCheckLayerAvailability",
		"assumed by a Kubernetes service account of our Amazon EKS cluster through IAM roles for service accounts (IRSA)",
		"Control Plane (API and Web UI, fully self-hosted scenario); Workspace Server",
	} {
		if !strings.Contains(r.Text, s) {
			t.Errorf("text lacks %q:\n%s", s, r.Text)
		}
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.JSON), &doc); err != nil {
		t.Fatal(err)
	}
	repos, ok := doc["repositories"].([]any)
	if !ok || len(repos) != 3 || doc["aws_account_id"] != "123456789012" || doc["method"] != "aws_iam_role" || doc["access"] != "pull" {
		t.Fatalf("json: %s", r.JSON)
	}
	// Keys are sorted at every level: re-encoding the decoded document (maps sort their keys) gives the same text.
	var anyDoc any
	if err := json.Unmarshal([]byte(r.JSON), &anyDoc); err != nil {
		t.Fatal(err)
	}
	if b, _ := json.MarshalIndent(anyDoc, "", "  "); string(b) != r.JSON {
		t.Fatalf("JSON keys are not sorted:\n%s", r.JSON)
	}
	again, _ := BuildRequest(RequestSpec{Workload: "eks_irsa", PrincipalSet: true, AWSIAMRoleARN: str("arn:aws:iam::123456789012:role/eks/zenml-pull"),
		Components: []string{"workspace_server", "control_plane"}})
	if again.JSON != r.JSON || again.Text != r.Text {
		t.Fatal("request depends on the order of components")
	}
}

func TestBuildRequestGCP(t *testing.T) {
	cases := []struct {
		spec              RequestSpec
		method            Method
		principal, inText string
	}{
		{RequestSpec{Workload: "cloud_run", PrincipalSet: true, GCPServiceAccount: str("run-sa@my-project.iam.gserviceaccount.com"), Components: []string{"workspace_server"}},
			MethodGCPServiceAccount, "run-sa@my-project.iam.gserviceaccount.com", "The IAM member to add: serviceAccount:run-sa@my-project.iam.gserviceaccount.com"},
		{RequestSpec{Workload: "cloud_run", PrincipalSet: true, GCPServiceAccount: str("service-123456789012@serverless-robot-prod.iam.gserviceaccount.com"), Components: []string{"workspace_server"}},
			MethodGCPServiceAccount, "service-123456789012@serverless-robot-prod.iam.gserviceaccount.com", "the Cloud Run Service Agent of our project"},
		{RequestSpec{Workload: "compute_engine", PrincipalSet: true, GCPServiceAccount: str("123456789012-compute@developer.gserviceaccount.com"), Components: []string{"workspace_server"}},
			MethodGCPServiceAccount, "123456789012-compute@developer.gserviceaccount.com", "Our GCP project number: 123456789012"},
		{RequestSpec{Workload: "gke_workload_identity", PrincipalSet: true, GKEWorkloadIdentity: &principal.WorkloadIdentity{Project: "my-project", Namespace: "zenml", ServiceAccount: "zenml-server"}, Components: []string{"workspace_server"}},
			MethodGKEWorkloadIdentity, "serviceAccount:my-project.svc.id.goog[zenml/zenml-server]", "The IAM member to add: serviceAccount:my-project.svc.id.goog[zenml/zenml-server]"},
		{RequestSpec{Workload: "gke_workload_identity", PrincipalSet: true, GCPServiceAccount: str("gke-pull@my-project.iam.gserviceaccount.com"), Components: []string{"workspace_server"}},
			MethodGCPServiceAccount, "gke-pull@my-project.iam.gserviceaccount.com", "impersonates this GCP service account"},
		{RequestSpec{Workload: "docker_credentials", Components: []string{"workspace_server"}, Source: "zenml_gcp"},
			MethodDockerCredentials, "", "user _json_key_base64"},
	}
	for _, c := range cases {
		r, err := BuildRequest(c.spec)
		if err != nil {
			t.Errorf("%s: %v", c.spec.Workload, err)
			continue
		}
		if r.Method != c.method || r.Principal != c.principal || r.Source != "zenml_gcp" {
			t.Errorf("%s: got method %s principal %q source %s", c.spec.Workload, r.Method, r.Principal, r.Source)
		}
		want := []Repository{{Component: "workspace_server", ImageName: "zenml-pro-server", Repository: garServer, RegistryHost: "europe-west3-docker.pkg.dev",
			Location: "europe-west3", Project: "zenml-cloud", RepositoryID: "zenml-pro"}}
		if !reflect.DeepEqual(r.Repositories, want) {
			t.Errorf("%s: repositories %+v", c.spec.Workload, r.Repositories)
		}
		for _, s := range []string{c.inText, "roles/artifactregistry.reader", "projects/zenml-cloud/locations/europe-west3/repositories/zenml-pro"} {
			if !strings.Contains(r.Text, s) {
				t.Errorf("%s: text lacks %q:\n%s", c.spec.Workload, s, r.Text)
			}
		}
	}
}

func TestBuildRequestErrors(t *testing.T) {
	arn, sa := str(principal.ExampleAWSRoleARN), str(principal.ExampleGCPServiceAccount)
	cases := []struct {
		spec        RequestSpec
		input, want string
	}{
		{RequestSpec{Workload: "k8s"}, InputWorkload, "\"k8s\" is not a workload"},
		{RequestSpec{Workload: "docker_credentials", PrincipalSet: true, AWSIAMRoleARN: arn}, principal.InputPrincipal, "takes no principal"},
		{RequestSpec{Workload: "eks_irsa"}, principal.InputPrincipal, "workload \"eks_irsa\" needs a principal: the ARN of the IAM role of the Kubernetes service account (aws_iam_role_arn), e.g. principal = { aws_iam_role_arn"},
		{RequestSpec{Workload: "cloud_run", PrincipalSet: true}, principal.InputPrincipal, "none is set"},
		{RequestSpec{Workload: "cloud_run", PrincipalSet: true, AWSIAMRoleARN: arn, GCPServiceAccount: sa}, principal.InputPrincipal, "aws_iam_role_arn and gcp_service_account are set"},
		{RequestSpec{Workload: "ecs_task", PrincipalSet: true, GCPServiceAccount: sa}, principal.InputGCPServiceAccount, "workload \"ecs_task\" does not take principal.gcp_service_account; it takes the ARN of the task execution role"},
		{RequestSpec{Workload: "cloud_run", PrincipalSet: true, AWSIAMRoleARN: arn}, principal.InputAWSIAMRoleARN, "does not take principal.aws_iam_role_arn"},
		{RequestSpec{Workload: "compute_engine", PrincipalSet: true, GKEWorkloadIdentity: &principal.WorkloadIdentity{Project: "my-project", Namespace: "zenml", ServiceAccount: "ksa"}}, principal.InputGKEWorkloadIdentity, "does not take principal.gke_workload_identity"},
		{RequestSpec{Workload: "eks_irsa", PrincipalSet: true, AWSIAMRoleARN: str("arn:aws:iam::123456789012:instance-profile/x")}, principal.InputAWSIAMRoleARN, "give the role ARN of the instance profile"},
		{RequestSpec{Workload: "eks_irsa", PrincipalSet: true, AWSIAMRoleARN: str("arn:aws-cn:iam::123456789012:role/x")}, principal.InputAWSIAMRoleARN, "IAM does not grant across partitions"},
		{RequestSpec{Workload: "cloud_run", PrincipalSet: true, GCPServiceAccount: str("alice@gmail.com")}, principal.InputGCPServiceAccount, "not a service account"},
		{RequestSpec{Workload: "gke_workload_identity", PrincipalSet: true, GKEWorkloadIdentity: &principal.WorkloadIdentity{Project: "my-project", Namespace: "Zenml", ServiceAccount: "ksa"}}, principal.InputGKEWorkloadIdentity + ".namespace", "upper-case"},
		{RequestSpec{Workload: "eks_irsa", PrincipalSet: true, AWSIAMRoleARN: arn, Source: "zenml_gcp"}, InputSource, "source \"zenml_gcp\" contradicts workload \"eks_irsa\": an AWS IAM role can be granted access on ZenML's ECR only"},
		{RequestSpec{Workload: "cloud_run", PrincipalSet: true, GCPServiceAccount: sa, Source: "zenml_aws"}, InputSource, "Artifact Registry only"},
		{RequestSpec{Workload: "docker_credentials", Source: "zenml_aws"}, InputSource, "the JSON key ZenML issues is a GCP key"},
		{RequestSpec{Workload: "docker_credentials", Source: "private"}, InputSource, "is not one of ZenML's registries"},
		{RequestSpec{Workload: "docker_credentials", Components: []string{}}, InputComponents, "it is empty"},
		{RequestSpec{Workload: "docker_credentials", Components: []string{"client"}}, InputComponents, "\"client\" is not a component"},
	}
	for _, c := range cases {
		_, err := BuildRequest(c.spec)
		var ie *inputerr.Error
		if !errors.As(err, &ie) {
			t.Errorf("%+v: error %v, want *inputerr.Error", c.spec, err)
			continue
		}
		if ie.Input != c.input || !strings.Contains(ie.Detail, c.want) || ie.Summary == "" {
			t.Errorf("%+v:\n got %s (%s): %s\nwant %s: ...%s...", c.spec, ie.Input, ie.Summary, ie.Detail, c.input, c.want)
		}
	}
}

// The text follows the kind of the service account: a project id or number, the Cloud Run Service
// Agent or a service identity, and the registry host of the request.
func TestBuildRequestGCPText(t *testing.T) {
	cases := []struct {
		spec          RequestSpec
		want, notWant string
	}{
		{RequestSpec{Workload: "compute_engine", PrincipalSet: true, GCPServiceAccount: str("123456789012-compute@developer.gserviceaccount.com")},
			"- Our GCP project number: 123456789012\n", ""},
		{RequestSpec{Workload: "compute_engine", PrincipalSet: true, GCPServiceAccount: str("123456789012-compute@developer.gserviceaccount.com")},
			"(gcloud auth configure-docker europe-west3-docker.pkg.dev).", ""},
		{RequestSpec{Workload: "cloud_run", PrincipalSet: true, GCPServiceAccount: str("run-sa@my-project.iam.gserviceaccount.com")},
			"- Our GCP project: my-project\n", "Cloud Run Service Agent"},
		{RequestSpec{Workload: "cloud_run", PrincipalSet: true, GCPServiceAccount: str("service-123456789012@serverless-robot-prod.iam.gserviceaccount.com")},
			"- Our GCP project number: 123456789012\n", "service identity"},
		{RequestSpec{Workload: "compute_engine", PrincipalSet: true, GCPServiceAccount: str("my-project@appspot.gserviceaccount.com")},
			"- Our GCP project: my-project\n", "project number"},
	}
	for _, c := range cases {
		r, err := BuildRequest(c.spec)
		if err != nil {
			t.Fatalf("%+v: %v", c.spec, err)
		}
		if !strings.Contains(r.Text, c.want) {
			t.Errorf("%s: text lacks %q:\n%s", *c.spec.GCPServiceAccount, c.want, r.Text)
		}
		if c.notWant != "" && strings.Contains(r.Text, c.notWant) {
			t.Errorf("%s: text holds %q:\n%s", *c.spec.GCPServiceAccount, c.notWant, r.Text)
		}
	}
}

func TestCheckSource(t *testing.T) {
	for _, tc := range []struct{ workload, source, want string }{
		{"eks_irsa", "zenml_aws", ""},
		{"cloud_run", "zenml_gcp", ""},
		{"docker_credentials", "zenml_gcp", ""},
		{"eks_irsa", "zenml_gcp", `source "zenml_gcp" contradicts workload "eks_irsa"`},
		{"gke_workload_identity", "zenml_aws", `source "zenml_aws" contradicts workload "gke_workload_identity"`},
		{"k8s", "zenml_aws", `"k8s" is not a workload`},
	} {
		err := CheckSource(tc.workload, tc.source)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("CheckSource(%q, %q) = %v, want %q", tc.workload, tc.source, err, tc.want)
		}
	}
}

// The node identities are workloads of their own on their cloud; a pod identity pulls only when the
// kubelet uses it, and the request says which identity pulls.
func TestNodeIdentities(t *testing.T) {
	role := "arn:aws:iam::123456789012:role/eks-nodes"
	for _, tc := range []struct {
		workload Workload
		spec     RequestSpec
		source   string
		pulledBy string
	}{
		{EKSNodeRole, RequestSpec{PrincipalSet: true, AWSIAMRoleARN: &role}, "zenml_aws", "the kubelet, with the node group's IAM role"},
		{EKSFargate, RequestSpec{PrincipalSet: true, AWSIAMRoleARN: &role}, "zenml_aws", "the Fargate infrastructure, with the pod execution role"},
		{EKSIRSA, RequestSpec{PrincipalSet: true, AWSIAMRoleARN: &role}, "zenml_aws", "the kubelet, with the node's IAM role"},
		{EKSIRSA, RequestSpec{PrincipalSet: true, AWSIAMRoleARN: &role, KubeletUsesPodIdentity: true}, "zenml_aws", "the pods' identity"},
	} {
		tc.spec.Workload = string(tc.workload)
		r, err := BuildRequest(tc.spec)
		if err != nil {
			t.Fatalf("%s: %v", tc.workload, err)
		}
		if string(r.Source) != tc.source || !strings.HasPrefix(r.PulledBy, tc.pulledBy) || !strings.Contains(r.JSON, `"pulled_by": "`+tc.pulledBy) {
			t.Errorf("%s (kubelet %v): source %s, pulled_by %q; want %s, %q", tc.workload, tc.spec.KubeletUsesPodIdentity, r.Source, r.PulledBy, tc.source, tc.pulledBy)
		}
	}
	sa := "gke-nodes@my-project.iam.gserviceaccount.com"
	r, err := BuildRequest(RequestSpec{Workload: string(GKENode), PrincipalSet: true, GCPServiceAccount: &sa})
	if err != nil || r.Source != "zenml_gcp" || r.Method != MethodGCPServiceAccount || r.PulledBy != "the kubelet, with the node pool's service account" {
		t.Errorf("gke_node: %+v, %v", r, err)
	}
	// A node workload takes the node's principal only.
	if _, err := BuildRequest(RequestSpec{Workload: string(GKENode), PrincipalSet: true, AWSIAMRoleARN: &role}); err == nil {
		t.Error("gke_node accepted an IAM role")
	}
	// The flag means nothing for a workload that is no pod identity.
	r, _ = BuildRequest(RequestSpec{Workload: string(EKSNodeRole), PrincipalSet: true, AWSIAMRoleARN: &role, KubeletUsesPodIdentity: true})
	if r.KubeletUsesPodIdentity || !EKSIRSA.PodIdentity() || !GKEWorkloadIdentity.PodIdentity() || EKSNodeRole.PodIdentity() {
		t.Error("PodIdentity or KubeletUsesPodIdentity is wrong")
	}
	if EKSIRSA.NodeWorkload() != EKSNodeRole || GKEWorkloadIdentity.NodeWorkload() != GKENode {
		t.Error("NodeWorkload is wrong")
	}
}
