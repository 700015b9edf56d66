// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/bundle"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
)

// mirrorOf works out where the configured source is copied to. ok is false while a value it needs
// is unknown, or when it added an error.
func (r *imageMirrorResource) mirrorOf(ctx context.Context, m imageMirrorModel, diags *diag.Diagnostics) (oci.Mirror, bool) {
	if anyUnknown(m.SourceURI, m.Image, m.SourceBundle, m.TargetRegistry) {
		return oci.Mirror{}, false
	}
	if !m.SourceBundle.IsNull() {
		item, ok := r.bundleItem(ctx, m, diags)
		if !ok {
			return oci.Mirror{}, false
		}
		return item.mirror, true
	}
	source, sourcePath := m.SourceURI.ValueString(), path.Root("source_uri")
	if !m.Image.IsNull() {
		var im mirrorImageModel
		diags.Append(m.Image.As(ctx, &im, basetypes.ObjectAsOptions{})...)
		if diags.HasError() || anyUnknown(im.Component, im.Version, im.Source, im.Registry) {
			return oci.Mirror{}, false
		}
		img, err := images.ResolveImage(catalogOf(r.data), images.ImageSpec{
			Component: images.Component(im.Component.ValueString()), Version: im.Version.ValueString(),
			Source: images.Source(im.Source.ValueString()), Registry: im.Registry.ValueString(),
		})
		if err != nil {
			if !addInputErrorIn(diags, path.Root("image"), err) {
				diags.AddAttributeError(path.Root("image"), imagesErrorSummary(err), err.Error()+".")
			}
			return oci.Mirror{}, false
		}
		addUnlistedWarning(diags, img.Unlisted)
		source, sourcePath = img.Repository+":"+img.Tag, path.Root("image")
	}
	mirror, err := oci.MirrorOf(source, m.TargetRegistry.ValueString())
	if err != nil {
		p := sourcePath
		if _, rerr := images.ParseRegistry(m.TargetRegistry.ValueString()); rerr != nil {
			p = path.Root("target_registry")
		}
		diags.AddAttributeError(p, "Invalid Image Mirror", fmt.Sprintf("Attribute %s: %s.", p, err))
		return oci.Mirror{}, false
	}
	return mirror, true
}

// ModifyPlan reads the source at plan time: a new copy shows the digest it will copy, a tag that
// moved since the last apply replaces the copy, and a copy changed in the target is copied again.
func (r *imageMirrorResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		var state imageMirrorModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if !resp.Diagnostics.HasError() && !state.KeepOnDestroy.ValueBool() {
			resp.Diagnostics.AddWarning("Image Copy Will Be Deleted", fmt.Sprintf("keep_on_destroy is false: destroying this resource "+
				"deletes the tag %s from the target registry (if it still names %s).", state.TargetURI.ValueString(), state.Digest.ValueString()))
		}
		return
	}
	var plan, config imageMirrorModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	var state *imageMirrorModel
	if !req.State.Raw.IsNull() {
		state = &imageMirrorModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	}
	if resp.Diagnostics.HasError() || r.data == nil {
		return
	}
	mirror, ok := r.mirrorOf(ctx, plan, &resp.Diagnostics)
	if !ok {
		return
	}
	plan.ID, plan.TargetURI = types.StringValue(mirror.Target), types.StringValue(mirror.Target)
	plan.SourceReference = types.StringValue(mirror.Source)
	if state != nil && state.TargetURI.ValueString() != mirror.Target {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("target_uri"))
	}
	var src oci.Descriptor
	if !plan.SourceBundle.IsNull() {
		item, ok := r.bundleItem(ctx, plan, &resp.Diagnostics)
		if !ok {
			return
		}
		plan.SourceReference = types.StringValue(item.sourceURI)
		src = item.desc
	} else {
		client, err := r.data.registry.get()
		if err != nil {
			// The registries are not known yet: the apply reads the source.
			resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
			return
		}
		timeout, d := plan.Timeouts.Read(ctx, defaultMirrorReadTimeout)
		resp.Diagnostics.Append(d...)
		if src, err = client.Resolve(ctx, mirror.Source, timeout); err != nil {
			addRegistryError(&resp.Diagnostics, mirrorSourcePath(plan), mirror.Source, err)
			return
		}
	}
	kept, err := keptPlatforms(mirror.Source, src, config.Platforms, &resp.Diagnostics)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("platforms"), "Platform Not in Source Image", fmt.Sprintf("Attribute platforms: %s.", err))
		return
	}
	if config.Platforms.IsNull() {
		list, d := types.ListValueFrom(ctx, types.StringType, platformNames(src.Platforms))
		resp.Diagnostics.Append(d...)
		plan.Platforms = list
	}
	digests, d := types.MapValueFrom(ctx, types.StringType, platformDigests(kept))
	resp.Diagnostics.Append(d...)
	plan.SourceDigest, plan.PlatformDigests = types.StringValue(src.Digest), digests
	filtered := !config.Platforms.IsNull()
	switch {
	case state == nil || state.TargetURI.ValueString() != mirror.Target:
		// A new copy.
		plan.Drift = types.StringValue("")
		plan.Digest, plan.TargetURIByDigest = types.StringUnknown(), types.StringUnknown()
		if !filtered {
			plan.Digest = types.StringValue(src.Digest)
			plan.TargetURIByDigest = types.StringValue(mirror.TargetRepository + "@" + src.Digest)
		}
	case !state.SourceDigest.IsNull() && state.SourceDigest.ValueString() != src.Digest:
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("source_digest"))
		plan.Drift = types.StringValue("")
		plan.Digest, plan.TargetURIByDigest = types.StringUnknown(), types.StringUnknown()
		if !filtered {
			plan.Digest = types.StringValue(src.Digest)
			plan.TargetURIByDigest = types.StringValue(mirror.TargetRepository + "@" + src.Digest)
		}
	default:
		plan.Drift = types.StringValue("")
		recopy := state.Drift.ValueString() != "" || !plan.Platforms.Equal(state.Platforms) ||
			(state.SourceDigest.IsNull() && !copyHolds(*state, src, kept, filtered))
		if state.Drift.ValueString() != "" {
			resp.Diagnostics.AddWarning("Image Copy Will Be Restored", fmt.Sprintf("%s was changed in the target registry since the "+
				"last apply: %s. The apply copies %s (%s) to it again.", mirror.Target, state.Drift.ValueString(), mirror.Source, src.Digest))
		}
		if recopy {
			plan.Digest, plan.TargetURIByDigest = types.StringUnknown(), types.StringUnknown()
			if !filtered {
				plan.Digest = types.StringValue(src.Digest)
				plan.TargetURIByDigest = types.StringValue(mirror.TargetRepository + "@" + src.Digest)
			}
		} else {
			plan.Digest, plan.TargetURIByDigest = state.Digest, state.TargetURIByDigest
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// copyHolds reports whether an imported copy (no source digest recorded) is already what a copy of
// src would write: the same digest, or with a filter the same digest for every kept platform.
func copyHolds(state imageMirrorModel, src oci.Descriptor, kept []oci.Platform, filtered bool) bool {
	if !filtered {
		return state.Digest.ValueString() == src.Digest
	}
	have := map[string]string{}
	for k, v := range state.PlatformDigests.Elements() {
		if s, ok := v.(types.String); ok {
			have[k] = s.ValueString()
		}
	}
	for _, p := range kept {
		if have[p.String()] != p.Digest {
			return false
		}
	}
	return len(have) == len(kept)
}

// keptPlatforms are the platforms of src that the platforms filter keeps (all without a filter).
func keptPlatforms(ref string, src oci.Descriptor, filter types.List, diags *diag.Diagnostics) ([]oci.Platform, error) {
	if filter.IsNull() || filter.IsUnknown() {
		return src.Platforms, nil
	}
	var names []string
	diags.Append(filter.ElementsAs(context.Background(), &names, false)...)
	return oci.SelectPlatforms(ref, src, names)
}

func platformDigests(ps []oci.Platform) map[string]string {
	out := make(map[string]string, len(ps))
	for _, p := range ps {
		out[p.String()] = p.Digest
	}
	return out
}

// mirrorSourcePath is the attribute that names the source.
func mirrorSourcePath(m imageMirrorModel) path.Path {
	if !m.Image.IsNull() {
		return path.Root("image")
	}
	if !m.SourceBundle.IsNull() {
		return path.Root("source_bundle")
	}
	return path.Root("source_uri")
}

// mirrorBundleItem is the source_bundle item of a mirror: where it goes, what the bundle says of it,
// and the layout that holds it.
type mirrorBundleItem struct {
	mirror    oci.Mirror
	sourceURI string
	desc      oci.Descriptor
	layout    *oci.Layout
}

// bundleItem reads the source_bundle item of m from the bundle's manifest and OCI layout.
func (r *imageMirrorResource) bundleItem(ctx context.Context, m imageMirrorModel, diags *diag.Diagnostics) (mirrorBundleItem, bool) {
	var sb mirrorBundleModel
	diags.Append(m.SourceBundle.As(ctx, &sb, basetypes.ObjectAsOptions{})...)
	if diags.HasError() || anyUnknown(sb.Path, sb.Image, sb.Chart) {
		return mirrorBundleItem{}, false
	}
	p := path.Root("source_bundle")
	dir := sb.Path.ValueString()
	manifest, err := bundle.ReadManifest(dir)
	if err != nil {
		diags.AddAttributeError(p.AtName("path"), "Bundle Not Readable", fmt.Sprintf("Attribute source_bundle.path: %s.", err))
		return mirrorBundleItem{}, false
	}
	var key, digest, sourceURI string
	if !sb.Image.IsNull() {
		key = sb.Image.ValueString()
		img, ok := manifest.ImageByKey(key)
		if !ok {
			diags.AddAttributeError(p.AtName("image"), "Image Not in Bundle", fmt.Sprintf("Attribute source_bundle.image: the bundle %s "+
				"holds no image %q; it holds %s.", dir, key, manifest.ImageKeys()))
			return mirrorBundleItem{}, false
		}
		digest, sourceURI = img.Digest, img.SourceURI
	} else {
		key = sb.Chart.ValueString()
		ch, ok := manifest.ChartByKey(key)
		if !ok {
			diags.AddAttributeError(p.AtName("chart"), "Chart Not in Bundle", fmt.Sprintf("Attribute source_bundle.chart: the bundle %s "+
				"holds no chart %q; it holds %s.", dir, key, manifest.ChartKeys()))
			return mirrorBundleItem{}, false
		}
		digest, sourceURI = ch.Digest, ch.SourceURI
	}
	reg, err := images.ParseRegistry(m.TargetRegistry.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("target_registry"), "Invalid Image Mirror", fmt.Sprintf("Attribute target_registry: %s.", err))
		return mirrorBundleItem{}, false
	}
	l, err := oci.OpenLayout(filepath.Join(dir, bundle.ImagesDir))
	if err == nil {
		var desc oci.Descriptor
		if desc, err = l.Describe(digest); err == nil {
			name, tag, _ := strings.Cut(key, ":")
			target := reg.String() + "/" + name
			return mirrorBundleItem{
				mirror: oci.Mirror{Source: dir + " (" + key + ")", SourceDigest: digest, Name: name, Tag: tag,
					Target: target + ":" + tag, TargetRepository: target},
				sourceURI: sourceURI, desc: desc, layout: l,
			}, true
		}
	}
	diags.AddAttributeError(p.AtName("path"), "Bundle Not Readable", fmt.Sprintf("Attribute source_bundle.path: the OCI layout of the "+
		"bundle %s does not hold %s (%s): %s. Verify the bundle with the zenmlpro_offline_bundle data source.", dir, key, digest, err))
	return mirrorBundleItem{}, false
}
