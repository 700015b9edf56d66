// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
)

var (
	_ resource.Resource                     = (*imageMirrorResource)(nil)
	_ resource.ResourceWithConfigure        = (*imageMirrorResource)(nil)
	_ resource.ResourceWithConfigValidators = (*imageMirrorResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*imageMirrorResource)(nil)
	_ resource.ResourceWithImportState      = (*imageMirrorResource)(nil)
)

// Timeouts of a mirror when timeouts does not set them.
const (
	defaultMirrorCopyTimeout   = oci.DefaultCopyTimeout
	defaultMirrorReadTimeout   = oci.DefaultTimeout
	defaultMirrorDeleteTimeout = oci.DefaultTimeout
)

// NewImageMirrorResource returns the zenmlpro_image_mirror resource.
func NewImageMirrorResource() resource.Resource { return &imageMirrorResource{} }

type imageMirrorResource struct {
	data *providerData
}

type imageMirrorModel struct {
	ID                types.String   `tfsdk:"id"`
	SourceURI         types.String   `tfsdk:"source_uri"`
	Image             types.Object   `tfsdk:"image"`
	SourceBundle      types.Object   `tfsdk:"source_bundle"`
	TargetRegistry    types.String   `tfsdk:"target_registry"`
	Platforms         types.List     `tfsdk:"platforms"`
	KeepOnDestroy     types.Bool     `tfsdk:"keep_on_destroy"`
	AdoptExisting     types.Bool     `tfsdk:"adopt_existing"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
	SourceReference   types.String   `tfsdk:"source_reference"`
	SourceDigest      types.String   `tfsdk:"source_digest"`
	TargetURI         types.String   `tfsdk:"target_uri"`
	Digest            types.String   `tfsdk:"digest"`
	TargetURIByDigest types.String   `tfsdk:"target_uri_by_digest"`
	PlatformDigests   types.Map      `tfsdk:"platform_digests"`
	Drift             types.String   `tfsdk:"drift"`
	Preexisting       types.Bool     `tfsdk:"preexisting"`
	ReplacedDigest    types.String   `tfsdk:"replaced_digest"`
}

// mirrorImageModel is the image attribute: a ZenML Pro image as zenmlpro_image names it.
type mirrorImageModel struct {
	Component types.String `tfsdk:"component"`
	Version   types.String `tfsdk:"version"`
	Source    types.String `tfsdk:"source"`
	Registry  types.String `tfsdk:"registry"`
}

var mirrorImageAttrTypes = map[string]attr.Type{
	"component": types.StringType, "version": types.StringType, "source": types.StringType, "registry": types.StringType,
}

// mirrorBundleModel is the source_bundle attribute: one image or chart of an offline bundle.
type mirrorBundleModel struct {
	Path  types.String `tfsdk:"path"`
	Image types.String `tfsdk:"image"`
	Chart types.String `tfsdk:"chart"`
}

var mirrorBundleAttrTypes = map[string]attr.Type{"path": types.StringType, "image": types.StringType, "chart": types.StringType}

// timeoutsAllAttrTypes is the object type of timeouts.AttributesAll, for a null timeouts value (import).
var timeoutsAllAttrTypes = map[string]attr.Type{
	"create": types.StringType, "read": types.StringType, "update": types.StringType, "delete": types.StringType,
}

// mirrorSourceURICheck checks a source_uri: an image reference with a tag (and an optional digest).
var mirrorSourceURICheck = checkString("Invalid Source URI", "value must be an image reference with a tag, e.g. "+oci.ExampleSourceURI,
	func(s string) error {
		_, err := oci.MirrorOf(s, images.ExampleRegistry)
		return err
	})

// bundleKeyCheck checks a source_bundle image or chart: <name>:<tag>.
var bundleKeyCheck = checkString("Invalid Bundle Item", "value must be <name>:<tag> as the bundle's images or charts key it, e.g. zenml-pro-api:0.13.0",
	func(s string) error {
		name, tag, ok := strings.Cut(s, ":")
		if !ok || name == "" || tag == "" || strings.ContainsAny(s, "/@ ") {
			return fmt.Errorf("%q is not <name>:<tag>", s)
		}
		return nil
	})

// platformCheck checks an element of platforms.
var platformCheck = checkString("Invalid Platform", "value must be os/architecture or os/architecture/variant, e.g. linux/amd64",
	ignoreValue(oci.ParsePlatform))

func (r *imageMirrorResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_image_mirror"
}

func (r *imageMirrorResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A copy of one container image in your own registry, under the same image name and tag, as the ZenML Pro " +
			"prerequisites ask of sites that pull from an internal registry: `<target_registry>/<name>:<tag>`. The copy is made " +
			"with every platform of a multi-platform image (or those in `platforms`), blobs streamed from registry to registry " +
			"(those the target has already are skipped), and verified: the target must then name the source's digest, platform " +
			"by platform when filtered. The state records the source reference, both digests and the digest of each platform.\n\n" +
			"A copy never takes over a tag it did not write: a target tag that names another image fails the plan (and the apply, " +
			"read again right before the manifest is written) unless `adopt_existing = true`; a tag that names the same image " +
			"already is recorded as `preexisting` and never deleted. A target that is the source's own repository fails the plan.\n\n" +
			"The source is read at plan time: a tag that moved since the last apply shows as a replacement (`source_digest` " +
			"forces it), and the apply copies exactly the digest the plan showed. A copy changed in the target registry since " +
			"the last apply shows as `drift` and is copied again; a deleted copy is created again. Destroy leaves the copy in " +
			"place unless `keep_on_destroy = false`. Credentials come from the provider's `registries` (or an ECR or Google " +
			"token, or the Docker config), for the source and the target alike.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The target reference, `<target_registry>/<name>:<tag>`, which is also the import ID.",
			},
			"source_uri": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The image to copy, any image reference with a tag and an optional digest, e.g. `" + oci.ExampleSourceURI +
					"` or `zenmldocker/zenml:0.93.2@sha256:...` (a digest pins the copy to that image). Exactly one of `source_uri`, `image` and `source_bundle`.",
				Validators: []validator.String{mirrorSourceURICheck},
			},
			"image": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "The image to copy, named as the `zenmlpro_image` data source names it, e.g. `image = { component = " +
					"\"workspace_server\", version = \"0.93.2\", source = \"zenml_aws\" }`. Exactly one of `source_uri`, `image` and `source_bundle`.",
				Attributes: map[string]schema.Attribute{
					"component": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "The component: " + quotedList(images.ComponentNames()) + ".",
						Validators:          []validator.String{stringvalidator.OneOf(images.ComponentNames()...)},
					},
					"version": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "The exact release, which is also the tag, e.g. `0.93.2` for `workspace_server` or `0.13.0` for `control_plane_api`.",
						Validators:          []validator.String{exactReleaseVersionCheck},
					},
					"source": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "Where the image comes from: " + quotedList(images.SourceNames()) + ".",
						Validators:          []validator.String{stringvalidator.OneOf(images.SourceNames()...)},
					},
					"registry": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "The registry of the source when `source` is `private`, e.g. `" + images.ExampleRegistry + "`.",
						Validators:          []validator.String{imageRegistryCheck(false)},
					},
				},
			},
			"source_bundle": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "An image or a Helm chart of an offline bundle that `zenmlpro_offline_bundle` wrote, on the air-gapped side: " +
					"e.g. `source_bundle = { path = \"/media/zenml-bundle\", image = \"zenml-pro-api:0.13.0\" }`. The copy is pushed from the " +
					"bundle's OCI layout with the digest its manifest records (a chart as an OCI Helm chart, as `helm push` stores it), so " +
					"it is identical to what the bundle was made from. The plan reads the bundle's manifest.json; verify the whole bundle " +
					"with the `zenmlpro_offline_bundle` data source. `platforms` does not apply: the bundle's platforms were chosen when " +
					"it was written. Exactly one of `source_uri`, `image` and `source_bundle`.",
				Attributes: map[string]schema.Attribute{
					"path": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "The bundle directory, e.g. `/media/zenml-bundle` (the one holding manifest.json and SHA256SUMS).",
						Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
					},
					"image": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "The image, `<name>:<tag>` as the bundle's `images` keys it, e.g. `zenml-pro-api:0.13.0`; the copy is " +
							"`<target_registry>/<name>:<tag>`. Exactly one of `image` and `chart`.",
						Validators: []validator.String{stringvalidator.ExactlyOneOf(path.MatchRelative().AtParent().AtName("chart")), bundleKeyCheck},
					},
					"chart": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "The Helm chart, `<name>:<version>` as the bundle's `charts` keys it, e.g. `zenml-pro:0.13.0`; the copy is " +
							"`<target_registry>/<name>:<version>`, which Helm installs as `oci://<target_registry>/<name> --version <version>`. " +
							"The bundle's `charts` give each chart's `internal_registry` (`<internal_registry>/charts`: the workspace chart and the " +
							"pipeline client image are both named `zenml`).",
						Validators: []validator.String{bundleKeyCheck},
					},
				},
			},
			"target_registry": schema.StringAttribute{
				Required: true,
				MarkdownDescription: fmt.Sprintf("The registry to copy into, a host with an optional port and path, e.g. `%s` or `%s`: the copy "+
					"is `<target_registry>/<name>:<tag>`, where `<name>` is the last component of the source repository. Changing it "+
					"replaces the copy.", images.ExampleRegistry, images.ExampleRegistryWithPort),
				Validators: []validator.String{imageRegistryCheck(false)},
			},
			"platforms": schema.ListAttribute{
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				MarkdownDescription: "The platforms to copy from a multi-platform image, as `os/architecture[/variant]`, e.g. `[\"linux/amd64\"]`; " +
					"a platform without a variant matches every variant. The target is then an index of those platforms only (its digest " +
					"differs from the source's; each platform's image keeps its digest), and a platform the source lacks fails the plan. " +
					"Defaults to every platform of the source, which this attribute then lists (empty for a single-platform image).",
				Validators: []validator.List{listvalidator.ValueStringsAre(platformCheck), listvalidator.UniqueValues()},
			},
			"keep_on_destroy": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
				MarkdownDescription: "Leave the copy in the target registry when the resource is destroyed. With `false`, destroy deletes the " +
					"copy's tag, only while it still names the copied image; a registry that deletes by digest only (deleting every tag of " +
					"the image) is asked to only when no other tag names the image, and the copy is kept, with a warning, otherwise. " +
					"Defaults to `true`.",
			},
			"adopt_existing": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				MarkdownDescription: "When the target tag exists already at create time, take it over instead of failing: a tag that names " +
					"another image is replaced by the copy, and a tag that names the same image becomes this resource's copy. The plan " +
					"shows the digest taken over in `replaced_digest` with a warning, and the apply writes the tag only while it still " +
					"names that digest. Without it, a tag that names another image fails the plan with both digests, and a tag that names " +
					"the same image is recorded as `preexisting` and kept on destroy. Setting it later on a `preexisting` copy takes that " +
					"copy over in place. Defaults to `false`.",
			},
			"timeouts": timeouts.AttributesAll(ctx),
			"source_reference": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The reference copied from, normalised (e.g. `index.docker.io/zenmldocker/zenml:0.93.2`).",
			},
			"source_digest": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The digest the source named when it was copied. The plan reads the source again: when its tag moved, " +
					"the new digest replaces the copy.",
			},
			"target_uri": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The copy, `<target_registry>/<name>:<tag>`, e.g. `harbor.internal.example.com/zenml/zenml-pro-server:0.93.2`.",
			},
			"digest": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The digest of the copy in the target registry: the source's digest, or, with `platforms`, the digest " +
					"of the index of the kept platforms.",
			},
			"target_uri_by_digest": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The copy by digest, `<target_registry>/<name>@<digest>`, for Helm values or admission policies that take digests.",
			},
			"platform_digests": schema.MapAttribute{
				ElementType: types.StringType,
				Computed:    true,
				MarkdownDescription: "The digest of each copied platform's image, keyed `os/architecture[/variant]`, equal in the source " +
					"and the target. Empty for a single-platform image.",
			},
			"preexisting": schema.BoolAttribute{
				Computed: true,
				MarkdownDescription: "True when the target tag already named the image this resource copies when the resource was created, " +
					"and `adopt_existing` was not set: the resource wrote nothing and does not own the image, so destroy leaves it in " +
					"place, with a warning, whatever `keep_on_destroy` says. This is also what an apply that was interrupted after " +
					"writing the tag leaves for the next apply, since nothing then tells that copy from someone else's. False when this " +
					"resource wrote the tag, adopted it, or was imported.",
			},
			"replaced_digest": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The digest the target tag named when this resource took it over with `adopt_existing`: another " +
					"image, which the copy replaced, or the copied image itself, which it kept. Empty when the resource took nothing over.",
			},
			"drift": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "Empty while the target tag names the copy. When it was changed in the target registry since the last " +
					"apply, it says what it names now, and the next apply copies the image again.",
			},
		},
	}
}

func (r *imageMirrorResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("source_uri"), path.MatchRoot("image"), path.MatchRoot("source_bundle")),
		resourcevalidator.Conflicting(path.MatchRoot("source_bundle"), path.MatchRoot("platforms")),
	}
}

func (r *imageMirrorResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// platformNames are the platforms of d as os/architecture[/variant].
func platformNames(ps []oci.Platform) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// mirrorImportFormat is the import ID of a mirror.
const mirrorImportFormat = "`<target_registry>/<name>:<tag>`, e.g. `harbor.internal.example.com/zenml/zenml-pro-server:0.93.2`"
