// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package prerequisites turns what an infrastructure team has decided about a self-hosted ZenML Pro
// deployment into the checklist of ZenML's prerequisites page ("Information to Collect Before
// Deployment"), the network flows to open, the Helm values of both charts and a review document. Every
// status is computed from the facts given: a part not decided yet is "missing", never a guess.
package prerequisites

import (
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/checks"
)

// Status is the verdict on one checklist row.
type Status string

const (
	OK            Status = "ok"
	Missing       Status = "missing"
	Fail          Status = "fail"
	Warn          Status = "warn"
	NotApplicable Status = "not_applicable"
)

// Statuses lists every status, in the order of the report's counts.
func Statuses() []Status { return []Status{Fail, Missing, Warn, OK, NotApplicable} }

// Sections of the checklist, in report order.
const (
	SectionDeployment = "Deployment"
	SectionVersions   = "Versions"
	SectionDatabases  = "Databases"
	SectionDNS        = "DNS and hostnames"
	SectionTLS        = "TLS certificates"
	SectionRegistry   = "Container registry"
	SectionSSO        = "SSO"
)

// Sections lists the sections in report order.
func Sections() []string {
	return []string{SectionDeployment, SectionVersions, SectionDatabases, SectionDNS, SectionTLS, SectionRegistry, SectionSSO}
}

// Certificate management modes.
const (
	ManagementManual      = "manual"
	ManagementCertManager = "cert_manager"
	ManagementCloud       = "cloud"
)

// Managements lists the certificate management modes.
func Managements() []string {
	return []string{ManagementManual, ManagementCertManager, ManagementCloud}
}

// Registry authentication methods, as the prerequisites page names them.
const (
	AuthAWSIAMRole        = "aws_iam_role"
	AuthGCPServiceAccount = "gcp_service_account"
	AuthDockerCredentials = "docker_credentials"
)

// AuthMethods lists the registry authentication methods.
func AuthMethods() []string {
	return []string{AuthAWSIAMRole, AuthGCPServiceAccount, AuthDockerCredentials}
}

// Database engines.
const (
	EngineMySQL    = "mysql"
	EnginePostgres = "postgres"
)

// TLS modes of a database connection, as zenmlpro_database's servers name them.
func TLSModes() []string { return []string{"disabled", "required", "verify_ca", "verify_full"} }

// MinKubernetesMinor is the oldest Kubernetes minor version ZenML supports: 1.24.
const MinKubernetesMinor = 24

// DefaultIngressClassName is the workspace chart's default ingress class.
const DefaultIngressClassName = "nginx"

// DefaultTLSSecretName is the Kubernetes TLS secret the ingresses use when none is named.
const DefaultTLSSecretName = "zenml-tls"

// ZenMLControlPlaneAPIURL and ZenMLDashboardURL are ZenML's own Control Plane, which the workspace chart
// defaults to: the Control Plane of a hybrid deployment.
const (
	ZenMLControlPlaneAPIURL = "https://cloudapi.zenml.io"
	ZenMLDashboardURL       = "https://cloud.zenml.io"
)

// Database is how one component reaches its database. Empty strings and zero numbers are "not
// decided yet".
type Database struct {
	Engine string
	Host   string
	// Port is 0 for the engine's default.
	Port     int
	Name     string
	Username string
	// PasswordSecret is the Kubernetes secret that holds the password (workspaces); nil means
	// checks.DefaultPasswordSecret of the database name.
	PasswordSecret *checks.SecretRef
	// TLSMode is disabled, required, verify_ca or verify_full; "" is not decided.
	TLSMode           string
	ClientCertificate bool
}

// SSO is the Control Plane's single sign-on.
type SSO struct {
	Enabled                   bool
	OIDCConfigurationEndpoint string
	ClientID                  string
}

// ControlPlane is the Control Plane. In the hybrid scenario only Version matters: ZenML runs it.
type ControlPlane struct {
	Version string
	// ChartVersion is the zenml-pro chart version; "" means Version.
	ChartVersion string
	// Host serves the Web UI; APIHost serves the API ("" for path routing under the Web UI host).
	Host, APIHost string
	Database      *Database
	SSO           *SSO
}

// Workspace is one workspace server.
type Workspace struct {
	Version string
	// ChartVersion is the zenml chart version; "" means Version.
	ChartVersion string
	Host         string
	Database     *Database
	// What the workspace's enrollment at the Control Plane returned; "" when not enrolled yet.
	WorkspaceID, OrganizationID, OrganizationName string
	// EnrollmentKeySecret is the Kubernetes secret that holds the enrollment key; nil when not decided.
	EnrollmentKeySecret *checks.SecretRef
}

// TLS is the certificate the ingresses (or load balancers) present.
type TLS struct {
	CertificateChainPEM string
	CACertificatePEM    string
	// Management is manual, cert_manager or cloud; "" is not decided.
	Management string
	// SecretName is the Kubernetes TLS secret of the ingresses; "" means DefaultTLSSecretName.
	SecretName string
	// MinRemainingDays is how long the certificate must stay valid; nil means
	// checks.DefaultMinRemainingDays.
	MinRemainingDays *int
	// ExpiringStatus is the status of a certificate that expires too soon: Warn or Fail ("" is Fail).
	ExpiringStatus Status
}

// Registry is where the images come from and who may pull them.
type Registry struct {
	// ImageSource is zenml_gcp, zenml_aws or private; "" is not decided.
	ImageSource string
	// URL is the private registry, e.g. "harbor.internal.example.com/zenml".
	URL string
	// AuthMethod is aws_iam_role, gcp_service_account or docker_credentials.
	AuthMethod string
	// Principal is the IAM role ARN or the service account e-mail (or Workload Identity member).
	Principal string
	// Workload is where the containers run (accessrequest.Workload names); "" when not said.
	Workload               string
	KubeletUsesPodIdentity bool
	// PullSecretName is the Kubernetes secret of type dockerconfigjson the charts pull with.
	PullSecretName string
	// Digests maps image references "<repository>:<tag>" to the digest to pin them to.
	Digests map[string]string
}

// Spec is everything decided so far. Nil parts and empty strings are "not decided yet".
type Spec struct {
	// Scenario is self_hosted or hybrid; "" is not decided.
	Scenario string
	// KubernetesVersion is MAJOR.MINOR, e.g. "1.29"; "" is not decided.
	KubernetesVersion string
	AirGapped         bool
	// IngressClassName is the ingress class of the workspace ingresses; "" means DefaultIngressClassName.
	IngressClassName string
	// PrivateDomains are DNS zones the organization runs itself (see checks.PrivateDomains).
	PrivateDomains []string
	ControlPlane   *ControlPlane
	Workspaces     map[string]Workspace
	TLS            *TLS
	Registry       *Registry
}
