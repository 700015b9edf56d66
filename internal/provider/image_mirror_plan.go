// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

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
	if err := mirror.CheckTarget(); err != nil {
		addInputError(diags, err)
		return oci.Mirror{}, false
	}
	return mirror, true
}

// ModifyPlan reads the source at plan time: a new copy shows the digest it will copy, a tag that
// moved since the last apply replaces the copy, and a copy changed in the target is copied again. A
// new copy reads its target tag too: a tag that names another image fails the plan unless adopted.
func (r *imageMirrorResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		var state imageMirrorModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		switch {
		case resp.Diagnostics.HasError() || state.KeepOnDestroy.ValueBool():
		case state.Preexisting.ValueBool():
			resp.Diagnostics.AddWarning("Image Copy Will Be Kept", fmt.Sprintf("keep_on_destroy is false, but %s named %s already "+
				"when this resource was created (preexisting), and it was not adopted: it is not this resource's copy, so destroy "+
				"leaves it in place.", state.TargetURI.ValueString(), state.Digest.ValueString()))
		default:
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
	client, clientErr := r.data.registry.get()
	timeout, d := plan.Timeouts.Read(ctx, defaultMirrorReadTimeout)
	resp.Diagnostics.Append(d...)
	var src oci.Descriptor
	if !plan.SourceBundle.IsNull() {
		item, ok := r.bundleItem(ctx, plan, &resp.Diagnostics)
		if !ok {
			return
		}
		plan.SourceReference = types.StringValue(item.sourceURI)
		src = item.desc
	} else {
		if clientErr != nil {
			// The registries are not known yet: the apply reads the source and, for a new copy, the target.
			plan.Preexisting, plan.ReplacedDigest = types.BoolUnknown(), types.StringUnknown()
			if state != nil && state.TargetURI.ValueString() == mirror.Target {
				plan.Preexisting, plan.ReplacedDigest = state.Preexisting, state.ReplacedDigest
			}
			resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
			return
		}
		var err error
		if src, err = client.Resolve(ctx, mirror.Source, timeout); err != nil {
			addRegistryErrorWithin(&resp.Diagnostics, mirrorSourcePath(plan), "read", mirror.Source, err)
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
	newCopy := func() {
		plan.Drift = types.StringValue("")
		plan.Digest, plan.TargetURIByDigest = types.StringUnknown(), types.StringUnknown()
		if !filtered {
			plan.Digest = types.StringValue(src.Digest)
			plan.TargetURIByDigest = types.StringValue(mirror.TargetRepository + "@" + src.Digest)
		}
	}
	switch {
	case state == nil:
		// A new copy, or a replacement's create, which Terraform plans again without the prior state.
		newCopy()
		plan.Preexisting, plan.ReplacedDigest = types.BoolUnknown(), types.StringUnknown()
		if clientErr == nil {
			r.claimAtPlan(ctx, &plan, mirror, src, filtered, client, timeout, &resp.Diagnostics)
		}
	case state.TargetURI.ValueString() != mirror.Target:
		newCopy()
		plan.Preexisting, plan.ReplacedDigest = types.BoolUnknown(), types.StringUnknown()
	case !state.SourceDigest.IsNull() && state.SourceDigest.ValueString() != src.Digest:
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("source_digest"))
		newCopy()
		plan.Preexisting, plan.ReplacedDigest = types.BoolUnknown(), types.StringUnknown()
		if !state.Preexisting.ValueBool() && state.Drift.ValueString() == "" && state.Digest.ValueString() != "" {
			// The replacement writes the same tag, which names this resource's copy: its create may
			// write over it (or find it deleted by the replacement's destroy).
			r.data.replacedMirrors.Store(mirror.Target, state.Digest.ValueString())
		}
	default:
		plan.Drift = types.StringValue("")
		plan.Preexisting, plan.ReplacedDigest = state.Preexisting, state.ReplacedDigest
		recopy := state.Drift.ValueString() != "" || !plan.Platforms.Equal(state.Platforms) ||
			(state.SourceDigest.IsNull() && !copyHolds(*state, src, kept, filtered))
		if state.Preexisting.ValueBool() {
			if !r.adoptAtPlan(&plan, *state, mirror, recopy, &resp.Diagnostics) {
				return
			}
		} else if state.Drift.ValueString() != "" {
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

// claimAtPlan reads the target tag of a new copy and decides what the copy does with it (see
// oci.ClaimTag): preexisting and replaced_digest are then known in the plan, with a warning when
// the copy takes something over, or the plan fails when the tag names another image. A target that
// cannot be read is left to the apply.
func (r *imageMirrorResource) claimAtPlan(ctx context.Context, plan *imageMirrorModel, mirror oci.Mirror, src oci.Descriptor,
	filtered bool, client *oci.Client, timeout time.Duration, diags *diag.Diagnostics) {
	found, err := client.TagDigest(ctx, mirror.Target, timeout)
	if err != nil {
		tflog.Warn(ctx, "the target tag cannot be read at plan time; the apply reads it before it writes", map[string]any{
			"target": mirror.Target, "error": err.Error()})
		return
	}
	if old, ok := r.data.replacedMirrors.Load(mirror.Target); ok && (found == "" || found == old) {
		// The copy this one replaces.
		plan.Preexisting, plan.ReplacedDigest = types.BoolValue(false), types.StringValue("")
		return
	}
	want := src.Digest
	if found != "" && filtered {
		// The digest of the filtered index, to compare with the tag's.
		var platforms []string
		diags.Append(plan.Platforms.ElementsAs(ctx, &platforms, false)...)
		w, err := client.Planned(ctx, mirror.Pinned(src.Digest), platforms, timeout)
		if err != nil {
			addRegistryErrorWithin(diags, mirrorSourcePath(*plan), "read", mirror.Source, err)
			return
		}
		want = w.Digest
		plan.Digest, plan.TargetURIByDigest = types.StringValue(want), types.StringValue(mirror.TargetRepository+"@"+want)
	}
	claim, err := oci.ClaimTag(mirror.Target, found, want, plan.AdoptExisting.ValueBool())
	if err != nil {
		addTagConflict(diags, err, mirror.Target)
		return
	}
	plan.Preexisting, plan.ReplacedDigest = types.BoolValue(claim.Preexisting), types.StringValue(claim.Replaced)
	addClaimWarning(diags, mirror.Target, claim, want)
}

// addClaimWarning says what a new copy does with a tag that exists.
func addClaimWarning(diags *diag.Diagnostics, target string, claim oci.Claim, want string) {
	switch {
	case claim.Preexisting:
		diags.AddWarning("Image Already in Target", fmt.Sprintf("%s names %s already, the image this resource copies, but this "+
			"resource did not write it: it may be someone else's copy, or that of an apply that was interrupted before it saved its "+
			"state, and nothing tells them apart. It is recorded as preexisting: nothing is written, and destroy leaves it in place "+
			"whatever keep_on_destroy says. To make it this resource's copy, set adopt_existing = true.", target, want))
	case claim.Replaced != "" && claim.Replaced != want:
		diags.AddWarning("Image Tag Will Be Replaced", fmt.Sprintf("adopt_existing is true: %s names %s, another image, which the "+
			"copy (%s) replaces. replaced_digest records it.", target, claim.Replaced, want))
	case claim.Replaced != "":
		diags.AddWarning("Image Copy Will Be Adopted", fmt.Sprintf("adopt_existing is true: %s names %s already, the image this "+
			"resource copies; it becomes this resource's copy, and replaced_digest records it.", target, want))
	}
}

// adoptAtPlan plans an existing copy that was preexisting: adopt_existing takes it over in place;
// without it, a plan that would write the tag fails. It returns false when it added an error.
func (r *imageMirrorResource) adoptAtPlan(plan *imageMirrorModel, state imageMirrorModel, mirror oci.Mirror, recopy bool, diags *diag.Diagnostics) bool {
	if plan.AdoptExisting.ValueBool() {
		plan.Preexisting, plan.ReplacedDigest = types.BoolValue(false), state.Digest
		diags.AddWarning("Image Copy Will Be Adopted", fmt.Sprintf("adopt_existing is true: %s, which named %s already when this "+
			"resource was created, becomes this resource's copy; replaced_digest records it.", mirror.Target, state.Digest.ValueString()))
		return true
	}
	if !recopy {
		return true
	}
	why := "the copy would be written again"
	if state.Drift.ValueString() != "" {
		why = state.Drift.ValueString()
	}
	p := path.Root("adopt_existing")
	diags.AddAttributeError(p, "Image Tag Not Owned", fmt.Sprintf("Attribute %s: %s named %s already when this resource was created "+
		"(preexisting), so it is not this resource's copy, and %s; the provider does not write over a tag it does not own. Set "+
		"adopt_existing = true to take the tag over and copy into it.", p, mirror.Target, state.Digest.ValueString(), why))
	return false
}

// addTagConflict reports a target tag that names another image than the copy (*oci.TagConflictError).
func addTagConflict(diags *diag.Diagnostics, err error, target string) {
	var tc *oci.TagConflictError
	if !errors.As(err, &tc) {
		addRegistryErrorWithin(diags, path.Root("target_registry"), "read", target, err)
		return
	}
	p := path.Root("target_registry")
	if tc.Changed {
		diags.AddAttributeError(p, "Image Tag Changed Since Plan", fmt.Sprintf("Attribute %s: %s. Plan again: the new plan shows "+
			"what the tag names now.", p, tc))
		return
	}
	diags.AddAttributeError(p, "Image Tag Taken", fmt.Sprintf("Attribute %s: %s names %s, an image this resource did not write; "+
		"the copy would write %s over it, so nothing is written. Either import the image that is there, to manage it from now on "+
		"(terraform import <address> %s; the next apply copies the source into it, an update shown in the plan, unless it holds "+
		"the same image), or set adopt_existing = true to replace it with the copy: the plan then shows the digest replaced in "+
		"replaced_digest, and the state keeps it.", p, tc.Reference, tc.Found, tc.Want, tc.Reference))
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
