// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/bundle"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
)

var (
	_ resource.Resource                   = (*offlineBundleResource)(nil)
	_ resource.ResourceWithConfigure      = (*offlineBundleResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*offlineBundleResource)(nil)
	_ resource.ResourceWithImportState    = (*offlineBundleResource)(nil)
	_ resource.ResourceWithValidateConfig = (*offlineBundleResource)(nil)
)

// Timeouts of a bundle when timeouts does not set them: each image or chart gets the write timeout.
const (
	defaultBundleWriteTimeout = oci.DefaultCopyTimeout
	defaultBundleReadTimeout  = oci.DefaultTimeout
)

// NewOfflineBundleResource returns the zenmlpro_offline_bundle resource.
func NewOfflineBundleResource() resource.Resource { return &offlineBundleResource{} }

type offlineBundleResource struct {
	data *providerData
	// now is the clock of created_at; tests set it.
	now func() time.Time
}

type offlineBundleModel struct {
	ID                    types.String   `tfsdk:"id"`
	Directory             types.String   `tfsdk:"directory"`
	ControlPlaneVersion   types.String   `tfsdk:"control_plane_version"`
	WorkspaceVersions     types.Set      `tfsdk:"workspace_versions"`
	Source                types.String   `tfsdk:"source"`
	Registry              types.String   `tfsdk:"registry"`
	ChartRegistry         types.String   `tfsdk:"chart_registry"`
	InternalRegistry      types.String   `tfsdk:"internal_registry"`
	IncludeClient         types.Bool     `tfsdk:"include_client"`
	Platforms             types.List     `tfsdk:"platforms"`
	DockerArchivePlatform types.String   `tfsdk:"docker_archive_platform"`
	KeepOnDestroy         types.Bool     `tfsdk:"keep_on_destroy"`
	Timeouts              timeouts.Value `tfsdk:"timeouts"`
	CreatedAt             types.String   `tfsdk:"created_at"`
	Images                types.Map      `tfsdk:"images"`
	Charts                types.Map      `tfsdk:"charts"`
	ManifestJSON          types.String   `tfsdk:"manifest_json"`
	SHA256SumsDigest      types.String   `tfsdk:"sha256sums_digest"`
	ManifestDigest        types.String   `tfsdk:"manifest_digest"`
	Drift                 types.String   `tfsdk:"drift"`
}

func (r *offlineBundleResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_offline_bundle"
}

func (r *offlineBundleResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The air-gapped bundle, written on a machine that reaches ZenML's registries: every image of one Control " +
			"Plane release and of each Workspace Server release (API, dashboard, Workspace Server and, with `include_client`, the " +
			"pipeline client), the two Helm charts of each version, and a manifest, as the ZenML Pro prerequisites describe it. The " +
			"directory holds:\n\n" +
			"- `images/`: one OCI image layout with every image and every platform (blobs shared between images), and per image a " +
			"`docker load` tarball `images/<name>-<tag>.tar` of `docker_archive_platform`;\n" +
			"- `charts/<name>-<version>.tgz`: the charts, pulled from their OCI repository (the layout holds their OCI manifests too);\n" +
			"- `manifest.json` (every item with its source reference, digest and internal reference, the chart versions, the " +
			"creation time), `manifest.txt` for people, and `SHA256SUMS`, which `sha256sum -c SHA256SUMS` checks.\n\n" +
			"On the air-gapped side, the `zenmlpro_offline_bundle` data source verifies the copy and lists its items for " +
			"`zenmlpro_image_mirror` (`source_bundle`). The versions must be compatible by the rules of " +
			"`zenmlpro_version_compatibility`. Every source reference is read at plan time: a tag that moved since the last " +
			"apply shows as a rebuild, and the apply bundles exactly the digests the plan showed. The state records what this " +
			"resource wrote (`sha256sums_digest`, `manifest_digest`) and every refresh compares the directory with that record: a " +
			"file changed, missing or added, a bundle edited with a new SHA256SUMS, or one written again by another configuration " +
			"shows as `drift` and a rebuild, with a warning saying what differs (file contents are hashed again only when a file's " +
			"size, times or inode changed since they were last verified; see \"What a plan checks, and what it trusts\"). A new bundle is written only to a directory that " +
			"does not exist or is empty: a bundle already there is taken over only by `terraform import`. The bundle is built " +
			"beside the directory and put in place at the end, under a lock one write holds at a time, so an interrupted apply " +
			"leaves the previous bundle whole; what it left beside the directory shows in the next plan and the next apply removes " +
			"it. Destroy leaves the bundle unless `keep_on_destroy = false`, and then deletes only files still exactly as this " +
			"resource wrote them.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The directory, as given; also the import ID.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"directory": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Where the bundle is written, e.g. `/srv/transfer/zenml-pro-0.13.0`. For a new bundle it must not exist " +
					"or be empty: a directory holding a bundle is taken over with `terraform import`, one holding other files is refused. " +
					"A rebuild replaces the directory, and is refused while it holds files no bundle wrote. Changing it writes a new " +
					"bundle there.",
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"control_plane_version": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The Control Plane release, e.g. `0.13.0`: the tag of `zenml-pro-api` and `zenml-pro-dashboard` and the version of the `zenml-pro` chart.",
				Validators:          []validator.String{exactReleaseVersionCheck},
			},
			"workspace_versions": schema.SetAttribute{
				Required:    true,
				ElementType: types.StringType,
				MarkdownDescription: "The Workspace Server releases, e.g. `[\"0.93.2\"]`: each the tag of `zenml-pro-server` (and of the client " +
					"image) and the version of the `zenml` chart. Each must be compatible with `control_plane_version`.",
				Validators: []validator.Set{setvalidator.SizeAtLeast(1), setvalidator.ValueStringsAre(exactReleaseVersionCheck)},
			},
			"source": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Where the images come from: " + quotedList(images.SourceNames()) + ". The client image comes from Docker Hub for ZenML's sources.",
				Validators:          []validator.String{stringvalidator.OneOf(images.SourceNames()...)},
			},
			"registry": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "The registry of the images when `source` is `private`, e.g. `" + images.ExampleRegistry + "`.",
				Validators:          []validator.String{imageRegistryCheck(false)},
			},
			"chart_registry": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "The OCI registry of the charts, with or without `oci://`. Defaults to `" + images.DefaultChartRegistry + "`.",
				Validators:          []validator.String{imageRegistryCheck(true)},
			},
			"internal_registry": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The registry inside, a host with optional port and path, e.g. `" + images.ExampleRegistry + "`, recorded " +
					"in the manifest: images go to `<internal_registry>/<name>:<tag>`, charts to `<internal_registry>/charts/<name>:<version>`.",
				Validators: []validator.String{imageRegistryCheck(false)},
			},
			"include_client": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
				MarkdownDescription: "Bundle the pipeline client image (`zenmldocker/zenml:<workspace version>`) too. Defaults to `true`.",
			},
			"platforms": schema.ListAttribute{
				ElementType: types.StringType,
				Optional:    true,
				MarkdownDescription: "The platforms to keep of each multi-platform image, e.g. `[\"linux/amd64\"]`: the bundle then holds an " +
					"index of those platforms (each platform's image keeps its digest), and a platform an index lacks fails the plan. A " +
					"single-platform image is bundled as it is. Defaults to every platform.",
				Validators: []validator.List{listvalidator.ValueStringsAre(platformCheck), listvalidator.UniqueValues(), listvalidator.SizeAtLeast(1)},
			},
			"docker_archive_platform": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(bundle.DefaultArchivePlatform),
				MarkdownDescription: "The platform of the `docker load` tarballs (one image each). It must be among the platforms `platforms` keeps, " +
					"and each image must have it: the plan checks both, and a single-platform image, whose platform only the apply " +
					"reads, fails the apply when it is another. Defaults to `" + bundle.DefaultArchivePlatform + "`.",
				Validators: []validator.String{platformCheck},
			},
			"keep_on_destroy": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
				MarkdownDescription: "Leave the bundle on disk when the resource is destroyed. With `false`, destroy deletes the files " +
					"this resource wrote, and only when, checked at the moment of deletion, SHA256SUMS and manifest.json are the ones " +
					"recorded in `sha256sums_digest` and `manifest_digest` and every file matches SHA256SUMS; otherwise it deletes " +
					"nothing and warns what differs. Files added to the directory are kept, with a warning. Defaults to `true`.",
			},
			"timeouts": timeouts.AttributesAll(ctx),
			"created_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "When the bundle was written, RFC 3339 in UTC, as manifest.json records it.",
			},
			"images": schema.MapNestedAttribute{
				Computed:            true,
				MarkdownDescription: bundleImagesDescription,
				NestedObject:        schema.NestedAttributeObject{Attributes: bundleItemAttributes(bundleImageDescriptions)},
			},
			"charts": schema.MapNestedAttribute{
				Computed:            true,
				MarkdownDescription: bundleChartsDescription,
				NestedObject:        schema.NestedAttributeObject{Attributes: bundleItemAttributes(bundleChartDescriptions)},
			},
			"manifest_json": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "manifest.json as written, e.g. for `jsondecode` or a compliance record.",
			},
			"sha256sums_digest": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "`sha256:` and the SHA-256 of the SHA256SUMS this resource wrote: one value that names the content of every " +
					"file of the bundle, to compare with the data source's on the air-gapped side. Every refresh compares the " +
					"directory's SHA256SUMS with it.",
			},
			"manifest_digest": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "`sha256:` and the SHA-256 of the manifest.json this resource wrote (`manifest_json`). Every refresh " +
					"compares the directory's manifest.json with it.",
			},
			"drift": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "Empty while the directory holds exactly what this resource wrote (`sha256sums_digest`, " +
					"`manifest_digest`, every file matching SHA256SUMS) and nothing an interrupted write left beside it. Otherwise " +
					"what differs, and the next apply writes the bundle again.",
			},
		},
	}
}

// bundleItemAttributes are the computed attributes of an image or chart of a bundle, from their
// descriptions (a "platforms" attribute is a list of strings).
func bundleItemAttributes(descriptions map[string]string) map[string]schema.Attribute {
	out := make(map[string]schema.Attribute, len(descriptions))
	for name, d := range descriptions {
		if name == "platforms" {
			out[name] = schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: d}
			continue
		}
		out[name] = schema.StringAttribute{Computed: true, MarkdownDescription: d}
	}
	return out
}

func (r *offlineBundleResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (r *offlineBundleResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan offlineBundleModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, defaultBundleWriteTimeout)
	resp.Diagnostics.Append(d...)
	r.write(ctx, &plan, nil, timeout, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	keepBundleStamp(ctx, resp.Private, plan.Directory.ValueString(), &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *offlineBundleResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state offlineBundleModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.ManifestJSON.IsUnknown() {
		timeout, d := plan.Timeouts.Update(ctx, defaultBundleWriteTimeout)
		resp.Diagnostics.Append(d...)
		prev := recordedManifest(state)
		r.write(ctx, &plan, &prev, timeout, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
		keepBundleStamp(ctx, resp.Private, plan.Directory.ValueString(), &resp.Diagnostics)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// bundleStampKey is the private state key of the stamp of the bundle's files (bundle.Stamp) at the
// last moment they were known to be as written: after the write, or after a refresh that hashed them.
const bundleStampKey = "files_stamp"

type bundleStamp struct {
	Stamp string `json:"stamp"`
}

// keepBundleStamp records the stamp of the bundle just written at dir; without one, the next refresh
// hashes every file.
func keepBundleStamp(ctx context.Context, p privateData, dir string, diags *diag.Diagnostics) {
	stamp, err := bundle.Stamp(dir)
	if err != nil {
		tflog.Warn(ctx, "the bundle's files cannot be stamped; the next refresh hashes every file", map[string]any{"directory": dir, "error": err.Error()})
		stamp = ""
	}
	setBundleStamp(ctx, p, stamp, diags)
}

func setBundleStamp(ctx context.Context, p privateData, stamp string, diags *diag.Diagnostics) {
	value, _ := json.Marshal(bundleStamp{Stamp: stamp})
	diags.Append(p.SetKey(ctx, bundleStampKey, value)...)
}

func bundleStampOf(ctx context.Context, p privateData, diags *diag.Diagnostics) string {
	raw, d := p.GetKey(ctx, bundleStampKey)
	diags.Append(d...)
	var v bundleStamp
	if len(raw) > 0 && json.Unmarshal(raw, &v) == nil {
		return v.Stamp
	}
	return ""
}

// write writes the bundle of m, with the digests the plan showed as pins, and records it in m: a new
// one, or with replace (the manifest this resource wrote before) again.
func (r *offlineBundleResource) write(ctx context.Context, m *offlineBundleModel, replace *bundle.Manifest, timeout time.Duration, diags *diag.Diagnostics) {
	spec, ok := r.spec(ctx, *m, diags)
	if !ok {
		if !diags.HasError() {
			diags.AddError("Offline Bundle Not Known", "A value of the bundle is still unknown at apply; this is a defect in the provider, please report it.")
		}
		return
	}
	planned, ok := r.planned(spec, diags)
	if !ok {
		return
	}
	pins := map[string]string{}
	for _, el := range []types.Map{m.Images, m.Charts} {
		for _, v := range el.Elements() {
			o, ok := v.(types.Object)
			if !ok {
				continue
			}
			src, _ := o.Attributes()["source_uri"].(types.String)
			dig, _ := o.Attributes()["source_digest"].(types.String)
			if _, isChart := o.Attributes()["file"]; isChart {
				dig, _ = o.Attributes()["digest"].(types.String)
			}
			if !dig.IsUnknown() && !dig.IsNull() {
				pins[src.ValueString()] = dig.ValueString()
			}
		}
	}
	client := r.data.registryClient(diags, path.Root("source"))
	if client == nil {
		return
	}
	now := time.Now
	if r.now != nil {
		now = r.now
	}
	dir := m.Directory.ValueString()
	ctx = tflog.SetField(ctx, "directory", dir)
	out, err := bundle.Write(ctx, client, planned, dir, bundle.WriteOptions{Pins: pins, Timeout: timeout, CreatedAt: now(), Replace: replace,
		Progress: func(item string, p oci.Progress) {
			tflog.Info(ctx, "writing the bundle", map[string]any{"item": item, "bytes_done": p.BytesDone, "bytes_total": p.BytesTotal,
				"blobs_written": p.BlobsUploaded, "blobs_skipped": p.BlobsSkipped})
		}})
	if err != nil {
		addBundleWriteError(diags, applyTimeout(replace == nil), err)
		return
	}
	tflog.Info(ctx, "bundle written", map[string]any{"images": len(out.Manifest.Images), "charts": len(out.Manifest.Charts),
		"sha256sums_digest": out.Record.SumsDigest, "manifest_digest": out.Record.ManifestDigest})
	m.ID = m.Directory
	m.CreatedAt = types.StringValue(out.Manifest.CreatedAt)
	m.Images = bundleImagesValue(ctx, out.Manifest.Images, diags)
	m.Charts = bundleChartsValue(ctx, out.Manifest.Charts, diags)
	m.ManifestJSON = types.StringValue(out.ManifestJSON)
	m.SHA256SumsDigest, m.ManifestDigest = types.StringValue(out.Record.SumsDigest), types.StringValue(out.Record.ManifestDigest)
	m.Drift = types.StringValue("")
}

// addBundleWriteError reports a failed write of the bundle, which ran within timeouts.<within>.
func addBundleWriteError(diags *diag.Diagnostics, within string, err error) {
	var moved *bundle.MovedError
	var nb *bundle.NotBundleError
	var ff *bundle.ForeignFilesError
	var eb *bundle.ExistingBundleError
	var busy *bundle.BusyError
	var ae *bundle.ArchivePlatformError
	var pe *oci.PlatformError
	switch {
	case errors.As(err, &moved):
		diags.AddAttributeError(path.Root("source"), "Image Tag Moved", fmt.Sprintf("Attribute source: %s.", err))
	case errors.As(err, &nb), errors.As(err, &ff), errors.As(err, &eb):
		addDirectoryError(diags, err)
	case errors.As(err, &busy):
		diags.AddAttributeError(path.Root("directory"), "Bundle Directory Busy", fmt.Sprintf("Attribute directory: %s.", err))
	case errors.As(err, &ae):
		addArchivePlatformError(diags, ae)
	case errors.As(err, &pe):
		diags.AddAttributeError(path.Root("platforms"), "Platform Not in Source Image", fmt.Sprintf("Attribute platforms: %s.", err))
	default:
		addRegistryErrorWithin(diags, path.Root("source"), within, "the bundle's images and charts", err)
	}
}

// Read compares the directory with what the state records this resource wrote: SHA256SUMS and
// manifest.json must be the recorded ones and every file must match SHA256SUMS; what differs, and
// what interrupted writes left beside it, is drift, which the plan shows as a rebuild. A directory
// that is gone (or empty) removes the bundle from the state, so that the plan writes it again.
func (r *offlineBundleResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state offlineBundleModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	dir := state.Directory.ValueString()
	left, err := bundle.Leftovers(dir)
	if err != nil {
		tflog.Warn(ctx, "the leftovers of interrupted writes beside the bundle cannot be listed", map[string]any{"directory": dir, "error": err.Error()})
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(entries) == 0) {
		tflog.Warn(ctx, "the bundle is gone from disk; the next apply writes it again", map[string]any{"directory": dir})
		if len(left) > 0 {
			resp.Diagnostics.AddWarning("Offline Bundle Gone", fmt.Sprintf("The bundle at %s is gone, and an interrupted write left "+
				"beside it: %s. The next apply writes the bundle again and removes them.", dir, strings.Join(left, ", ")))
		}
		resp.State.RemoveResource(ctx)
		return
	}
	rec := recordOf(state)
	var drift []string
	// SHA256SUMS and manifest.json are held to the record at every refresh; the other files are hashed
	// again only when their stamp changed since they were last found as written.
	stamp, hashed, err := bundle.CompareStamped(dir, rec, bundleStampOf(ctx, req.Private, &resp.Diagnostics))
	tflog.Debug(ctx, "bundle compared with its record", map[string]any{"directory": dir, "contents_hashed": hashed})
	setBundleStamp(ctx, resp.Private, stamp, &resp.Diagnostics)
	if err != nil {
		var changed *bundle.ChangedError
		if !errors.As(err, &changed) {
			resp.Diagnostics.AddAttributeError(path.Root("directory"), "Bundle Not Readable", fmt.Sprintf("Attribute directory: "+
				"reading the bundle at %s: %s.", dir, err))
			return
		}
		drift = changed.Differences
	}
	for _, p := range left {
		drift = append(drift, p+" was left beside the directory by an interrupted write")
	}
	state.Drift = types.StringValue(strings.Join(drift, "; "))
	state.ManifestDigest = types.StringValue(rec.ManifestDigest)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete deletes the bundle only with keep_on_destroy = false, and then only the files this resource
// wrote, when the directory still holds exactly what it recorded (checked at the moment of deletion).
// Leftovers of interrupted writes beside it go in every case.
func (r *offlineBundleResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state offlineBundleModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	dir := state.Directory.ValueString()
	if state.KeepOnDestroy.ValueBool() {
		left, err := bundle.Clean(dir)
		tflog.Info(ctx, "keep_on_destroy: the bundle stays on disk", map[string]any{"directory": dir, "leftovers_removed": left, "error": fmt.Sprint(err)})
		return
	}
	kept, err := bundle.RemoveOwned(dir, recordOf(state))
	var changed *bundle.ChangedError
	switch {
	case errors.As(err, &changed):
		resp.Diagnostics.AddWarning("Offline Bundle Kept", fmt.Sprintf("keep_on_destroy is false, but the directory %s no longer holds "+
			"exactly what this resource wrote there: %s. Nothing was deleted: the files may be another configuration's, or "+
			"somebody's edits. Delete them by hand if nobody needs them.", dir, strings.Join(changed.Differences, "; ")))
	case err != nil:
		resp.Diagnostics.AddAttributeError(path.Root("keep_on_destroy"), "Offline Bundle Not Deleted", fmt.Sprintf("Attribute keep_on_destroy: "+
			"deleting the bundle at %s: %s.", dir, err))
	case len(kept) > 0:
		resp.Diagnostics.AddWarning("Files Kept in the Bundle Directory", fmt.Sprintf("The bundle at %s was deleted, but these files, which "+
			"it did not write, were kept: %s.", dir, strings.Join(kept, ", ")))
	}
}

// ImportState adopts a bundle on disk by its directory: every file is verified against SHA256SUMS, the
// arguments are read from its manifest, and the state records the SHA256SUMS and manifest.json it
// verified, as if this resource had written them.
func (r *offlineBundleResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	dir := req.ID
	// Stamped before the verification: what it verified is trusted only while nothing changed since.
	stamp, serr := bundle.Stamp(dir)
	w, err := bundle.Read(dir)
	if err != nil {
		var d diag.Diagnostics
		addBundleVerifyError(&d, path.Root("directory"), err)
		for _, e := range d.Errors() {
			resp.Diagnostics.AddError("Bundle Not Imported", fmt.Sprintf("%q: %s", dir, e.Detail()))
		}
		return
	}
	m := w.Manifest
	ws, d := types.SetValueFrom(ctx, types.StringType, m.WorkspaceVersions)
	resp.Diagnostics.Append(d...)
	includeClient := false
	for _, img := range m.Images {
		includeClient = includeClient || img.Component == string(images.Client)
	}
	chartRegistry := types.StringNull()
	if m.ChartRegistry != images.DefaultChartRegistry {
		chartRegistry = types.StringValue(m.ChartRegistry)
	}
	platforms := types.ListNull(types.StringType)
	if len(m.Platforms) > 0 {
		platforms, d = types.ListValueFrom(ctx, types.StringType, m.Platforms)
		resp.Diagnostics.Append(d...)
	}
	registry := types.StringNull()
	if m.SourceRegistry != "" {
		registry = types.StringValue(m.SourceRegistry)
	}
	sort.Strings(m.WorkspaceVersions)
	state := offlineBundleModel{
		ID: types.StringValue(dir), Directory: types.StringValue(dir), ControlPlaneVersion: types.StringValue(m.ControlPlaneVersion),
		WorkspaceVersions: ws, Source: types.StringValue(m.Source), Registry: registry, ChartRegistry: chartRegistry,
		InternalRegistry: types.StringValue(m.InternalRegistry), IncludeClient: types.BoolValue(includeClient), Platforms: platforms,
		DockerArchivePlatform: types.StringValue(m.ArchivePlatform), KeepOnDestroy: types.BoolValue(true),
		Timeouts:  timeouts.Value{Object: types.ObjectNull(timeoutsAllAttrTypes)},
		CreatedAt: types.StringValue(m.CreatedAt), Images: bundleImagesValue(ctx, m.Images, &resp.Diagnostics),
		Charts: bundleChartsValue(ctx, m.Charts, &resp.Diagnostics), ManifestJSON: types.StringValue(w.ManifestJSON),
		SHA256SumsDigest: types.StringValue(w.Record.SumsDigest), ManifestDigest: types.StringValue(w.Record.ManifestDigest), Drift: types.StringValue(""),
	}
	if serr == nil {
		setBundleStamp(ctx, resp.Private, stamp, &resp.Diagnostics)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}
