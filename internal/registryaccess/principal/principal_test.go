// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package principal

import (
	"errors"
	"strings"
	"testing"
)

func TestParseAWSRoleARN(t *testing.T) {
	valid := []struct {
		in   string
		want AWSRole
	}{
		{"arn:aws:iam::123456789012:role/zenml-pro-pull", AWSRole{"aws", "123456789012", "/", "zenml-pro-pull"}},
		{"arn:aws-cn:iam::123456789012:role/pull", AWSRole{"aws-cn", "123456789012", "/", "pull"}},
		{"arn:aws-us-gov:iam::123456789012:role/pull", AWSRole{"aws-us-gov", "123456789012", "/", "pull"}},
		{"arn:aws:iam::123456789012:role/service-role/eks/zenml+pull=a,b.c@d_e", AWSRole{"aws", "123456789012", "/service-role/eks/", "zenml+pull=a,b.c@d_e"}},
		{"arn:aws:iam::000000000000:role/" + strings.Repeat("r", 64), AWSRole{"aws", "000000000000", "/", strings.Repeat("r", 64)}},
	}
	for _, c := range valid {
		got, err := ParseAWSRoleARN(c.in)
		if err != nil {
			t.Errorf("ParseAWSRoleARN(%q): %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("ParseAWSRoleARN(%q) = %+v, want %+v", c.in, got, c.want)
		}
		if got.ARN() != c.in {
			t.Errorf("ARN() = %q, want %q", got.ARN(), c.in)
		}
	}
	invalid := []struct{ in, want string }{
		{"", "it is empty"},
		{" arn:aws:iam::123456789012:role/x", "white space"},
		{"AROA1234567890ABCDEFG", "this is a role ID (AROA...), not an ARN; give the role ARN"},
		{"AIDA1234567890ABCDEFG", "IAM user ID"},
		{"zenml-pro-pull", "an ARN starts with \"arn:\""},
		{"arn:aws:iam::123456789012", "six fields"},
		{"arn:aws-iso:iam::123456789012:role/x", "the partition \"aws-iso\" is not accepted; use aws, aws-cn or aws-us-gov"},
		{"arn:aws:iam::12345678901:role/x", "wrong account id length: 11 digits"},
		{"arn:aws:iam::1234567890123:role/x", "wrong account id length: 13 digits"},
		{"arn:aws:iam::12345678901a:role/x", "is not 12 digits"},
		{"arn:aws:iam:us-east-1:123456789012:role/x", "the region field must be empty"},
		{"arn:aws:ecr:eu-west-1:123456789012:repository/x", "the service is \"ecr\""},
		{"arn:aws:iam::123456789012:instance-profile/web", "give the role ARN of the instance profile (aws iam get-instance-profile --instance-profile-name web"},
		{"arn:aws:sts::123456789012:assumed-role/zenml-pull/i-0abc", "give the role ARN: arn:aws:iam::123456789012:role/zenml-pull"},
		{"arn:aws-cn:sts::123456789012:assumed-role/r/s", "arn:aws-cn:iam::123456789012:role/r"},
		{"arn:aws:sts::12345:assumed-role/r/s", "give the role ARN: arn:aws:iam::ACCOUNT:role/ROLE"},
		{"arn:aws:iam::123456789012:user/alice", "this is an IAM user ARN; ZenML grants access to IAM roles only"},
		{"arn:aws:iam::123456789012:root", "account root ARN"},
		{"arn:aws:iam::123456789012:group/devs", "is not a role"},
		{"arn:aws:iam::123456789012:role/", "the role name is missing"},
		{"arn:aws:iam::123456789012:role/a/", "the role name is missing"},
		{"arn:aws:iam::123456789012:role/a//b", "the role path \"/a//\" is not valid"},
		{"arn:aws:iam::123456789012:role/zenml*", "the role name \"zenml*\" is not valid"},
		{"arn:aws:iam::123456789012:role/" + strings.Repeat("r", 65), "is not valid: 1 to 64"},
	}
	for _, c := range invalid {
		_, err := ParseAWSRoleARN(c.in)
		checkErr(t, "ParseAWSRoleARN", c.in, err, c.want, ExampleAWSRoleARN)
	}
}

const wifPrincipal = "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/my-project.svc.id.goog/subject/ns/zenml/sa/zenml-server"

func TestParseGCPServiceAccount(t *testing.T) {
	valid := []struct {
		in      string
		kind    GCPKind
		project string
	}{
		{"zenml-pull@my-project.iam.gserviceaccount.com", UserManaged, "my-project"},
		{"abcdef@abcdef.iam.gserviceaccount.com", UserManaged, "abcdef"},
		{strings.Repeat("a", 30) + "@" + strings.Repeat("p", 30) + ".iam.gserviceaccount.com", UserManaged, strings.Repeat("p", 30)},
		{"123456789012-compute@developer.gserviceaccount.com", ComputeEngineDefault, "123456789012"},
		{"my-project@appspot.gserviceaccount.com", AppEngineDefault, "my-project"},
		{"service-123456789012@serverless-robot-prod.iam.gserviceaccount.com", CloudRunServiceAgent, "123456789012"},
	}
	for _, c := range valid {
		got, err := ParseGCPServiceAccount(c.in)
		if err != nil {
			t.Errorf("ParseGCPServiceAccount(%q): %v", c.in, err)
			continue
		}
		if got.Email != c.in || got.Kind != c.kind || got.Project != c.project {
			t.Errorf("ParseGCPServiceAccount(%q) = %+v, want kind %s project %s", c.in, got, c.kind, c.project)
		}
		if got.Member() != "serviceAccount:"+c.in {
			t.Errorf("Member() = %q", got.Member())
		}
	}
	invalid := []struct{ in, want string }{
		{"", "it is empty"},
		{"serviceAccount:zenml-pull@my-project.iam.gserviceaccount.com", "remove the \"serviceAccount:\" prefix and give the e-mail alone: \"zenml-pull@my-project.iam.gserviceaccount.com\""},
		{"Zenml-Pull@my-project.iam.gserviceaccount.com", "upper-case letters; service account e-mails are lower case: \"zenml-pull@my-project.iam.gserviceaccount.com\""},
		{"alice@gmail.com", "Google user or group e-mail (domain \"gmail.com\"), not a service account"},
		{"alice@example.com", "not a service account"},
		{"user:alice@example.com", "ZenML grants access to service accounts only"},
		{"serviceAccount:my-project.svc.id.goog[zenml/zenml-server]", "GKE Workload Identity member, not a service account e-mail; give it as a Workload Identity principal (project \"my-project\", namespace \"zenml\", service account \"zenml-server\")"},
		{"serviceAccount:x.svc.id.goog[", "looks like a GKE Workload Identity member"},
		{"principal://iam.googleapis.com/x", "Workload Identity Federation principal identifier, not a service account e-mail; give the e-mail"},
		{wifPrincipal, "give it as a Workload Identity principal (project \"my-project\", namespace \"zenml\", service account \"zenml-server\")"},
		{"service-abc@serverless-robot-prod.iam.gserviceaccount.com", "the Cloud Run Service Agent is service-PROJECT_NUMBER@"},
		{"other:x@y", "has no prefix such as \"other:\""},
		{"abc@my-project.iam.gserviceaccount.com", "the service account name \"abc\" is 3 characters long; it must be 6 to 30"},
		{strings.Repeat("a", 31) + "@my-project.iam.gserviceaccount.com", "is 31 characters long"},
		{"1zenml-pull@my-project.iam.gserviceaccount.com", "starting with a letter"},
		{"zenml_pull@my-project.iam.gserviceaccount.com", "is not valid"},
		{"zenml-pull@my.iam.gserviceaccount.com", "the project id \"my\" is 2 characters long"},
		{"zenml-pull@9project.iam.gserviceaccount.com", "the project id \"9project\" is not valid"},
		{"zenml-pull@.iam.gserviceaccount.com", "the project id is empty"},
		{"compute@developer.gserviceaccount.com", "PROJECT_NUMBER-compute@developer.gserviceaccount.com"},
		{"0123-compute@developer.gserviceaccount.com", "with the project number (digits)"},
		{"My@appspot.gserviceaccount.com", "upper-case"},
		{"ab@appspot.gserviceaccount.com", "PROJECT_ID@appspot.gserviceaccount.com"},
		{"x@cloudservices.gserviceaccount.com", "is not one of a service account"},
		{"a@b@c.iam.gserviceaccount.com", "exactly one \"@\""},
		{"no-at-sign", "exactly one \"@\""},
	}
	for _, c := range invalid {
		_, err := ParseGCPServiceAccount(c.in)
		checkErr(t, "ParseGCPServiceAccount", c.in, err, c.want, ExampleGCPServiceAccount)
	}
}

func TestWorkloadIdentity(t *testing.T) {
	wi, err := NewWorkloadIdentity("my-project", "zenml", "zenml-server")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := wi.Member(), "serviceAccount:my-project.svc.id.goog[zenml/zenml-server]"; got != want {
		t.Fatalf("Member() = %q, want %q", got, want)
	}
	if _, err := NewWorkloadIdentity("my-project", strings.Repeat("n", 63), "a.b-c.d"); err != nil {
		t.Fatalf("63-character namespace and dotted service account: %v", err)
	}
	invalid := []struct{ project, ns, ksa, field, want, example string }{
		{"my", "zenml", "ksa", FieldProject, "the project id \"my\" is 2 characters long; it must be 6 to 30", ExampleGCPProject},
		{"My-Project", "zenml", "ksa", FieldProject, "is not valid: lower-case letters", ExampleGCPProject},
		{"my-project-", "zenml", "ksa", FieldProject, "not ending with a hyphen", ExampleGCPProject},
		{"a@my-project", "zenml", "ksa", FieldProject, "not an e-mail", ExampleGCPProject},
		{"my-project", "", "ksa", FieldNamespace, "the namespace is empty", ExampleKubernetesNamespace},
		{"my-project", "Zenml", "ksa", FieldNamespace, "has upper-case letters; write \"zenml\"", ExampleKubernetesNamespace},
		{"my-project", "zen.ml", "ksa", FieldNamespace, "is not a DNS-1123 label", ExampleKubernetesNamespace},
		{"my-project", strings.Repeat("n", 64), "ksa", FieldNamespace, "64 characters long; at most 63", ExampleKubernetesNamespace},
		{"my-project", "zenml", "", FieldServiceAccount, "it is empty", ExampleKubernetesSA},
		{"my-project", "zenml", "pull@my-project.iam.gserviceaccount.com", FieldServiceAccount, "not a GCP service account", ExampleKubernetesSA},
		{"my-project", "zenml", "zenml_server", FieldServiceAccount, "DNS-1123 subdomain", ExampleKubernetesSA},
		{"my-project", "zenml", "a..b", FieldServiceAccount, "the label is empty", ExampleKubernetesSA},
		{"my-project", "zenml", strings.Repeat("a.", 127), FieldServiceAccount, "254 characters long; at most 253", ExampleKubernetesSA},
	}
	for _, c := range invalid {
		_, err := NewWorkloadIdentity(c.project, c.ns, c.ksa)
		in := c.project + "/" + c.ns + "/" + c.ksa
		checkErr(t, "NewWorkloadIdentity", in, err, c.want, c.example)
		var pe *Error
		if errors.As(err, &pe) && pe.Field != c.field {
			t.Errorf("NewWorkloadIdentity(%q): field %q, want %q", in, pe.Field, c.field)
		}
	}
}

func TestParseWorkloadIdentityMember(t *testing.T) {
	wi, err := ParseWorkloadIdentityMember("serviceAccount:my-project.svc.id.goog[zenml/zenml-server]")
	if err != nil {
		t.Fatal(err)
	}
	if wi != (WorkloadIdentity{Project: "my-project", Namespace: "zenml", ServiceAccount: "zenml-server"}) {
		t.Fatalf("got %+v", wi)
	}
	invalid := []struct{ in, want string }{
		{"my-project.svc.id.goog[zenml/zenml-server]", "the \"serviceAccount:\" prefix is missing: \"serviceAccount:my-project.svc.id.goog[zenml/zenml-server]\""},
		{"zenml-pull@my-project.iam.gserviceaccount.com", "has the form serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA]"},
		{wifPrincipal, "the member form is \"serviceAccount:my-project.svc.id.goog[zenml/zenml-server]\""},
		{"serviceAccount:my-project.svc.id.goog", "go in brackets"},
		{"serviceAccount:my-project.svc.id.goog[zenml/x", "go in brackets"},
		{"serviceAccount:my-project.example.com[zenml/x]", "must be PROJECT.svc.id.goog"},
		{"serviceAccount:my-project.svc.id.goog[zenml]", "separated by \"/\""},
		{"serviceAccount:my.svc.id.goog[zenml/x]", "a GCP project id: the project id \"my\" is 2 characters long"},
		{"serviceAccount:my-project.svc.id.goog[Zenml/x]", "a Kubernetes namespace: the namespace \"Zenml\" has upper-case letters"},
		{"serviceAccount:my-project.svc.id.goog[zenml/x_y]", "a Kubernetes service account name"},
	}
	for _, c := range invalid {
		_, err := ParseWorkloadIdentityMember(c.in)
		checkErr(t, "ParseWorkloadIdentityMember", c.in, err, c.want, ExampleWorkloadIdentityUser)
	}
}

// checkErr requires an *Error that quotes the input, contains want and gives the example.
func checkErr(t *testing.T, fn, in string, err error, want, example string) {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Errorf("%s(%q): error %v, want *Error", fn, in, err)
		return
	}
	// The kind goes with the example; the provider names its diagnostics by the kind.
	kinds := map[string]string{ExampleAWSRoleARN: KindAWSRoleARN, ExampleGCPServiceAccount: KindGCPServiceAccount,
		ExampleGCPProject: KindGCPProjectID, ExampleKubernetesNamespace: KindKubernetesNamespace, ExampleKubernetesSA: KindKubernetesSA,
		ExampleWorkloadIdentityUser: KindWorkloadIdentityMember}
	if pe.Kind != kinds[example] {
		t.Errorf("%s(%q): kind %q, want %q", fn, in, pe.Kind, kinds[example])
	}
	msg := err.Error()
	if !strings.Contains(msg, want) {
		t.Errorf("%s(%q):\n got %s\nwant it to contain %s", fn, in, msg, want)
	}
	if !strings.HasSuffix(msg, "e.g. \""+example+"\"") {
		t.Errorf("%s(%q): %s does not end with the example %q", fn, in, msg, example)
	}
}

func FuzzParseAWSRoleARN(f *testing.F) {
	for _, s := range []string{ExampleAWSRoleARN, "arn:aws:iam::123456789012:role/a/b/c", "arn:aws:sts::123456789012:assumed-role/r/s",
		"arn:aws:iam::123456789012:instance-profile/p", "AROA1234567890ABCDEFG", "arn:aws:iam::1:role/x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseAWSRoleARN(s)
		if err != nil {
			if !strings.Contains(err.Error(), ExampleAWSRoleARN) {
				t.Fatalf("error without example: %v", err)
			}
			return
		}
		if r.ARN() != s {
			t.Fatalf("ARN() = %q, input %q", r.ARN(), s)
		}
		if _, err := ParseAWSRoleARN(r.ARN()); err != nil {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func FuzzParseGCPServiceAccount(f *testing.F) {
	for _, s := range []string{ExampleGCPServiceAccount, "123-compute@developer.gserviceaccount.com", "p-roject@appspot.gserviceaccount.com",
		"serviceAccount:a.svc.id.goog[b/c]", "alice@gmail.com", "A@B", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sa, err := ParseGCPServiceAccount(s)
		if err != nil {
			if !strings.Contains(err.Error(), ExampleGCPServiceAccount) {
				t.Fatalf("error without example: %v", err)
			}
			return
		}
		if sa.Email != s || sa.Project == "" || !strings.HasSuffix(s, ".gserviceaccount.com") || strings.ToLower(s) != s {
			t.Fatalf("accepted %q as %+v", s, sa)
		}
	})
}

func FuzzParseWorkloadIdentityMember(f *testing.F) {
	for _, s := range []string{ExampleWorkloadIdentityUser, "serviceAccount:p.svc.id.goog[a/b]", "x.svc.id.goog[a/b]", "serviceAccount:[/]", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		wi, err := ParseWorkloadIdentityMember(s)
		if err != nil {
			if !strings.Contains(err.Error(), ExampleWorkloadIdentityUser) {
				t.Fatalf("error without example: %v", err)
			}
			return
		}
		if wi.Member() != s {
			t.Fatalf("Member() = %q, input %q", wi.Member(), s)
		}
	})
}

func FuzzNewWorkloadIdentity(f *testing.F) {
	f.Add("my-project", "zenml", "zenml-server")
	f.Add("", "", "")
	f.Add("a", "B", "c..d")
	f.Fuzz(func(t *testing.T, project, ns, ksa string) {
		wi, err := NewWorkloadIdentity(project, ns, ksa)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Field == "" {
				t.Fatalf("error without field: %v", err)
			}
			return
		}
		back, err := ParseWorkloadIdentityMember(wi.Member())
		if err != nil || back != wi {
			t.Fatalf("round trip of %+v: %+v, %v", wi, back, err)
		}
	})
}
