// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
)

var (
	_ datasource.DataSource                   = (*imageDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*imageDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*imageDataSource)(nil)
)

// NewImageDataSource returns the zenmlpro_image data source.
func NewImageDataSource() datasource.DataSource {
	return &imageDataSource{}
}

type imageDataSource struct {
	data *providerData
}

type imageDataSourceModel struct {
	Component    types.String `tfsdk:"component"`
	Version      types.String `tfsdk:"version"`
	Source       types.String `tfsdk:"source"`
	Registry     types.String `tfsdk:"registry"`
	Digest       types.String `tfsdk:"digest"`
	ImageName    types.String `tfsdk:"image_name"`
	Repository   types.String `tfsdk:"repository"`
	Tag          types.String `tfsdk:"tag"`
	URI          types.String `tfsdk:"uri"`
	RegistryHost types.String `tfsdk:"registry_host"`
	// Read from the registry with resolve_digest.
	ResolveDigest types.Bool     `tfsdk:"resolve_digest"`
	URIByDigest   types.String   `tfsdk:"uri_by_digest"`
	MediaType     types.String   `tfsdk:"media_type"`
	Platforms     types.List     `tfsdk:"platforms"`
	Timeouts      timeouts.Value `tfsdk:"timeouts"`
}

// platformAttrTypes are the attributes of an element of platforms.
var platformAttrTypes = map[string]attr.Type{
	"os": types.StringType, "architecture": types.StringType, "variant": types.StringType, "digest": types.StringType,
}

// platformsValue is the platforms attribute of a registry's descriptor: the images of an index, an
// empty list for a single image.
func platformsValue(platforms []oci.Platform) (types.List, diag.Diagnostics) {
	elems := make([]attr.Value, 0, len(platforms))
	var diags diag.Diagnostics
	for _, p := range platforms {
		v, d := types.ObjectValue(platformAttrTypes, map[string]attr.Value{
			"os": types.StringValue(p.OS), "architecture": types.StringValue(p.Architecture),
			"variant": types.StringValue(p.Variant), "digest": types.StringValue(p.Digest),
		})
		diags.Append(d...)
		elems = append(elems, v)
	}
	l, d := types.ListValue(types.ObjectType{AttrTypes: platformAttrTypes}, elems)
	diags.Append(d...)
	return l, diags
}

// platformsAttribute describes the platforms of an image read from a registry; what says whose.
func platformsAttribute(what string) schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		Computed: true,
		MarkdownDescription: "The platforms of " + what + " when it is an image index (a multi-platform image), in the index's " +
			"order: `os`, `architecture`, `variant` (e.g. `v8`, or empty) and the `digest` of that platform's image manifest. " +
			"Attestations and other artifacts of the index are not platforms. An empty list for a single-platform image.",
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"os":           schema.StringAttribute{Computed: true, MarkdownDescription: "Operating system, e.g. `linux`."},
			"architecture": schema.StringAttribute{Computed: true, MarkdownDescription: "CPU architecture, e.g. `amd64` or `arm64`."},
			"variant":      schema.StringAttribute{Computed: true, MarkdownDescription: "CPU variant, e.g. `v8`, or empty."},
			"digest":       schema.StringAttribute{Computed: true, MarkdownDescription: "Digest of the platform's image manifest."},
		}},
	}
}

func (d *imageDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_image"
}

func (d *imageDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	components := make([]string, 0, len(images.Components()))
	for _, c := range images.Components() {
		components = append(components, fmt.Sprintf("`%s` (%s, image `%s`, tagged with %s versions)",
			c, c.Title(), c.ImageName(), images.LineTitle(c.Line())))
	}
	sources := make([]string, 0, len(images.Sources()))
	for _, s := range images.Sources() {
		if !s.ZenML() {
			sources = append(sources, fmt.Sprintf("`%s` (%s: your mirror, named in `registry`)", s, s.Title()))
			continue
		}
		repos := make([]string, 0, len(images.Components()))
		for _, c := range images.Components() {
			r, _ := images.ZenMLRepository(s, c)
			repos = append(repos, "`"+r+"`")
		}
		sources = append(sources, fmt.Sprintf("`%s` (%s: %s)", s, s.Title(), strings.Join(repos, ", ")))
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The reference of one ZenML Pro container image: repository, tag and URI for a component, a version and a " +
			"source. By default it only builds the reference and never contacts a registry. With `resolve_digest = true` it asks the " +
			"registry (with the provider's `registries` credentials, an ECR or Google token, or the Docker config) what the tag points to " +
			"and returns the digest, the media type and the platforms, so that a deployment pins the exact image and the state " +
			"records it; a `digest` given as well must still be what the tag points to, or the plan fails because the tag moved. " +
			"Each distinct reference is asked once per provider process, whatever number of data sources name it.\n\n" +
			"The ZenML registries are those of the ZenML Pro prerequisites page; access to them is granted by ZenML on request. " +
			"The client image (`zenmldocker/zenml`) is public on Docker Hub for both ZenML sources. A private mirror keeps ZenML's " +
			"image names and tags: `<registry>/<image name>:<version>`. Image tags equal the Helm chart version (the page's version " +
			"synchronization rule), so the version is also the tag.\n\n" +
			"A version from the wrong release line (a Workspace Server version for a Control Plane component, or the reverse) is an " +
			"error when the release catalog lists it; a version the catalog does not list at all is a warning, because releases newer " +
			"than the provider exist. Add such a release with the provider's `releases` attribute.",
		Attributes: map[string]schema.Attribute{
			"component": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The component whose image to reference: " + strings.Join(components, ", ") + ".",
				Validators:          []validator.String{stringvalidator.OneOf(images.ComponentNames()...)},
			},
			"version": schema.StringAttribute{
				Required: true,
				MarkdownDescription: fmt.Sprintf("The exact release to reference, which is also the image tag: a %s version such as `%s` "+
					"for `%s` and `%s`, a %s version such as `%s` for `%s` and `%s`. Prefixes (`v0.13.0`), ranges (`>= 0.13`), partial "+
					"versions and names such as `latest` are rejected.",
					images.LineTitle(releases.ControlPlane), images.ExampleVersion(releases.ControlPlane), images.ControlPlaneAPI, images.ControlPlaneDashboard,
					images.LineTitle(releases.WorkspaceServer), images.ExampleVersion(releases.WorkspaceServer), images.WorkspaceServer, images.Client),
				Validators: []validator.String{exactReleaseVersionCheck},
			},
			"source": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Where the image is pulled from: " + strings.Join(sources, "; ") + ".",
				Validators:          []validator.String{stringvalidator.OneOf(images.SourceNames()...)},
			},
			"registry": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("The registry of your mirror, required when `source` is `%s` and refused otherwise (a ZenML "+
					"source would ignore it). A registry host (DNS name or IP address, optional `:port`) with an optional path, per the "+
					"OCI distribution reference grammar: lower-case path components, no scheme (`https://`), no trailing slash, no tag "+
					"or digest, e.g. `%s` or `%s`. The host needs a dot or a port (or is `localhost`), because container runtimes read "+
					"a bare first name as a Docker Hub namespace.",
					images.SourcePrivate, images.ExampleRegistry, images.ExampleRegistryWithPort),
				Validators: []validator.String{imageRegistryCheck(false)},
			},
			"digest": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: fmt.Sprintf("The image digest, `sha256:` followed by 64 lower-case hexadecimal characters, e.g. `%s`. "+
					"As an input it pins the image: `uri` is then `<repository>:<tag>@<digest>`, which a container runtime pulls by digest. "+
					"Without `resolve_digest` a given digest is not checked against the registry; with it, the digest is what the tag points to "+
					"at the registry, and a given one must equal it (a tag that moved fails the plan, showing both digests).", images.ExampleDigest),
				Validators: []validator.String{imageDigestCheck},
			},
			"resolve_digest": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Ask the registry what the tag points to, and fill `digest`, `uri_by_digest`, `media_type` and `platforms`. " +
					"The read happens at plan time (and at every refresh), within `timeouts.read`; throttling (HTTP 429), server errors " +
					"and broken connections are retried with backoff, while refused credentials, a missing tag and an untrusted certificate " +
					"fail at once with the host and the credentials used. Defaults to `false`: nothing is contacted.",
			},
			"uri_by_digest": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The reference by digest alone, `<repository>@<digest>`, when the digest is known (given or resolved), " +
					"e.g. for an admission policy that accepts digests only; null otherwise.",
			},
			"media_type": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "With `resolve_digest`: the media type of what the tag points to, e.g. `application/vnd.oci.image.index.v1+json` " +
					"(a multi-platform index) or `application/vnd.docker.distribution.manifest.v2+json` (a single image); null otherwise.",
			},
			"platforms": platformsAttribute("the image, with `resolve_digest` (null otherwise),"),
			"timeouts": timeouts.AttributesWithOpts(context.Background(), timeouts.Opts{ReadDescription: "How long reading the registry " +
				"may take with `resolve_digest`, retries included, as a duration such as `30s` or `5m`. Defaults to `2m`."}),
			"image_name": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The image name, the last component of the repository, e.g. `zenml-pro-api`. A private mirror keeps it.",
			},
			"repository": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The repository without tag, e.g. `europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-api`, " +
					"as Helm values such as `zenml.image.repository` take it.",
			},
			"tag": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The image tag, equal to `version` (and to the Helm chart version).",
			},
			"uri": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The full image reference, `<repository>:<tag>`, or `<repository>:<tag>@<digest>` when `digest` is set, " +
					"e.g. `europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-api:0.13.0`.",
			},
			"registry_host": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The registry host (with its port, if any) of the repository, e.g. `europe-west3-docker.pkg.dev`, " +
					"`715803424590.dkr.ecr.eu-central-1.amazonaws.com` or `docker.io`: the server of an image pull secret, and the " +
					"registry an ECR or Artifact Registry grant is about.",
			},
		},
	}
}

func (d *imageDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks, for literal values, that `registry` is given exactly when the source needs it.
func (d *imageDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var source, registry types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("source"), &source)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("registry"), &registry)...)
	if resp.Diagnostics.HasError() || source.IsNull() || source.IsUnknown() || registry.IsUnknown() {
		return
	}
	src, err := images.ParseSource(source.ValueString())
	if err != nil {
		return // the source validator reports it
	}
	if registry.IsNull() || registry.ValueString() != "" {
		if err := images.CheckRegistryUse(src, registry.ValueString()); err != nil {
			addImagesError(&resp.Diagnostics, err)
		}
	}
}

func (d *imageDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m imageDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The validators checked literal values; values that were unknown then are checked here.
	pinned := m.Digest.ValueString()
	img, err := images.ResolveImage(catalogOf(d.data), images.ImageSpec{
		Component: images.Component(m.Component.ValueString()),
		Version:   m.Version.ValueString(),
		Source:    images.Source(m.Source.ValueString()),
		Registry:  m.Registry.ValueString(),
		Digest:    m.Digest.ValueString(),
	})
	if err != nil {
		addImagesError(&resp.Diagnostics, err)
		return
	}
	addUnlistedWarning(&resp.Diagnostics, img.Unlisted)
	m.ImageName = types.StringValue(img.ImageName)
	m.Repository = types.StringValue(img.Repository)
	m.Tag = types.StringValue(img.Tag)
	m.URI = types.StringValue(img.URI)
	m.RegistryHost = types.StringValue(img.RegistryHost)
	m.URIByDigest, m.MediaType = types.StringNull(), types.StringNull()
	m.Platforms = types.ListNull(types.ObjectType{AttrTypes: platformAttrTypes})
	if pinned != "" {
		m.URIByDigest = types.StringValue(img.Repository + "@" + pinned)
	}
	if m.ResolveDigest.ValueBool() {
		d.resolve(ctx, &m, img, pinned, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// resolve asks the registry what img's tag points to and fills the model with it; a pinned digest
// that differs is an error: the tag moved.
func (d *imageDataSource) resolve(ctx context.Context, m *imageDataSourceModel, img images.Image, pinned string, diags *diag.Diagnostics) {
	timeout, td := m.Timeouts.Read(ctx, oci.DefaultTimeout)
	diags.Append(td...)
	client := d.data.registryClient(diags, path.Root("resolve_digest"))
	if diags.HasError() {
		return
	}
	ref := img.Repository + ":" + img.Tag
	desc, err := client.Resolve(ctx, ref, timeout)
	if err != nil {
		addRegistryError(diags, path.Root("resolve_digest"), ref, err)
		return
	}
	tflog.Info(ctx, "resolved image digest", map[string]any{"reference": ref, "digest": desc.Digest, "media_type": desc.MediaType})
	if pinned != "" && pinned != desc.Digest {
		p := path.Root("digest")
		diags.AddAttributeError(p, "Image Tag Moved", fmt.Sprintf("Attribute %s: the tag %s now points to %s at the registry, "+
			"not to the pinned %s: the image was replaced under the same tag since the digest was pinned. Check the new image, then "+
			"set digest = %q, or remove digest to follow the tag.", p, ref, desc.Digest, pinned, desc.Digest))
		return
	}
	platforms, pd := platformsValue(desc.Platforms)
	diags.Append(pd...)
	m.Digest = types.StringValue(desc.Digest)
	m.URI = types.StringValue(ref + "@" + desc.Digest)
	m.URIByDigest = types.StringValue(img.Repository + "@" + desc.Digest)
	m.MediaType = types.StringValue(desc.MediaType)
	m.Platforms = platforms
}

// addRegistryError reports an error of the registry client on attribute p: ref was being read.
func addRegistryError(diags *diag.Diagnostics, p path.Path, ref string, err error) {
	addRegistryErrorDoing(diags, p, "reading "+ref, err)
}

// addRegistryErrorWithin reports an error of the registry client on attribute p, where the call ran
// within the limit of timeouts.<within> ("read", "create", "update", "delete"), which a registry that
// did not answer names.
func addRegistryErrorWithin(diags *diag.Diagnostics, p path.Path, within, ref string, err error) {
	addRegistryErrorDoingWithin(diags, p, within, "reading "+ref, err)
}

// addRegistryErrorDoing reports an error of the registry client on attribute p while doing something
// ("copying A to B"): the summary names the operation that failed and the registry's error code.
func addRegistryErrorDoing(diags *diag.Diagnostics, p path.Path, doing string, err error) {
	addRegistryErrorDoingWithin(diags, p, "", doing, err)
}

// addRegistryErrorDoingWithin is addRegistryErrorDoing for a call that ran within timeouts.<within>
// ("" when the caller cannot tell, and the message then names the candidates).
func addRegistryErrorDoingWithin(diags *diag.Diagnostics, p path.Path, within, doing string, err error) {
	var te *oci.TimeoutError
	if errors.As(err, &te) {
		addRegistryTimeout(diags, p, within, te)
		return
	}
	var nf *oci.NotFoundError
	var ae *oci.AuthError
	var plain *oci.PlainHTTPError
	f := oci.FailureOf(err)
	op := ""
	if f.Operation != "" && f.Operation != oci.OpResolve {
		op = " " + f.Operation.Title()
	}
	summary := "Registry Not Readable"
	switch {
	case errors.As(err, &nf):
		summary = "Image Not Found"
	case errors.As(err, &ae) && ae.Status == http.StatusForbidden:
		summary = "Registry Denied Access" + op
	case errors.As(err, &ae):
		summary = "Registry Refused Credentials" + op
	case errors.As(err, &plain):
		summary = "Plain HTTP Not Allowed"
	case f.Operation != "":
		summary = "Registry Error " + f.Operation.Title()
		if f.Code == "" && f.Status != 0 {
			summary += fmt.Sprintf(" (HTTP %d)", f.Status)
		}
	}
	if f.Code != "" {
		summary += " (" + f.Code + ")"
	}
	diags.AddAttributeError(p, summary, fmt.Sprintf("Attribute %s: %s: %s.", p, doing, strings.TrimSuffix(err.Error(), ".")))
}

// addRegistryTimeout reports a registry that did not answer within the time the configuration's
// timeouts gave: timeouts.<within> when the caller names it. Otherwise it is inferred where the
// operation tells it: resolving a reference happens at plan and refresh, within timeouts.read;
// deleting a copy at destroy, within timeouts.delete; copies, downloads and pushes at apply, within
// timeouts.create or timeouts.update; a tag is read at plan as well as at apply.
func addRegistryTimeout(diags *diag.Diagnostics, p path.Path, within string, te *oci.TimeoutError) {
	who := "no answer came"
	if te.Host != "" {
		who = "the registry " + te.Host + " did not answer"
	}
	what := fmt.Sprintf("%s while %s within the %s", who, te.Doing, te.Limit())
	last := strings.TrimSuffix(te.LastError().Error(), ".")
	const summary = "Registry Did Not Answer"
	if within != "" {
		attr := path.Root("timeouts").AtName(within)
		diags.AddAttributeError(attr, summary, fmt.Sprintf("Attribute %s: %s %s timeout; raise %s or check the registry (the last error: %s).",
			attr, what, within, attr, last))
		return
	}
	switch te.Verb() {
	case "resolving", "deleting":
		op := map[string]string{"resolving": "read", "deleting": "delete"}[te.Verb()]
		attr := path.Root("timeouts").AtName(op)
		diags.AddAttributeError(attr, summary, fmt.Sprintf("Attribute %s: %s %s timeout; raise %s or check the registry (the last error: %s).",
			attr, what, op, attr, last))
	case "copying", "pushing", "downloading":
		diags.AddAttributeError(p, summary, fmt.Sprintf("Attribute timeouts.create or timeouts.update: %s timeout of this create or update; "+
			"raise timeouts.create (timeouts.update for an update) or check the registry (the last error: %s).", what, last))
	default:
		diags.AddAttributeError(p, summary, fmt.Sprintf("Attribute timeouts: %s timeout of this operation; raise timeouts.read (at plan "+
			"and refresh) or timeouts.create or timeouts.update (at apply), or check the registry (the last error: %s).", what, last))
	}
}

// imagesErrorSummary names the kind of an error of the images package, for a diagnostic summary.
func imagesErrorSummary(err error) string {
	if ie, ok := inputerr.As(err); ok {
		return ie.Summary
	}
	return images.Summary(err, "")
}

// addImagesError adds an error of the images package as an error on the attribute it names.
func addImagesError(diags *diag.Diagnostics, err error) {
	if !addInputError(diags, err) {
		diags.AddError(imagesErrorSummary(err), err.Error()+".")
	}
}

// addUnlistedWarning warns about a version that the release catalog does not list.
func addUnlistedWarning(diags *diag.Diagnostics, u *images.UnlistedVersion) {
	if u == nil {
		return
	}
	p := path.Root(images.InputVersion)
	diags.AddAttributeWarning(p, "Version Not in Release Catalog", fmt.Sprintf("Attribute %s: %s.", p, u.Message()))
}

// deprecatedSpellingsUntil is the version up to which former spellings of names (chart
// "workspace", component "workspace") are accepted.
const deprecatedSpellingsUntil = "1.0"

// deprecatedSpellingNote says, in a description, which former spelling a name replaces.
func deprecatedSpellingNote(former, current string) string {
	return fmt.Sprintf("`%s`, the former spelling of `%s`, is accepted with a warning until version %s", former, current, deprecatedSpellingsUntil)
}

// namesValidator accepts the names of an enum as stringvalidator.OneOf does (with its error), and
// the former spellings that the domain's parser still reads, with a warning on the attribute that
// names the current spelling.
type namesValidator struct {
	// names are the current names.
	names []string
	// parse is the domain's parser: the current spelling of value, whether value is a former one,
	// and an error when it is no name at all.
	parse func(value string) (current string, deprecated bool, err error)
}

func (v namesValidator) Description(ctx context.Context) string {
	return stringvalidator.OneOf(v.names...).Description(ctx)
}

func (v namesValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v namesValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	value := req.ConfigValue.ValueString()
	current, deprecated, err := v.parse(value)
	switch {
	case err != nil:
		stringvalidator.OneOf(v.names...).ValidateString(ctx, req, resp)
	case deprecated:
		resp.Diagnostics.AddAttributeWarning(req.Path, "Deprecated Value", fmt.Sprintf("Attribute %s: %q is deprecated, write %q; %q is accepted until version %s.",
			req.Path, value, current, value, deprecatedSpellingsUntil))
	}
}

// chartNamesValidator checks the chart of zenmlpro_helm_chart.
func chartNamesValidator() namesValidator {
	return namesValidator{names: images.ChartNames(), parse: func(s string) (string, bool, error) {
		c, deprecated, err := images.ParseChart(s)
		return string(c), deprecated, err
	}}
}
