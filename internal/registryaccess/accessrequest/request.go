// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package accessrequest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/principal"
)

// Workload is where the ZenML Pro containers run, which decides the identity that pulls the images.
type Workload string

const (
	// EKSIRSA is Amazon EKS with IAM roles for service accounts.
	EKSIRSA Workload = "eks_irsa"
	// ECSTask is an Amazon ECS task (its task execution role pulls the images).
	ECSTask Workload = "ecs_task"
	// EC2InstanceProfile is Docker on EC2 instances with an instance profile.
	EC2InstanceProfile Workload = "ec2_instance_profile"
	// GKEWorkloadIdentity is GKE with Workload Identity.
	GKEWorkloadIdentity Workload = "gke_workload_identity"
	// CloudRun is a Cloud Run service.
	CloudRun Workload = "cloud_run"
	// ComputeEngine is Docker on Compute Engine VMs.
	ComputeEngine Workload = "compute_engine"
	// DockerCredentials is any other environment, with a JSON key issued by ZenML.
	DockerCredentials Workload = "docker_credentials"
	// EKSNodeRole is Amazon EKS whose nodes' IAM role pulls the images: the kubelet pulls with the
	// node's identity, whatever role the pods assume.
	EKSNodeRole Workload = "eks_node_role"
	// EKSFargate is Amazon EKS on Fargate, whose pod execution role pulls the images.
	EKSFargate Workload = "eks_fargate"
	// GKENode is GKE whose nodes' service account pulls the images.
	GKENode Workload = "gke_node"
)

// Workloads lists every workload in a fixed order; validators and descriptions are built from it.
func Workloads() []Workload {
	return []Workload{EKSIRSA, EKSNodeRole, EKSFargate, ECSTask, EC2InstanceProfile, GKEWorkloadIdentity, GKENode, CloudRun, ComputeEngine, DockerCredentials}
}

// WorkloadNames returns the workloads as strings.
func WorkloadNames() []string {
	out := make([]string, 0, len(Workloads()))
	for _, w := range Workloads() {
		out = append(out, string(w))
	}
	return out
}

// Title is the human name of the workload.
func (w Workload) Title() string {
	switch w {
	case EKSIRSA:
		return "Amazon EKS with IAM roles for service accounts (IRSA)"
	case EKSNodeRole:
		return "Amazon EKS nodes (the node group's IAM role)"
	case EKSFargate:
		return "Amazon EKS on Fargate (the pod execution role)"
	case GKENode:
		return "GKE nodes (the node pool's service account)"
	case ECSTask:
		return "Amazon ECS tasks"
	case EC2InstanceProfile:
		return "Docker on Amazon EC2 instances"
	case GKEWorkloadIdentity:
		return "GKE with Workload Identity"
	case CloudRun:
		return "Cloud Run"
	case ComputeEngine:
		return "Docker on Compute Engine VMs"
	case DockerCredentials:
		return "an environment outside AWS and GCP, with Docker credentials"
	}
	return string(w)
}

// AWS reports whether the workload runs on AWS and pulls with an IAM role.
func (w Workload) AWS() bool {
	return w == EKSIRSA || w == EKSNodeRole || w == EKSFargate || w == ECSTask || w == EC2InstanceProfile
}

// PodIdentity reports whether the workload's principal is the identity of the pods (IRSA, Workload
// Identity). On Kubernetes the kubelet pulls images with the node's identity, not the pods', unless
// its image credential provider is configured to use the pods' service account tokens (Kubernetes
// 1.33+): a grant to a pod identity alone then lets the pods call the registry but not pull.
func (w Workload) PodIdentity() bool { return w == EKSIRSA || w == GKEWorkloadIdentity }

// NodeWorkload is the workload whose identity the kubelet pulls with, for a pod identity workload.
func (w Workload) NodeWorkload() Workload {
	if w == GKEWorkloadIdentity {
		return GKENode
	}
	return EKSNodeRole
}

// Puller says which identity pulls the images of the workload, for the state and messages.
func (w Workload) Puller(kubeletUsesPodIdentity bool) string {
	switch {
	case w.PodIdentity() && kubeletUsesPodIdentity:
		return "the pods' identity: the kubelet's image credential provider pulls with the pods' service account token (Kubernetes 1.33+)"
	case w == EKSIRSA:
		return "the kubelet, with the node's IAM role (the node group's role, or the Fargate pod execution role), not the IRSA role, " +
			"unless the kubelet's image credential provider is configured to use the pods' service account token (Kubernetes 1.33+)"
	case w == GKEWorkloadIdentity:
		return "the kubelet, with the node pool's service account, not the Workload Identity member, unless the kubelet's image " +
			"credential provider is configured to use the pods' service account token (Kubernetes 1.33+)"
	case w == EKSNodeRole:
		return "the kubelet, with the node group's IAM role"
	case w == EKSFargate:
		return "the Fargate infrastructure, with the pod execution role"
	case w == GKENode:
		return "the kubelet, with the node pool's service account"
	case w == ECSTask:
		return "the ECS agent, with the task execution role"
	case w == EC2InstanceProfile:
		return "Docker on the instances, with the instance profile's role"
	case w == CloudRun:
		return "Cloud Run, with the service's identity (or the Cloud Run Service Agent)"
	case w == ComputeEngine:
		return "Docker on the VMs, with the attached service account"
	}
	return "whoever logs in with the JSON key ZenML issues (a Kubernetes image pull secret, docker login)"
}

// Source is the ZenML registry the workload can be granted access to: ZenML's ECR for AWS workloads,
// ZenML's Artifact Registry for GCP workloads and Docker credentials.
func (w Workload) Source() images.Source {
	if w.AWS() {
		return images.SourceZenMLAWS
	}
	return images.SourceZenMLGCP
}

// PrincipalHint says which principal the workload takes, for messages and descriptions.
func (w Workload) PrincipalHint() string {
	switch w {
	case EKSIRSA:
		return "the ARN of the IAM role of the Kubernetes service account (`aws_iam_role_arn`)"
	case EKSNodeRole:
		return "the ARN of the node group's IAM role (`aws_iam_role_arn`)"
	case EKSFargate:
		return "the ARN of the Fargate profile's pod execution role (`aws_iam_role_arn`)"
	case GKENode:
		return "the e-mail of the node pool's service account (`gcp_service_account`)"
	case ECSTask:
		return "the ARN of the task execution role (`aws_iam_role_arn`)"
	case EC2InstanceProfile:
		return "the ARN of the instance profile's role (`aws_iam_role_arn`)"
	case GKEWorkloadIdentity:
		return "the Kubernetes service account (`gke_workload_identity`) or the GCP service account it impersonates (`gcp_service_account`)"
	case CloudRun:
		return "the e-mail of the service's service account (`gcp_service_account`)"
	case ComputeEngine:
		return "the e-mail of the service account attached to the VMs (`gcp_service_account`)"
	case DockerCredentials:
		return "no principal: ZenML issues a JSON key"
	}
	return ""
}

// Component is a part of a ZenML Pro deployment whose images need access.
type Component string

const (
	// ControlPlane is the Control Plane (API and Web UI), run only in the fully self-hosted scenario.
	ControlPlane Component = "control_plane"
	// WorkspaceServer is the Workspace Server.
	WorkspaceServer Component = "workspace_server"
)

// Components lists every component in a fixed order.
func Components() []Component { return []Component{ControlPlane, WorkspaceServer} }

// ComponentNames returns the components as strings.
func ComponentNames() []string { return []string{string(ControlPlane), string(WorkspaceServer)} }

// Images are the container images of the component.
func (c Component) Images() []images.Component {
	if c == ControlPlane {
		return []images.Component{images.ControlPlaneAPI, images.ControlPlaneDashboard}
	}
	return []images.Component{images.WorkspaceServer}
}

// Title is the human name of the component.
func (c Component) Title() string {
	if c == ControlPlane {
		return "Control Plane (API and Web UI, fully self-hosted scenario)"
	}
	return "Workspace Server"
}

// Method is how the access is granted.
type Method string

const (
	// MethodAWSIAMRole grants an IAM role pull on ZenML's ECR repositories.
	MethodAWSIAMRole Method = "aws_iam_role"
	// MethodGCPServiceAccount grants a service account read on ZenML's Artifact Registry repository.
	MethodGCPServiceAccount Method = "gcp_service_account"
	// MethodGKEWorkloadIdentity grants a Kubernetes service account (a Workload Identity member) read on ZenML's Artifact Registry repository.
	MethodGKEWorkloadIdentity Method = "gke_workload_identity"
	// MethodDockerCredentials asks ZenML for a JSON key.
	MethodDockerCredentials Method = "docker_credentials"
)

// Inputs of a request that are not the principal, named as the provider's schema names them. An
// *inputerr.Error names the one at fault.
const (
	InputWorkload   = "workload"
	InputComponents = "components"
	InputSource     = "source"
)

// RequestSpec is what a request is built from. Pointers are nil for absent values.
type RequestSpec struct {
	Workload string
	// PrincipalSet reports whether a principal object was given at all.
	PrincipalSet        bool
	AWSIAMRoleARN       *string
	GCPServiceAccount   *string
	GKEWorkloadIdentity *principal.WorkloadIdentity
	// Components are the component names; nil means both.
	Components []string
	// Source is empty to derive it from the workload.
	Source string
	// KubeletUsesPodIdentity says that the kubelet's image credential provider pulls with the pods'
	// service account token (Kubernetes 1.33+), so that a pod identity really pulls the images.
	KubeletUsesPodIdentity bool
}

// Repository is one ZenML repository that must grant access.
type Repository struct {
	Component    string
	ImageName    string
	Repository   string
	RegistryHost string
	// ECR only.
	Region string
	ARN    string
	// Artifact Registry only.
	Location     string
	Project      string
	RepositoryID string
}

// Request is the access request to send ZenML.
type Request struct {
	Workload   Workload
	Source     images.Source
	Method     Method
	Components []Component
	// Principal is the role ARN, the service account e-mail or the Workload Identity member; empty for
	// Docker credentials.
	Principal string
	// PrincipalKind describes the principal, e.g. "IAM role".
	PrincipalKind string
	// AWSAccount is the account id of an IAM role.
	AWSAccount string
	// GCPProject is the project (id, or number when gcpKind.ProjectNumbered) of a GCP principal.
	GCPProject string
	// gcpKind is the kind of a GCP service account principal.
	gcpKind      principal.GCPKind
	Repositories []Repository
	// KubeletUsesPodIdentity is the spec's, for a pod identity workload.
	KubeletUsesPodIdentity bool
	// PulledBy says which identity pulls the images (Workload.Puller).
	PulledBy string
	// JSON is a stable JSON document of the request, with sorted keys.
	JSON string
	// Text is the message to send ZenML.
	Text string
}

// ZenMLAWSAccount is the AWS account of ZenML's ECR registries.
const ZenMLAWSAccount = "715803424590"

// ExampleFor returns a valid principal for the workload, in HCL, for messages.
func ExampleFor(w Workload) string {
	switch {
	case w.AWS():
		return fmt.Sprintf("principal = { aws_iam_role_arn = %q }", principal.ExampleAWSRoleARN)
	case w == GKEWorkloadIdentity:
		return fmt.Sprintf("principal = { gke_workload_identity = { project = %q, namespace = %q, service_account = %q } }",
			principal.ExampleGCPProject, principal.ExampleKubernetesNamespace, principal.ExampleKubernetesSA)
	case w == DockerCredentials:
		return "no principal"
	}
	return fmt.Sprintf("principal = { gcp_service_account = %q }", principal.ExampleGCPServiceAccount)
}

func inputErr(input, format string, args ...any) error {
	return inputerr.New(input, summaryOf(input), format, args...)
}

// summaryOf is the title of a diagnostic about an input of the request.
func summaryOf(input string) string {
	switch input {
	case InputWorkload:
		return "Invalid Workload"
	case InputSource:
		return "Source Contradicts Workload"
	case InputComponents:
		return "Invalid Components"
	case principal.InputPrincipal:
		return "Invalid Principal"
	}
	return "Principal Does Not Fit Workload"
}

// BuildRequest checks the spec and builds the request. Errors are *inputerr.Error.
func BuildRequest(spec RequestSpec) (Request, error) {
	w, err := parseWorkload(spec.Workload)
	if err != nil {
		return Request{}, err
	}
	req := Request{Workload: w, Source: w.Source(), KubeletUsesPodIdentity: spec.KubeletUsesPodIdentity && w.PodIdentity()}
	req.PulledBy = w.Puller(req.KubeletUsesPodIdentity)
	if err := req.setPrincipal(spec); err != nil {
		return Request{}, err
	}
	if err := req.setSource(spec.Source); err != nil {
		return Request{}, err
	}
	if err := req.setComponents(spec.Components); err != nil {
		return Request{}, err
	}
	req.Repositories = repositories(req.Source, req.Components)
	req.JSON = req.document()
	req.Text = req.text()
	return req, nil
}

func (r *Request) setPrincipal(spec RequestSpec) error {
	w := r.Workload
	in := principal.Input{AWSIAMRoleARN: spec.AWSIAMRoleARN, GCPServiceAccount: spec.GCPServiceAccount, GKEWorkloadIdentity: spec.GKEWorkloadIdentity}
	switch {
	case w == DockerCredentials && spec.PrincipalSet:
		return inputErr(principal.InputPrincipal, "workload %q takes no principal: ZenML issues a JSON key for Docker; remove `principal`, "+
			"or choose the workload that matches the principal (e.g. %q for an IAM role, %q for a service account)", w, EKSIRSA, CloudRun)
	case w == DockerCredentials:
		r.Method = MethodDockerCredentials
		r.PrincipalKind = "Docker credentials (a JSON key issued by ZenML)"
		return nil
	case !spec.PrincipalSet:
		return inputErr(principal.InputPrincipal, "workload %q needs a principal: %s, e.g. %s", w, stripTicks(w.PrincipalHint()), ExampleFor(w))
	case len(in.Given()) != 1:
		return principal.ErrNotOnePrincipal(in, fmt.Sprintf("Workload %q takes %s, e.g. %s", w, stripTicks(w.PrincipalHint()), ExampleFor(w)))
	}
	mismatch := func(input string) error {
		return inputErr(input, "workload %q does not take %s; it takes %s, e.g. %s",
			w, input, stripTicks(w.PrincipalHint()), ExampleFor(w))
	}
	switch {
	case spec.AWSIAMRoleARN != nil:
		if !w.AWS() {
			return mismatch(principal.InputAWSIAMRoleARN)
		}
		role, err := principal.ParseAWSRoleARN(*spec.AWSIAMRoleARN)
		if err != nil {
			return inputerr.Wrap(principal.InputAWSIAMRoleARN, principal.Summary(err), err)
		}
		if role.Partition != "aws" {
			return inputErr(principal.InputAWSIAMRoleARN, "the role %q is in the AWS partition %q, and ZenML's ECR (account %s) is in the partition \"aws\": "+
				"IAM does not grant across partitions. Use workload %q instead (no principal), or a role in the aws partition, e.g. %q",
				role.ARN(), role.Partition, ZenMLAWSAccount, DockerCredentials, principal.ExampleAWSRoleARN)
		}
		r.Method, r.Principal, r.PrincipalKind, r.AWSAccount = MethodAWSIAMRole, role.ARN(), "AWS IAM role", role.Account
	case spec.GCPServiceAccount != nil:
		if w.AWS() {
			return mismatch(principal.InputGCPServiceAccount)
		}
		sa, err := principal.ParseGCPServiceAccount(*spec.GCPServiceAccount)
		if err != nil {
			return inputerr.Wrap(principal.InputGCPServiceAccount, principal.Summary(err), err)
		}
		r.Method, r.Principal, r.PrincipalKind, r.GCPProject, r.gcpKind = MethodGCPServiceAccount, sa.Email, "GCP "+sa.Kind.Title(), sa.Project, sa.Kind
	default:
		if w != GKEWorkloadIdentity {
			return mismatch(principal.InputGKEWorkloadIdentity)
		}
		g := spec.GKEWorkloadIdentity
		wi, err := principal.NewWorkloadIdentity(g.Project, g.Namespace, g.ServiceAccount)
		if err != nil {
			input := principal.InputGKEWorkloadIdentity
			var pe *principal.Error
			if errors.As(err, &pe) && pe.Field != "" {
				input += "." + pe.Field
			}
			return inputerr.Wrap(input, principal.Summary(err), err)
		}
		r.Method, r.Principal, r.GCPProject = MethodGKEWorkloadIdentity, wi.Member(), wi.Project
		r.PrincipalKind = fmt.Sprintf("GKE Workload Identity member: Kubernetes service account %q in namespace %q of a cluster in project %q",
			wi.ServiceAccount, wi.Namespace, wi.Project)
	}
	return nil
}

func parseWorkload(s string) (Workload, error) {
	for _, c := range Workloads() {
		if s == string(c) {
			return c, nil
		}
	}
	return "", inputErr(InputWorkload, "%q is not a workload: use one of %s, e.g. %q", s, strings.Join(WorkloadNames(), ", "), EKSIRSA)
}

// CheckSource checks a given source against the workload alone, for when the rest of a request is
// not known yet. Errors are *inputerr.Error.
func CheckSource(workload, source string) error {
	w, err := parseWorkload(workload)
	if err != nil {
		return err
	}
	r := Request{Workload: w, Source: w.Source()}
	return r.setSource(source)
}

func (r *Request) setSource(s string) error {
	if s == "" {
		return nil
	}
	if !images.Source(s).ZenML() {
		return inputErr(InputSource, "%q is not one of ZenML's registries: use %q or %q, or leave `source` out to derive it from the workload",
			s, images.SourceZenMLAWS, images.SourceZenMLGCP)
	}
	if s == string(r.Source) {
		return nil
	}
	why := "GCP workloads are granted access on ZenML's Artifact Registry only"
	switch {
	case r.Workload.AWS():
		why = "an AWS IAM role can be granted access on ZenML's ECR only"
	case r.Workload == DockerCredentials:
		why = "the JSON key ZenML issues is a GCP key for ZenML's Artifact Registry"
	}
	return inputErr(InputSource, "source %q contradicts workload %q: %s. Leave `source` out or set %q",
		s, r.Workload, why, r.Source)
}

func (r *Request) setComponents(names []string) error {
	if names == nil {
		r.Components = Components()
		return nil
	}
	if err := CheckComponents(names); err != nil {
		return err
	}
	for _, c := range Components() {
		for _, n := range names {
			if n == string(c) {
				r.Components = append(r.Components, c)
				break
			}
		}
	}
	return nil
}

// CheckComponents checks a given list of component names: at least one, each control_plane or
// workspace_server. Errors are *inputerr.Error.
func CheckComponents(names []string) error {
	if len(names) == 0 {
		return inputErr(InputComponents, "it is empty: name at least one of %s, e.g. [%q], or leave it out for both",
			strings.Join(ComponentNames(), ", "), WorkspaceServer)
	}
	for _, n := range names {
		if n != string(ControlPlane) && n != string(WorkspaceServer) {
			return inputErr(InputComponents, "%q is not a component: use %s, e.g. [%q]", n, strings.Join(ComponentNames(), " or "), WorkspaceServer)
		}
	}
	return nil
}

// repositories lists the ZenML repositories of the components in the source, from the images package.
func repositories(src images.Source, comps []Component) []Repository {
	var out []Repository
	for _, c := range comps {
		for _, img := range c.Images() {
			full, ok := images.ZenMLRepository(src, img)
			if !ok {
				continue
			}
			host, rest, _ := strings.Cut(full, "/")
			repo := Repository{Component: string(img), ImageName: img.ImageName(), Repository: full, RegistryHost: host}
			if src == images.SourceZenMLAWS {
				// host is ACCOUNT.dkr.ecr.REGION.amazonaws.com
				labels := strings.Split(host, ".")
				if len(labels) > 3 {
					repo.Region = labels[3]
				}
				repo.ARN = fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", repo.Region, labels[0], rest)
			} else {
				// host is LOCATION-docker.pkg.dev, path PROJECT/REPOSITORY/IMAGE
				repo.Location = strings.TrimSuffix(host, "-docker.pkg.dev")
				segs := strings.Split(rest, "/")
				if len(segs) == 3 {
					repo.Project, repo.RepositoryID = segs[0], segs[1]
				}
			}
			out = append(out, repo)
		}
	}
	return out
}

func (r *Request) document() string {
	comps := make([]string, 0, len(r.Components))
	for _, c := range r.Components {
		comps = append(comps, string(c))
	}
	doc := map[string]any{
		"access":       "pull",
		"components":   comps,
		"method":       string(r.Method),
		"pulled_by":    r.PulledBy,
		"repositories": repositoryMaps(r.Repositories),
		"source":       string(r.Source),
		"workload":     string(r.Workload),
	}
	if r.Principal != "" {
		doc["principal"] = r.Principal
		doc["principal_kind"] = r.PrincipalKind
	}
	if r.AWSAccount != "" {
		doc["aws_account_id"] = r.AWSAccount
	}
	if r.GCPProject != "" {
		doc["gcp_project"] = r.GCPProject
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		// Only strings, string slices and Repository values are marshalled, which cannot fail.
		panic(err)
	}
	return string(b)
}

// repositoryMaps turns repositories into maps, so that their keys are sorted in JSON as well; empty
// fields are left out.
func repositoryMaps(repos []Repository) []map[string]string {
	out := make([]map[string]string, 0, len(repos))
	for _, r := range repos {
		m := map[string]string{"component": r.Component, "image_name": r.ImageName, "repository": r.Repository, "registry_host": r.RegistryHost}
		for k, v := range map[string]string{"region": r.Region, "arn": r.ARN, "location": r.Location, "project": r.Project, "repository_id": r.RepositoryID} {
			if v != "" {
				m[k] = v
			}
		}
		out = append(out, m)
	}
	return out
}

func (r *Request) text() string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	titles := make([]string, 0, len(r.Components))
	for _, c := range r.Components {
		titles = append(titles, c.Title())
	}
	line("Subject: Pull access to the ZenML Pro container registries (%s)", r.Source.Title())
	line("")
	line("Hello ZenML support,")
	line("")
	line("We deploy ZenML Pro on our own infrastructure and ask for pull (read-only) access to %s for these components: %s.",
		r.Source.Title(), strings.Join(titles, "; "))
	line("")
	line("Who:")
	line("- Workload: %s (%s).", r.Workload.Title(), r.Workload)
	if r.Method == MethodDockerCredentials {
		line("- Principal: none of ours; we ask for Docker credentials, a JSON key of a service account with read access that you issue.")
	} else {
		line("- Principal: %s", r.Principal)
		line("- Kind of principal: %s", r.PrincipalKind)
	}
	if r.AWSAccount != "" {
		line("- Our AWS account id: %s", r.AWSAccount)
	}
	if r.GCPProject != "" {
		what := "project"
		if r.gcpKind.ProjectNumbered() {
			what = "project number"
		}
		line("- Our GCP %s: %s", what, r.GCPProject)
	}
	line("")
	line("What:")
	if r.Source == images.SourceZenMLAWS {
		line("- Pull access to these repositories of your ECR registries in account %s (note the two regions):", ZenMLAWSAccount)
		for _, repo := range r.Repositories {
			line("  - %s (%s, region %s, %s)", repo.Repository, repo.ImageName, repo.Region, repo.ARN)
		}
		line("- The repository policy actions for pull: ecr:BatchGetImage, ecr:GetDownloadUrlForLayer and ecr:BatchCheckLayerAvailability, " +
			"granted to the principal above. (ecr:GetAuthorizationToken is granted on our side, in the role's own IAM policy.)")
	} else {
		ids := map[string]bool{}
		for _, repo := range r.Repositories {
			id := fmt.Sprintf("projects/%s/locations/%s/repositories/%s", repo.Project, repo.Location, repo.RepositoryID)
			if !ids[id] {
				ids[id] = true
				line("- Read access (roles/artifactregistry.reader) on the Artifact Registry repository %s, for these images:", id)
			}
		}
		for _, repo := range r.Repositories {
			line("  - %s", repo.Repository)
		}
		if r.Principal != "" {
			member := r.Principal
			if r.Method == MethodGCPServiceAccount {
				member = "serviceAccount:" + r.Principal
			}
			line("- The IAM member to add: %s", member)
		}
	}
	line("")
	line("How we will use it:")
	line("- %s", r.usage())
	line("")
	line("Please tell us when the access is granted. This request follows the ZenML Pro documentation, " +
		"\"Authenticating to ZenML Pro Container Registries\" in the self-hosting prerequisites.")
	return b.String()
}

func (r *Request) usage() string {
	switch r.Workload {
	case EKSIRSA:
		return "The role is assumed by a Kubernetes service account of our Amazon EKS cluster through IAM roles for service accounts (IRSA)" +
			r.kubeletClause()
	case EKSNodeRole:
		return "The role is the IAM role of our Amazon EKS node group; the kubelet on those nodes pulls the images with it."
	case EKSFargate:
		return "The role is the pod execution role of our Amazon EKS Fargate profile; Fargate pulls the images with it."
	case GKENode:
		return "The service account is the one of our GKE node pool; the kubelet on those nodes pulls the images with it."
	case ECSTask:
		return "The role is the task execution role of our Amazon ECS tasks; the ECS agent pulls the images with it."
	case EC2InstanceProfile:
		return "The role is the role of the instance profile attached to our EC2 instances; Docker on those instances pulls the images with it " +
			"(through the Amazon ECR credential helper)."
	case GKEWorkloadIdentity:
		if r.Method == MethodGCPServiceAccount {
			return "Our GKE cluster uses Workload Identity: the Kubernetes service account of the ZenML Pro pods impersonates this GCP service account" +
				r.kubeletClause()
		}
		return "Our GKE cluster uses Workload Identity: the member above is the Kubernetes service account of the ZenML Pro pods, granted directly " +
			"without a GCP service account in between" + r.kubeletClause()
	case CloudRun:
		if r.gcpKind == principal.CloudRunServiceAgent {
			return "The service account is the Cloud Run Service Agent of our project; Cloud Run pulls images from other projects' Artifact Registry repositories with it."
		}
		return "The service account is the service identity of our Cloud Run services that run ZenML Pro; they pull the images with it."
	case ComputeEngine:
		return fmt.Sprintf("The service account is attached to our Compute Engine VMs; Docker on those VMs pulls the images with it (gcloud auth configure-docker %s).",
			r.registryHost())
	}
	return fmt.Sprintf("We run outside AWS and GCP. Please issue a JSON key of a service account with read access to the repository above, "+
		"and send it over a secure channel. We will log in with user _json_key and the key file as password (docker login -u _json_key "+
		"--password-stdin https://%s), or with user _json_key_base64 and the base64-encoded key in a Kubernetes image pull secret.", r.registryHost())
}

// kubeletClause ends a sentence on a pod identity: who pulls the images with it.
func (r *Request) kubeletClause() string {
	if r.KubeletUsesPodIdentity {
		return "; the kubelet's image credential provider pulls the ZenML Pro images with the pods' service account token (Kubernetes 1.33+)."
	}
	return "; the ZenML Pro pods running under that service account use it to pull the images."
}

// registryHost is the host of ZenML's registry that the request is about. A built request names at
// least one repository, and all of them are in one registry for the GCP workloads that ask for it.
func (r *Request) registryHost() string { return r.Repositories[0].RegistryHost }

func stripTicks(s string) string { return strings.ReplaceAll(s, "`", "") }
