// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package principal reads the identities that pull container images: AWS IAM role ARNs, GCP service
// account e-mails and GKE Workload Identity members. Its parsers reject what cannot be granted and say
// what to give instead (an instance profile's role, the role behind an STS session, a service account
// rather than a user). It also builds the request for access to ZenML's private registries.
//
// It knows nothing about Terraform: the provider package adapts it.
package principal

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Examples of valid principals, used in messages and descriptions.
const (
	ExampleAWSRoleARN           = "arn:aws:iam::123456789012:role/zenml-pro-pull"
	ExampleGCPServiceAccount    = "zenml-pull@my-project.iam.gserviceaccount.com"
	ExampleGCPProject           = "my-project"
	ExampleKubernetesNamespace  = "zenml"
	ExampleKubernetesSA         = "zenml-server"
	ExampleWorkloadIdentityUser = "serviceAccount:my-project.svc.id.goog[zenml/zenml-server]"
)

// Kinds of principal values, as an Error names what was expected.
const (
	KindAWSRoleARN             = "an IAM role ARN"
	KindGCPServiceAccount      = "a GCP service account e-mail"
	KindGCPProjectID           = "a GCP project id"
	KindKubernetesNamespace    = "a Kubernetes namespace"
	KindKubernetesSA           = "a Kubernetes service account name"
	KindWorkloadIdentityMember = "a GKE Workload Identity member"
)

// Error says why an input is not a valid principal: the input, the rule it breaks (often with a hint
// about what to give instead) and a valid example.
type Error struct {
	// Kind names what was expected: one of the Kind* constants.
	Kind string
	// Input is the value given.
	Input string
	// Why is the rule broken, with a hint.
	Why string
	// Example is a valid value.
	Example string
	// Field names the part of a composite principal at fault (FieldProject, FieldNamespace,
	// FieldServiceAccount); empty for single-value principals.
	Field string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%q is not %s: %s; e.g. %q", e.Input, e.Kind, e.Why, e.Example)
}

// Parts of a GKE Workload Identity principal, named as the provider's schemas name them.
const (
	FieldProject        = "project"
	FieldNamespace      = "namespace"
	FieldServiceAccount = "service_account"
)

// AWS partitions in which an IAM role ARN is accepted.
var awsPartitions = []string{"aws", "aws-cn", "aws-us-gov"}

// AWSPartitions returns the accepted AWS partitions.
func AWSPartitions() []string { return append([]string(nil), awsPartitions...) }

// AWSRole is an IAM role, identified by its ARN.
type AWSRole struct {
	// Partition is aws, aws-cn or aws-us-gov.
	Partition string
	// Account is the 12-digit account id.
	Account string
	// Path is the role path, "/" or "/a/b/".
	Path string
	// Name is the role name.
	Name string
}

// ARN is the role ARN, arn:PARTITION:iam::ACCOUNT:role/PATH/NAME.
func (r AWSRole) ARN() string {
	return fmt.Sprintf("arn:%s:iam::%s:role%s%s", r.Partition, r.Account, r.Path, r.Name)
}

var (
	// IAM role names: 1 to 64 characters of letters, digits and +=,.@_- (IAM CreateRole).
	iamRoleName = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	// IAM paths: "/" or "/" + printable ASCII without blanks + "/", at most 512 characters.
	iamPath   = regexp.MustCompile(`^/(?:[\x21-\x7E]*/)?$`)
	digits    = regexp.MustCompile(`^[0-9]+$`)
	roleIDRE  = regexp.MustCompile(`^AROA[A-Z0-9]{12,}$`)
	userIDRE  = regexp.MustCompile(`^AIDA[A-Z0-9]{12,}$`)
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
)

// ParseAWSRoleARN reads an IAM role ARN, arn:PARTITION:iam::ACCOUNT:role/PATH/NAME, in the partitions
// aws, aws-cn and aws-us-gov. Instance-profile, STS assumed-role and user ARNs and role IDs are refused
// with a hint to the role ARN.
func ParseAWSRoleARN(s string) (AWSRole, error) {
	fail := func(format string, args ...any) (AWSRole, error) {
		return AWSRole{}, &Error{Kind: KindAWSRoleARN, Input: s, Why: fmt.Sprintf(format, args...), Example: ExampleAWSRoleARN}
	}
	switch {
	case s == "":
		return fail("it is empty; give the ARN of the IAM role (arn:aws:iam::ACCOUNT:role/NAME)")
	case strings.TrimSpace(s) != s || strings.ContainsAny(s, " \t\r\n"):
		return fail("it contains white space")
	case roleIDRE.MatchString(s):
		return fail("this is a role ID (AROA...), not an ARN; give the role ARN (aws iam list-roles --query \"Roles[?RoleId=='%s'].Arn\")", s)
	case userIDRE.MatchString(s):
		return fail("this is an IAM user ID (AIDA...); ZenML grants access to IAM roles only: give the ARN of the role your workload uses")
	case !strings.HasPrefix(s, "arn:"):
		return fail("an ARN starts with \"arn:\" and has the form arn:PARTITION:iam::ACCOUNT:role/NAME")
	}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 {
		return fail("an ARN has six fields separated by \":\": arn:PARTITION:iam::ACCOUNT:role/NAME")
	}
	partition, service, region, account, res := parts[1], parts[2], parts[3], parts[4], parts[5]
	if !contains(awsPartitions, partition) {
		return fail("the partition %q is not accepted; use aws, aws-cn or aws-us-gov", partition)
	}
	if service == "sts" && strings.HasPrefix(res, "assumed-role/") {
		segs := strings.Split(strings.TrimPrefix(res, "assumed-role/"), "/")
		role := segs[0]
		if accountRE.MatchString(account) && iamRoleName.MatchString(role) {
			return fail("this is an STS assumed-role ARN (a session of a role); give the role ARN: arn:%s:iam::%s:role/%s "+
				"(add the role's path if it has one: aws iam get-role --role-name %s --query Role.Arn)", partition, account, role, role)
		}
		return fail("this is an STS assumed-role ARN (a session of a role); give the role ARN: arn:%s:iam::ACCOUNT:role/ROLE", partition)
	}
	if service != "iam" {
		return fail("the service is %q; an IAM role ARN names the service \"iam\"", service)
	}
	if region != "" {
		return fail("IAM is global: the region field must be empty (\"iam::\"), but it is %q", region)
	}
	if !digits.MatchString(account) {
		return fail("the account id %q is not 12 digits", account)
	}
	if len(account) != 12 {
		return fail("wrong account id length: %d digits; an AWS account id has exactly 12", len(account))
	}
	kind, rest, _ := strings.Cut(res, "/")
	switch kind {
	case "role":
	case "instance-profile":
		return fail("this is an instance-profile ARN; give the role ARN of the instance profile "+
			"(aws iam get-instance-profile --instance-profile-name %s --query 'InstanceProfile.Roles[0].Arn')", lastSegment(rest))
	case "user":
		return fail("this is an IAM user ARN; ZenML grants access to IAM roles only: give the ARN of the role your workload uses")
	case "root":
		return fail("this is an account root ARN; give the ARN of one IAM role")
	default:
		return fail("the resource %q is not a role; an IAM role ARN ends in role/NAME or role/PATH/NAME", res)
	}
	if rest == "" {
		return fail("the role name is missing after \"role/\"")
	}
	i := strings.LastIndex(rest, "/")
	path, name := "/"+rest[:i+1], rest[i+1:]
	if i < 0 {
		path = "/"
	}
	if len(path) > 512 || !iamPath.MatchString(path) || strings.Contains(path, "//") {
		return fail("the role path %q is not valid: a path is \"/\" or slash-separated segments of printable characters, at most 512 characters", path)
	}
	if name == "" {
		return fail("the role name is missing (the ARN ends in \"/\")")
	}
	if !iamRoleName.MatchString(name) {
		return fail("the role name %q is not valid: 1 to 64 letters, digits and the characters +=,.@_-", name)
	}
	return AWSRole{Partition: partition, Account: account, Path: path, Name: name}, nil
}

// GCPKind is the kind of a GCP service account.
type GCPKind string

const (
	// UserManaged is a service account created in a project: NAME@PROJECT.iam.gserviceaccount.com.
	UserManaged GCPKind = "user_managed"
	// ComputeEngineDefault is the Compute Engine default service account: PROJECT_NUMBER-compute@developer.gserviceaccount.com.
	ComputeEngineDefault GCPKind = "compute_engine_default"
	// AppEngineDefault is the App Engine default service account: PROJECT@appspot.gserviceaccount.com.
	AppEngineDefault GCPKind = "app_engine_default"
	// CloudRunServiceAgent is the Cloud Run Service Agent of a project:
	// service-PROJECT_NUMBER@serverless-robot-prod.iam.gserviceaccount.com. Cloud Run pulls images from
	// other projects' Artifact Registry repositories with it.
	CloudRunServiceAgent GCPKind = "cloud_run_service_agent"
)

// Title is the human name of the kind.
func (k GCPKind) Title() string {
	switch k {
	case UserManaged:
		return "user-managed service account"
	case ComputeEngineDefault:
		return "Compute Engine default service account"
	case AppEngineDefault:
		return "App Engine default service account"
	case CloudRunServiceAgent:
		return "Cloud Run Service Agent"
	}
	return string(k)
}

// ProjectNumbered reports whether the e-mail of a service account of the kind names its project by
// number rather than by id.
func (k GCPKind) ProjectNumbered() bool {
	return k == ComputeEngineDefault || k == CloudRunServiceAgent
}

// GCPServiceAccount is a GCP service account, identified by its e-mail.
type GCPServiceAccount struct {
	Email string
	Kind  GCPKind
	// Project is the project id, or the project number when Kind.ProjectNumbered.
	Project string
}

// Member is the IAM policy member of the service account, serviceAccount:EMAIL.
func (a GCPServiceAccount) Member() string { return "serviceAccount:" + a.Email }

var (
	gcpProjectID   = regexp.MustCompile(`^[a-z][-a-z0-9]{4,28}[a-z0-9]$`)
	gcpSAName      = regexp.MustCompile(`^[a-z](?:[-a-z0-9]*[a-z0-9])?$`)
	projectNumber  = regexp.MustCompile(`^[1-9][0-9]{0,18}$`)
	dns1123Label   = regexp.MustCompile(`^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$`)
	wiMemberSuffix = ".svc.id.goog["
)

const (
	domainUserManaged = ".iam.gserviceaccount.com"
	domainCompute     = "developer.gserviceaccount.com"
	domainAppEngine   = "appspot.gserviceaccount.com"
	domainCloudRun    = "serverless-robot-prod.iam.gserviceaccount.com"
)

// ParseGCPServiceAccount reads a service account e-mail: user-managed
// (NAME@PROJECT.iam.gserviceaccount.com), the Compute Engine default
// (PROJECT_NUMBER-compute@developer.gserviceaccount.com) or the App Engine default
// (PROJECT@appspot.gserviceaccount.com). It returns the kind and the project.
func ParseGCPServiceAccount(s string) (GCPServiceAccount, error) {
	fail := func(format string, args ...any) (GCPServiceAccount, error) {
		return GCPServiceAccount{}, &Error{Kind: KindGCPServiceAccount, Input: s, Why: fmt.Sprintf(format, args...), Example: ExampleGCPServiceAccount}
	}
	switch {
	case s == "":
		return fail("it is empty")
	case strings.ContainsAny(s, " \t\r\n"):
		return fail("it contains white space")
	case strings.HasPrefix(s, "serviceAccount:") && strings.Contains(s, wiMemberSuffix):
		if wi, err := ParseWorkloadIdentityMember(s); err == nil {
			return fail("this is a GKE Workload Identity member, not a service account e-mail; give it as a Workload Identity "+
				"principal (project %q, namespace %q, service account %q)", wi.Project, wi.Namespace, wi.ServiceAccount)
		}
		return fail("this looks like a GKE Workload Identity member, not a service account e-mail; give it as a Workload Identity principal (project, namespace, service account)")
	case strings.HasPrefix(s, "principal://") || strings.HasPrefix(s, "principalSet://"):
		if wi, ok := parseWorkloadIdentityPrincipal(s); ok {
			return fail("this is a Workload Identity Federation principal identifier, not a service account e-mail; give it as a Workload Identity "+
				"principal (project %q, namespace %q, service account %q)", wi.Project, wi.Namespace, wi.ServiceAccount)
		}
		return fail("this is a Workload Identity Federation principal identifier, not a service account e-mail; give the e-mail of a service account, " +
			"or a GKE Workload Identity principal (project, namespace, service account)")
	case strings.HasPrefix(s, "serviceAccount:"):
		return fail("remove the \"serviceAccount:\" prefix and give the e-mail alone: %q", strings.TrimPrefix(s, "serviceAccount:"))
	case strings.HasPrefix(s, "user:") || strings.HasPrefix(s, "group:") || strings.HasPrefix(s, "domain:"):
		return fail("this is a user, group or domain member; ZenML grants access to service accounts only: give the e-mail of the service account your workload runs as")
	case strings.Contains(s, ":"):
		return fail("a service account e-mail has no prefix such as %q", s[:strings.Index(s, ":")+1])
	}
	if strings.ToLower(s) != s {
		return fail("it contains upper-case letters; service account e-mails are lower case: %q", strings.ToLower(s))
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || strings.Contains(domain, "@") {
		return fail("an e-mail has exactly one \"@\"")
	}
	switch {
	case domain == domainCompute:
		num, found := strings.CutSuffix(local, "-compute")
		if !found || !projectNumber.MatchString(num) {
			return fail("the Compute Engine default service account is PROJECT_NUMBER-compute@%s, with the project number (digits) before \"-compute\", e.g. %q",
				domainCompute, "123456789012-compute@"+domainCompute)
		}
		return GCPServiceAccount{Email: s, Kind: ComputeEngineDefault, Project: num}, nil
	case domain == domainCloudRun:
		num, found := strings.CutPrefix(local, "service-")
		if !found || !projectNumber.MatchString(num) {
			return fail("the Cloud Run Service Agent is service-PROJECT_NUMBER@%s, with the project number (digits) after \"service-\", e.g. %q",
				domainCloudRun, "service-123456789012@"+domainCloudRun)
		}
		return GCPServiceAccount{Email: s, Kind: CloudRunServiceAgent, Project: num}, nil
	case domain == domainAppEngine:
		if why := checkProjectID(local); why != "" {
			return fail("the App Engine default service account is PROJECT_ID@%s: %s", domainAppEngine, why)
		}
		return GCPServiceAccount{Email: s, Kind: AppEngineDefault, Project: local}, nil
	case strings.HasSuffix(domain, domainUserManaged):
		project := strings.TrimSuffix(domain, domainUserManaged)
		if why := checkProjectID(project); why != "" {
			return fail("%s", why)
		}
		switch {
		case len(local) < 6 || len(local) > 30:
			return fail("the service account name %q is %d characters long; it must be 6 to 30", local, len(local))
		case !gcpSAName.MatchString(local):
			return fail("the service account name %q is not valid: lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen", local)
		}
		return GCPServiceAccount{Email: s, Kind: UserManaged, Project: project}, nil
	case strings.HasSuffix(domain, ".gserviceaccount.com"):
		return fail("the domain %q is not one of a service account: NAME@PROJECT%s, PROJECT_NUMBER-compute@%s or PROJECT_ID@%s",
			domain, domainUserManaged, domainCompute, domainAppEngine)
	}
	return fail("this looks like a Google user or group e-mail (domain %q), not a service account; ZenML grants access to "+
		"service accounts (…@PROJECT%s): give the service account your workload runs as", domain, domainUserManaged)
}

// checkProjectID returns why s is not a GCP project id, or "".
func checkProjectID(s string) string {
	switch {
	case s == "":
		return "the project id is empty"
	case len(s) < 6 || len(s) > 30:
		return fmt.Sprintf("the project id %q is %d characters long; it must be 6 to 30", s, len(s))
	case !gcpProjectID.MatchString(s):
		return fmt.Sprintf("the project id %q is not valid: lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen", s)
	}
	return ""
}

// WorkloadIdentity is a Kubernetes service account of a GKE cluster with Workload Identity.
type WorkloadIdentity struct {
	// Project is the project id of the cluster (its workload pool is PROJECT.svc.id.goog).
	Project string
	// Namespace is the Kubernetes namespace.
	Namespace string
	// ServiceAccount is the Kubernetes service account.
	ServiceAccount string
}

// Member is the IAM member of the Kubernetes service account,
// serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA].
func (w WorkloadIdentity) Member() string {
	return fmt.Sprintf("serviceAccount:%s.svc.id.goog[%s/%s]", w.Project, w.Namespace, w.ServiceAccount)
}

// NewWorkloadIdentity checks the project id (6 to 30 lower-case letters, digits and hyphens, starting
// with a letter), the namespace (a DNS-1123 label) and the Kubernetes service account (a DNS-1123
// subdomain). An error has Field set to the part at fault.
func NewWorkloadIdentity(project, namespace, serviceAccount string) (WorkloadIdentity, error) {
	if err := CheckGCPProjectID(project); err != nil {
		return WorkloadIdentity{}, err
	}
	if err := CheckNamespace(namespace); err != nil {
		return WorkloadIdentity{}, err
	}
	if err := CheckKubernetesServiceAccount(serviceAccount); err != nil {
		return WorkloadIdentity{}, err
	}
	return WorkloadIdentity{Project: project, Namespace: namespace, ServiceAccount: serviceAccount}, nil
}

// CheckGCPProjectID checks a GCP project id: 6 to 30 lower-case letters, digits and hyphens, starting
// with a letter and not ending with a hyphen.
func CheckGCPProjectID(s string) error {
	if why := checkProjectID(s); why != "" {
		if strings.Contains(s, "@") {
			why += " (give the project id alone, not an e-mail)"
		}
		return &Error{Kind: KindGCPProjectID, Input: s, Why: why, Example: ExampleGCPProject, Field: FieldProject}
	}
	return nil
}

// CheckNamespace checks a Kubernetes namespace, a DNS-1123 label: at most 63 lower-case letters, digits
// and hyphens, starting and ending with a letter or digit.
func CheckNamespace(s string) error {
	if why := checkDNSLabel(s, "namespace"); why != "" {
		return &Error{Kind: KindKubernetesNamespace, Input: s, Why: why, Example: ExampleKubernetesNamespace, Field: FieldNamespace}
	}
	return nil
}

// CheckKubernetesServiceAccount checks a Kubernetes service account name, a DNS-1123 subdomain: at
// most 253 characters of dot-separated DNS-1123 labels.
func CheckKubernetesServiceAccount(s string) error {
	fail := func(why string) error {
		return &Error{Kind: KindKubernetesSA, Input: s, Why: why, Example: ExampleKubernetesSA, Field: FieldServiceAccount}
	}
	switch {
	case s == "":
		return fail("it is empty")
	case strings.Contains(s, "@"):
		return fail("this is an e-mail; give the name of the Kubernetes service account (metadata.name), not a GCP service account")
	case len(s) > 253:
		return fail(fmt.Sprintf("it is %d characters long; at most 253", len(s)))
	}
	for _, label := range strings.Split(s, ".") {
		if why := checkDNSLabel(label, "label"); why != "" {
			return fail(why + " (a service account name is a DNS-1123 subdomain: dot-separated labels)")
		}
	}
	return nil
}

func checkDNSLabel(s, what string) string {
	switch {
	case s == "":
		return fmt.Sprintf("the %s is empty", what)
	case len(s) > 63:
		return fmt.Sprintf("the %s is %d characters long; at most 63", what, len(s))
	case strings.ToLower(s) != s:
		return fmt.Sprintf("the %s %q has upper-case letters; write %q", what, s, strings.ToLower(s))
	case !dns1123Label.MatchString(s):
		return fmt.Sprintf("the %s %q is not a DNS-1123 label: lower-case letters, digits and hyphens, starting and ending with a letter or digit", what, s)
	}
	return ""
}

// parseWorkloadIdentityPrincipal reads the principal identifier of Workload Identity Federation for GKE,
// principal://iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/PROJECT.svc.id.goog/subject/ns/NS/sa/KSA.
func parseWorkloadIdentityPrincipal(s string) (WorkloadIdentity, bool) {
	segs := strings.Split(strings.TrimPrefix(s, "principal://iam.googleapis.com/"), "/")
	if len(segs) != 11 || segs[0] != "projects" || segs[2] != "locations" || segs[4] != "workloadIdentityPools" ||
		segs[6] != "subject" || segs[7] != "ns" || segs[9] != "sa" {
		return WorkloadIdentity{}, false
	}
	project, ok := strings.CutSuffix(segs[5], ".svc.id.goog")
	if !ok {
		return WorkloadIdentity{}, false
	}
	wi, err := NewWorkloadIdentity(project, segs[8], segs[10])
	return wi, err == nil
}

// ParseWorkloadIdentityMember reads a GKE Workload Identity member,
// serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA].
func ParseWorkloadIdentityMember(s string) (WorkloadIdentity, error) {
	fail := func(format string, args ...any) (WorkloadIdentity, error) {
		return WorkloadIdentity{}, &Error{Kind: KindWorkloadIdentityMember, Input: s, Why: fmt.Sprintf(format, args...), Example: ExampleWorkloadIdentityUser}
	}
	rest, ok := strings.CutPrefix(s, "serviceAccount:")
	if wi, isPrincipal := parseWorkloadIdentityPrincipal(s); isPrincipal {
		return fail("this is the principal identifier of Workload Identity Federation for GKE; the member form is %q", wi.Member())
	}
	if !ok {
		if strings.Contains(s, wiMemberSuffix) && !strings.Contains(s, ":") {
			return fail("the \"serviceAccount:\" prefix is missing: %q", "serviceAccount:"+s)
		}
		return fail("a Workload Identity member has the form serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA]")
	}
	pool, inner, ok := strings.Cut(rest, "[")
	if !ok || !strings.HasSuffix(inner, "]") {
		return fail("the namespace and Kubernetes service account go in brackets: serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA]")
	}
	project, ok := strings.CutSuffix(pool, ".svc.id.goog")
	if !ok {
		return fail("the workload identity pool %q must be PROJECT.svc.id.goog", pool)
	}
	ns, ksa, ok := strings.Cut(strings.TrimSuffix(inner, "]"), "/")
	if !ok {
		return fail("the brackets hold NAMESPACE/KSA, separated by \"/\"")
	}
	wi, err := NewWorkloadIdentity(project, ns, ksa)
	if err != nil {
		var pe *Error
		if errors.As(err, &pe) {
			return fail("%s: %s", pe.Kind, pe.Why)
		}
		return fail("%s", err)
	}
	return wi, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func lastSegment(s string) string {
	if s == "" {
		return "NAME"
	}
	return s[strings.LastIndex(s, "/")+1:]
}
