// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/bundle"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
)

// ValidateConfig checks, when both are known, that docker_archive_platform is among the platforms
// that platforms keeps: the docker tarballs are made from the kept platforms.
func (r *offlineBundleResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var platforms types.List
	var archive types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("platforms"), &platforms)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("docker_archive_platform"), &archive)...)
	if resp.Diagnostics.HasError() || platforms.IsNull() || platforms.IsUnknown() || archive.IsUnknown() {
		return
	}
	kept := make([]string, 0, len(platforms.Elements()))
	for _, el := range platforms.Elements() {
		s, ok := el.(types.String)
		if !ok || s.IsUnknown() || s.IsNull() {
			return
		}
		kept = append(kept, s.ValueString())
	}
	if err := bundle.CheckArchivePlatform(kept, archive.ValueString()); err != nil && !addInputError(&resp.Diagnostics, err) {
		resp.Diagnostics.AddAttributeError(path.Root("docker_archive_platform"), "Invalid Docker Archive Platform", err.Error()+".")
	}
}

// spec is the bundle spec of m; ok is false while a value is unknown.
func (r *offlineBundleResource) spec(ctx context.Context, m offlineBundleModel, diags *diag.Diagnostics) (bundle.Spec, bool) {
	if anyUnknown(m.ControlPlaneVersion, m.WorkspaceVersions, m.Source, m.Registry, m.ChartRegistry, m.InternalRegistry,
		m.IncludeClient, m.Platforms, m.DockerArchivePlatform) {
		return bundle.Spec{}, false
	}
	s := bundle.Spec{
		ControlPlaneVersion: m.ControlPlaneVersion.ValueString(), Source: images.Source(m.Source.ValueString()),
		Registry: m.Registry.ValueString(), ChartRegistry: m.ChartRegistry.ValueString(), InternalRegistry: m.InternalRegistry.ValueString(),
		IncludeClient: m.IncludeClient.ValueBool(), ArchivePlatform: m.DockerArchivePlatform.ValueString(),
	}
	diags.Append(m.WorkspaceVersions.ElementsAs(ctx, &s.WorkspaceVersions, false)...)
	if !m.Platforms.IsNull() {
		diags.Append(m.Platforms.ElementsAs(ctx, &s.Platforms, false)...)
	}
	return s, !diags.HasError()
}

// planned lists the bundle of s and checks its versions' compatibility.
func (r *offlineBundleResource) planned(s bundle.Spec, diags *diag.Diagnostics) (bundle.Manifest, bool) {
	catalog := catalogOf(r.data)
	m, err := bundle.Plan(catalog, s)
	if err != nil {
		if !addInputError(diags, err) {
			diags.AddError("Invalid Offline Bundle", err.Error()+".")
		}
		return bundle.Manifest{}, false
	}
	cp, err := catalog.ReleaseDate(releases.ControlPlane, s.ControlPlaneVersion)
	if err != nil {
		addReleaseError(diags, path.Root("control_plane_version"), err)
		return bundle.Manifest{}, false
	}
	for _, v := range m.WorkspaceVersions {
		ws, err := catalog.ReleaseDate(releases.WorkspaceServer, v)
		if err != nil {
			addReleaseError(diags, path.Root("workspace_versions"), err)
			continue
		}
		if chk := releases.CheckReleases(cp, ws); !chk.Compatible {
			diags.AddAttributeError(path.Root("workspace_versions"), incompatibleSummary, incompatibleDetail(catalog, v, chk, ""))
		}
	}
	return m, !diags.HasError()
}

// ModifyPlan reads every source reference at plan time: a new bundle shows the digests it will hold,
// a tag that moved (or a bundle changed on disk) rebuilds it.
func (r *offlineBundleResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		var state offlineBundleModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if !resp.Diagnostics.HasError() && !state.KeepOnDestroy.ValueBool() {
			resp.Diagnostics.AddWarning("Offline Bundle Will Be Deleted", fmt.Sprintf("keep_on_destroy is false: destroying this resource "+
				"deletes the files of the bundle at %s that it wrote, if they are still exactly as written when the destroy runs "+
				"(otherwise it deletes nothing, and warns). Files added to the directory are kept.", state.Directory.ValueString()))
		}
		return
	}
	var plan offlineBundleModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	var state *offlineBundleModel
	if !req.State.Raw.IsNull() {
		state = &offlineBundleModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	}
	if resp.Diagnostics.HasError() || r.data == nil {
		return
	}
	spec, ok := r.spec(ctx, plan, &resp.Diagnostics)
	if !ok {
		return
	}
	m, ok := r.planned(spec, &resp.Diagnostics)
	if !ok {
		return
	}
	if !plan.Directory.IsUnknown() {
		plan.ID = plan.Directory
		if state == nil || !plan.Directory.Equal(state.Directory) {
			dir := plan.Directory.ValueString()
			if err := bundle.CheckNew(dir); err != nil {
				addDirectoryError(&resp.Diagnostics, err)
				return
			}
			warnLeftovers(&resp.Diagnostics, dir)
		}
	}
	if client, err := r.data.registry.get(); err == nil {
		timeout, d := plan.Timeouts.Read(ctx, defaultBundleReadTimeout)
		resp.Diagnostics.Append(d...)
		if errs := bundle.Resolve(ctx, client, &m, timeout); len(errs) > 0 {
			addResolveErrors(&resp.Diagnostics, errs)
			return
		}
	}
	if state != nil {
		keepFilteredDigests(ctx, m.Images, state.Images)
	}
	plan.Images = bundleImagesValue(ctx, m.Images, &resp.Diagnostics)
	plan.Charts = bundleChartsValue(ctx, m.Charts, &resp.Diagnostics)
	rebuild := state == nil || state.Drift.ValueString() != "" || !plan.Images.Equal(state.Images) || !plan.Charts.Equal(state.Charts) ||
		!plan.Directory.Equal(state.Directory) || !plan.DockerArchivePlatform.Equal(state.DockerArchivePlatform) ||
		!plan.ChartRegistry.Equal(state.ChartRegistry) || !plan.Registry.Equal(state.Registry) || !plan.Source.Equal(state.Source)
	if state != nil && state.Drift.ValueString() != "" {
		resp.Diagnostics.AddWarning("Offline Bundle Will Be Written Again", fmt.Sprintf("The directory %s does not hold exactly what "+
			"this resource wrote there (recorded in sha256sums_digest and manifest_digest): %s. The apply writes the bundle again, "+
			"replacing the directory, and removes what interrupted writes left beside it. If another configuration writes a bundle "+
			"to this directory too, give each its own directory: a directory holds one bundle.",
			state.Directory.ValueString(), state.Drift.ValueString()))
	}
	plan.Drift = types.StringValue("")
	if rebuild && state != nil && !plan.Directory.IsUnknown() && plan.Directory.Equal(state.Directory) {
		// A rewrite replaces the directory: files somebody added to the bundle stop it at plan.
		if err := bundle.CheckRewrite(plan.Directory.ValueString(), recordedManifest(*state)); err != nil {
			addDirectoryError(&resp.Diagnostics, err)
			return
		}
	}
	if rebuild {
		plan.CreatedAt, plan.ManifestJSON, plan.SHA256SumsDigest, plan.ManifestDigest = types.StringUnknown(), types.StringUnknown(),
			types.StringUnknown(), types.StringUnknown()
	} else {
		plan.CreatedAt, plan.ManifestJSON, plan.SHA256SumsDigest = state.CreatedAt, state.ManifestJSON, state.SHA256SumsDigest
		plan.ManifestDigest = types.StringValue(recordOf(*state).ManifestDigest)
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// keepFilteredDigests takes, for an image whose bundled digest is not known at plan (a platform
// filter), the digest of the state when the source and the kept platforms are those of the state.
func keepFilteredDigests(ctx context.Context, imgs []bundle.Image, state types.Map) {
	for i := range imgs {
		img := &imgs[i]
		if img.Digest != "" || img.SourceDigest == "" {
			continue
		}
		o, ok := state.Elements()[img.Key].(types.Object)
		if !ok {
			continue
		}
		var prev bundleImageModel
		if o.As(ctx, &prev, basetypes.ObjectAsOptions{}) != nil {
			continue
		}
		var platforms []string
		_ = prev.Platforms.ElementsAs(ctx, &platforms, false)
		if prev.SourceDigest.ValueString() == img.SourceDigest && strings.Join(platforms, ",") == strings.Join(img.Platforms, ",") {
			img.Digest = prev.Digest.ValueString()
		}
	}
}

// recordOf is the record of the bundle the state says this resource wrote. A state written before
// manifest_digest existed has the digest of its manifest_json, which is manifest.json as written.
func recordOf(m offlineBundleModel) bundle.Record {
	rec := bundle.Record{SumsDigest: m.SHA256SumsDigest.ValueString(), ManifestDigest: m.ManifestDigest.ValueString()}
	if rec.ManifestDigest == "" && m.ManifestJSON.ValueString() != "" {
		rec.ManifestDigest = bundle.Digest([]byte(m.ManifestJSON.ValueString()))
	}
	return rec
}

// recordedManifest is the manifest the state says this resource wrote (empty when it cannot be read).
func recordedManifest(m offlineBundleModel) bundle.Manifest {
	var out bundle.Manifest
	_ = json.Unmarshal([]byte(m.ManifestJSON.ValueString()), &out)
	return out
}

// warnLeftovers warns about what interrupted writes of the bundle at dir left beside it.
func warnLeftovers(diags *diag.Diagnostics, dir string) {
	left, err := bundle.Leftovers(dir)
	if err != nil || len(left) == 0 {
		return
	}
	diags.AddWarning("Leftovers of an Interrupted Write", fmt.Sprintf("A write of the bundle at %s was interrupted and left beside "+
		"it: %s. They are not the bundle: the apply reuses the blobs among them whose content is their digest, then removes them.",
		dir, strings.Join(left, ", ")))
}

// addDirectoryError reports a directory a bundle may not be written to.
func addDirectoryError(diags *diag.Diagnostics, err error) {
	var existing *bundle.ExistingBundleError
	summary := "Directory Not Usable"
	if errors.As(err, &existing) {
		summary = "Directory Holds a Bundle"
	}
	diags.AddAttributeError(path.Root("directory"), summary, fmt.Sprintf("Attribute directory: %s.", err))
}

// addArchivePlatformError reports an image without an image of docker_archive_platform.
func addArchivePlatformError(diags *diag.Diagnostics, e *bundle.ArchivePlatformError) {
	example := ""
	if len(e.Available) > 0 {
		example = fmt.Sprintf(", e.g. docker_archive_platform = %q", e.Available[0])
	}
	diags.AddAttributeError(path.Root("docker_archive_platform"), "Docker Archive Platform Not in Image", fmt.Sprintf(
		"Attribute docker_archive_platform: %s. Set docker_archive_platform to a platform every image of the bundle has%s.", e, example))
}

// addResolveErrors reports the sources of a bundle that could not be read at plan, each on the
// attribute that chose it.
func addResolveErrors(diags *diag.Diagnostics, errs []error) {
	for _, err := range errs {
		var re *bundle.ResolveError
		var ae *bundle.ArchivePlatformError
		switch {
		case errors.As(err, &ae):
			addArchivePlatformError(diags, ae)
		case errors.As(err, &re) && re.Chart:
			addRegistryErrorWithin(diags, path.Root("chart_registry"), "read", re.Reference, re.Err)
		case errors.As(err, &re):
			addRegistryErrorWithin(diags, path.Root("source"), "read", re.Reference, re.Err)
		default:
			diags.AddAttributeError(path.Root("platforms"), "Platform Not in Source Image", fmt.Sprintf("Attribute platforms: %s.", err))
		}
	}
}
