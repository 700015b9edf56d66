// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
)

func (r *imageMirrorResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config imageMirrorModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, defaultMirrorCopyTimeout)
	resp.Diagnostics.Append(d...)
	r.copy(ctx, &plan, !config.Platforms.IsNull(), true, timeout, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// tagRule is what a new copy may find at its target tag: what the plan saw there (preexisting,
// replaced_digest), or, when the plan could not read it, what is there now, decided by oci.ClaimTag
// (a tag that names another image is an error then, unless adopted). want is the digest the copy
// writes, "" while it is not known (a filtered copy whose target the plan did not read). The old
// copy of a replacement may be there too. ok is false when it added an error.
func (r *imageMirrorResource) tagRule(ctx context.Context, m *imageMirrorModel, mirror oci.Mirror, client *oci.Client, want func() (string, error),
	timeout time.Duration, diags *diag.Diagnostics) (*oci.TagRule, bool) {
	rule := &oci.TagRule{}
	if old, ok := r.data.replacedMirrors.Load(mirror.Target); ok {
		rule.Also, _ = old.(string)
	}
	if !m.Preexisting.IsUnknown() && !m.ReplacedDigest.IsUnknown() {
		switch {
		case m.Preexisting.ValueBool():
			rule.Expect = m.Digest.ValueString()
		default:
			rule.Expect = m.ReplacedDigest.ValueString()
		}
		return rule, true
	}
	found, err := client.TagDigest(ctx, mirror.Target, timeout)
	if err != nil {
		addRegistryErrorWithin(diags, path.Root("target_registry"), "create", mirror.Target, err)
		return nil, false
	}
	m.Preexisting, m.ReplacedDigest = types.BoolValue(false), types.StringValue("")
	if found == "" || found == rule.Also {
		rule.Expect = found
		return rule, true
	}
	w, err := want()
	if err != nil {
		addRegistryErrorWithin(diags, mirrorSourcePath(*m), "create", mirror.Source, err)
		return nil, false
	}
	claim, err := oci.ClaimTag(mirror.Target, found, w, m.AdoptExisting.ValueBool())
	if err != nil {
		addTagConflict(diags, err, mirror.Target)
		return nil, false
	}
	addClaimWarning(diags, mirror.Target, claim, w)
	m.Preexisting, m.ReplacedDigest = types.BoolValue(claim.Preexisting), types.StringValue(claim.Replaced)
	rule.Expect = found
	return rule, true
}

// copy copies the source of m to its target and records the outcome in m. The source digest that
// the plan showed, when it is known, is what is copied, even if the tag moved since the plan. A new
// copy (create) writes its tag only as tagRule allows; an existing one restores its own tag.
func (r *imageMirrorResource) copy(ctx context.Context, m *imageMirrorModel, filtered, create bool, timeout time.Duration, diags *diag.Diagnostics) {
	mirror, ok := r.mirrorOf(ctx, *m, diags)
	if !ok {
		if !diags.HasError() {
			diags.AddError("Image Mirror Not Known", "The source or target_registry is still unknown at apply; this is a defect in the provider, please report it.")
		}
		return
	}
	client := r.data.registryClient(diags, mirrorSourcePath(*m))
	if client == nil {
		return
	}
	if !m.SourceBundle.IsNull() {
		r.push(ctx, m, mirror, client, create, timeout, diags)
		return
	}
	src := mirror.Source
	if !m.SourceDigest.IsUnknown() && !m.SourceDigest.IsNull() {
		src = mirror.Pinned(m.SourceDigest.ValueString())
	}
	var filters []string
	if filtered {
		diags.Append(m.Platforms.ElementsAs(ctx, &filters, false)...)
	}
	var rule *oci.TagRule
	if create {
		want := func() (string, error) {
			d, err := client.Planned(ctx, src, filters, timeout)
			return d.Digest, err
		}
		if rule, ok = r.tagRule(ctx, m, mirror, client, want, timeout, diags); !ok {
			return
		}
	}
	ctx = tflog.SetField(ctx, "source", src)
	ctx = tflog.SetField(ctx, "target", mirror.Target)
	res, err := client.Copy(ctx, src, mirror.Target, oci.CopyOptions{Platforms: filters, Timeout: timeout, Progress: logProgress(ctx, "copying image"), Tag: rule})
	if err != nil {
		if interrupted(ctx, err) {
			addCopyInterrupted(diags, mirrorSourcePath(*m), "copy of "+src, mirror.Target, res.Progress)
			return
		}
		addCopyError(diags, mirrorSourcePath(*m), applyTimeout(create), src, mirror.Target, err)
		return
	}
	if res.Before == res.Target.Digest {
		tflog.Info(ctx, "the target named the image already: nothing was written", map[string]any{"digest": res.Target.Digest})
	}
	tflog.Info(ctx, "image copied", map[string]any{"digest": res.Target.Digest, "bytes_uploaded": res.BytesDone,
		"blobs_uploaded": res.BlobsUploaded, "blobs_skipped": res.BlobsSkipped})
	recordCopy(ctx, m, mirror, mirror.Source, res, filtered, diags)
}

// logProgress logs the progress of a long copy, bytes and blobs, at INFO with msg.
func logProgress(ctx context.Context, msg string) func(oci.Progress) {
	return func(p oci.Progress) {
		tflog.Info(ctx, msg, map[string]any{"bytes_done": p.BytesDone, "bytes_total": p.BytesTotal,
			"blobs_uploaded": p.BlobsUploaded, "blobs_skipped": p.BlobsSkipped})
	}
}

// recordCopy records a copy of source to mirror's target in m: the reference copied from, both
// digests, the copy by digest, each platform's digest, and, without a filter, the platforms copied.
func recordCopy(ctx context.Context, m *imageMirrorModel, mirror oci.Mirror, source string, res oci.CopyResult, filtered bool, diags *diag.Diagnostics) {
	m.ID, m.TargetURI, m.SourceReference = types.StringValue(mirror.Target), types.StringValue(mirror.Target), types.StringValue(source)
	m.SourceDigest, m.Digest = types.StringValue(res.Source.Digest), types.StringValue(res.Target.Digest)
	m.TargetURIByDigest = types.StringValue(mirror.TargetRepository + "@" + res.Target.Digest)
	m.Drift = types.StringValue("")
	digests, d := types.MapValueFrom(ctx, types.StringType, platformDigests(res.Target.Platforms))
	diags.Append(d...)
	m.PlatformDigests = digests
	if !filtered {
		list, d := types.ListValueFrom(ctx, types.StringType, platformNames(res.Source.Platforms))
		diags.Append(d...)
		m.Platforms = list
	}
}

// push copies the source_bundle item of m from the bundle's layout to its target: the digest the plan
// showed, which must still be the one the bundle records.
func (r *imageMirrorResource) push(ctx context.Context, m *imageMirrorModel, mirror oci.Mirror, client *oci.Client, create bool, timeout time.Duration, diags *diag.Diagnostics) {
	item, ok := r.bundleItem(ctx, *m, diags)
	if !ok {
		return
	}
	if planned := m.SourceDigest.ValueString(); !m.SourceDigest.IsUnknown() && planned != "" && planned != item.desc.Digest {
		diags.AddAttributeError(path.Root("source_bundle"), "Bundle Changed Since Plan", fmt.Sprintf("Attribute source_bundle: the bundle "+
			"records %s for %s now, but the plan showed %s: the bundle was replaced between plan and apply. Plan again.",
			item.desc.Digest, mirror.Source, planned))
		return
	}
	ctx = tflog.SetField(ctx, "source", mirror.Source)
	ctx = tflog.SetField(ctx, "target", mirror.Target)
	var rule *oci.TagRule
	if create {
		want := func() (string, error) { return item.desc.Digest, nil }
		if rule, ok = r.tagRule(ctx, m, mirror, client, want, timeout, diags); !ok {
			return
		}
		// A push from a layout reads the tag here, before it sends anything.
		found, err := client.TagDigest(ctx, mirror.Target, timeout)
		if err != nil {
			addRegistryErrorWithin(diags, path.Root("target_registry"), "create", mirror.Target, err)
			return
		}
		if err := rule.Check(mirror.Target, found, item.desc.Digest); err != nil {
			addTagConflict(diags, err, mirror.Target)
			return
		}
		if found == item.desc.Digest {
			tflog.Info(ctx, "the target named the image already: nothing was written", map[string]any{"digest": found})
			recordCopy(ctx, m, mirror, item.sourceURI, oci.CopyResult{Source: item.desc, Target: item.desc, Before: found}, false, diags)
			return
		}
	}
	res, err := client.Push(ctx, item.layout, item.desc.Digest, mirror.Target, oci.CopyOptions{Timeout: timeout, Progress: logProgress(ctx, "pushing from the bundle"), Tag: rule})
	if err != nil {
		if interrupted(ctx, err) {
			addCopyInterrupted(diags, path.Root("source_bundle"), "push of "+mirror.Source, mirror.Target, res.Progress)
			return
		}
		addCopyError(diags, path.Root("source_bundle"), applyTimeout(create), mirror.Source, mirror.Target, err)
		return
	}
	tflog.Info(ctx, "pushed from the bundle", map[string]any{"digest": res.Target.Digest, "bytes_uploaded": res.BytesDone,
		"blobs_uploaded": res.BlobsUploaded, "blobs_skipped": res.BlobsSkipped})
	// A push from a bundle writes what the bundle holds: its source and target are one descriptor.
	recordCopy(ctx, m, mirror, item.sourceURI, res, false, diags)
}

// applyTimeout names the timeouts attribute an apply runs within: create for a new object, else update.
func applyTimeout(create bool) string {
	if create {
		return "create"
	}
	return "update"
}

// interrupted says whether err ended a copy because Terraform stopped the provider (an interrupt, a
// cancelled run), not because of the registry or the operation's timeout.
func interrupted(ctx context.Context, err error) bool {
	return errors.Is(ctx.Err(), context.Canceled) && errors.Is(err, context.Canceled)
}

// addCopyInterrupted reports a copy (what: "copy of SRC") to dst that Terraform's interrupt stopped,
// with what was written by then: the blobs stay in the target, and the next apply skips them.
func addCopyInterrupted(diags *diag.Diagnostics, p path.Path, what, dst string, done oci.Progress) {
	diags.AddAttributeError(p, "Copy Interrupted", fmt.Sprintf("Attribute %s: the %s to %s stopped because Terraform was interrupted, "+
		"after %d blobs (%s of the %s to send) were written. The target keeps every blob written; the next apply sends only "+
		"the blobs it does not hold.", p, what, dst, done.BlobsUploaded, megabytes(done.BytesDone), megabytes(done.BytesTotal)))
}

// megabytes writes n bytes in MB (10^6 bytes), e.g. "12.3 MB".
func megabytes(n int64) string {
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

// addCopyError reports a failed copy on the attribute that names the source; the copy ran within
// timeouts.<within>.
func addCopyError(diags *diag.Diagnostics, p path.Path, within, src, dst string, err error) {
	var pe *oci.PlatformError
	var ve *oci.VerifyError
	var tc *oci.TagConflictError
	switch {
	case errors.As(err, &tc):
		addTagConflict(diags, err, dst)
	case errors.As(err, &pe):
		diags.AddAttributeError(path.Root("platforms"), "Platform Not in Source Image", fmt.Sprintf("Attribute platforms: %s.", err))
	case errors.As(err, &ve):
		diags.AddAttributeError(p, "Image Copy Not Verified", fmt.Sprintf("Attribute %s: copying %s to %s: %s. Something else wrote "+
			"the tag during the copy; apply again to copy it once more.", p, src, dst, err))
	default:
		addRegistryErrorDoingWithin(diags, p, within, "copying "+src+" to "+dst, err)
	}
}

func (r *imageMirrorResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state imageMirrorModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := state.Timeouts.Read(ctx, defaultMirrorReadTimeout)
	resp.Diagnostics.Append(d...)
	client := r.data.registryClient(&resp.Diagnostics, path.Root("target_uri"))
	if client == nil {
		return
	}
	target := state.TargetURI.ValueString()
	now, err := client.Head(ctx, target, timeout)
	var nf *oci.NotFoundError
	switch {
	case errors.As(err, &nf):
		tflog.Warn(ctx, "the image copy is gone from the target registry; the next apply copies it again", map[string]any{"target": target})
		resp.State.RemoveResource(ctx)
		return
	case err != nil:
		addRegistryErrorWithin(&resp.Diagnostics, path.Root("target_uri"), "read", target, err)
		return
	}
	if state.Digest.IsNull() {
		// An import: what the target holds is the copy.
		state.Digest = types.StringValue(now.Digest)
		state.TargetURIByDigest = types.StringValue(strings.TrimSuffix(target, ":"+tagOf(target)) + "@" + now.Digest)
		digests, d := types.MapValueFrom(ctx, types.StringType, platformDigests(now.Platforms))
		resp.Diagnostics.Append(d...)
		list, d := types.ListValueFrom(ctx, types.StringType, platformNames(now.Platforms))
		resp.Diagnostics.Append(d...)
		state.PlatformDigests, state.Platforms = digests, list
	}
	// States written before these attributes existed: the copy was written by this resource.
	if state.AdoptExisting.IsNull() {
		state.AdoptExisting = types.BoolValue(false)
	}
	if state.Preexisting.IsNull() {
		state.Preexisting = types.BoolValue(false)
	}
	if state.ReplacedDigest.IsNull() {
		state.ReplacedDigest = types.StringValue("")
	}
	state.Drift = types.StringValue("")
	if now.Digest != state.Digest.ValueString() {
		state.Drift = types.StringValue(fmt.Sprintf("the tag names %s, not the copied %s", now.Digest, state.Digest.ValueString()))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// tagOf is the tag of a repository:tag reference.
func tagOf(ref string) string {
	return ref[strings.LastIndex(ref, ":")+1:]
}

func (r *imageMirrorResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state, config imageMirrorModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// An update keeps what the create found at the tag, unless the plan adopts a preexisting copy.
	if plan.Preexisting.IsUnknown() {
		plan.Preexisting = types.BoolValue(state.Preexisting.ValueBool())
	}
	if plan.ReplacedDigest.IsUnknown() {
		plan.ReplacedDigest = types.StringValue(state.ReplacedDigest.ValueString())
	}
	recopy := plan.Digest.IsUnknown() || state.Drift.ValueString() != "" || !plan.Digest.Equal(state.Digest) ||
		!plan.Platforms.Equal(state.Platforms) || plan.SourceDigest.IsUnknown()
	if recopy {
		timeout, d := plan.Timeouts.Update(ctx, defaultMirrorCopyTimeout)
		resp.Diagnostics.Append(d...)
		r.copy(ctx, &plan, !config.Platforms.IsNull(), false, timeout, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *imageMirrorResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state imageMirrorModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	target := state.TargetURI.ValueString()
	switch {
	case state.Preexisting.ValueBool():
		if !state.KeepOnDestroy.ValueBool() {
			resp.Diagnostics.AddWarning("Image Copy Kept", fmt.Sprintf("%s was not deleted: it named %s already when this resource was "+
				"created (preexisting), and it was not adopted, so it is not this resource's copy. Delete the tag with the registry's "+
				"own tools if nobody needs it.", target, state.Digest.ValueString()))
		}
		return
	case state.KeepOnDestroy.ValueBool():
		tflog.Info(ctx, "keep_on_destroy: the image copy stays in the target registry", map[string]any{"target": target})
		r.leftInPlace(state)
		return
	}
	timeout, d := state.Timeouts.Delete(ctx, defaultMirrorDeleteTimeout)
	resp.Diagnostics.Append(d...)
	client := r.data.registryClient(&resp.Diagnostics, path.Root("keep_on_destroy"))
	if client == nil {
		return
	}
	out, err := client.DeleteCopy(ctx, target, state.Digest.ValueString(), timeout)
	switch {
	case errors.Is(err, oci.ErrDeleteUnsupported):
		resp.Diagnostics.AddAttributeError(path.Root("keep_on_destroy"), "Image Copy Not Deleted", fmt.Sprintf("Attribute keep_on_destroy: "+
			"deleting %s: %s. Delete the tag with the registry's own tools, or set keep_on_destroy = true, apply, and destroy again.", target, err))
	case err != nil:
		addRegistryErrorDoingWithin(&resp.Diagnostics, path.Root("keep_on_destroy"), "delete", "deleting "+target, err)
	case out.Kept != "":
		resp.Diagnostics.AddWarning("Image Copy Kept", fmt.Sprintf("%s was not deleted: %s.", target, out.Kept))
	}
}

// leftInPlace records that destroy left the copy of state in place, naming its digest: a
// replacement's create, which Terraform applies without the prior state, may write over it.
func (r *imageMirrorResource) leftInPlace(state imageMirrorModel) {
	if r.data != nil && state.Digest.ValueString() != "" && state.Drift.ValueString() == "" {
		r.data.replacedMirrors.Store(state.TargetURI.ValueString(), state.Digest.ValueString())
	}
}

func (r *imageMirrorResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	i := strings.LastIndex(req.ID, "/")
	var registry string
	var err error
	if i <= 0 {
		err = errors.New("it has no registry")
	} else {
		registry = req.ID[:i]
		if _, err = images.ParseRegistry(registry); err == nil {
			var m oci.Mirror
			if m, err = oci.MirrorOf(req.ID, registry); err == nil && m.SourceDigest != "" {
				err = errors.New("it pins a digest; give the tag alone")
			}
		}
	}
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("%q is not the reference of an image copy: %s. Give %s.", req.ID, err, mirrorImportFormat))
		return
	}
	m := imageMirrorModel{
		ID: types.StringValue(req.ID), TargetURI: types.StringValue(req.ID), TargetRegistry: types.StringValue(registry),
		SourceURI: types.StringNull(), Image: types.ObjectNull(mirrorImageAttrTypes), SourceBundle: types.ObjectNull(mirrorBundleAttrTypes),
		KeepOnDestroy: types.BoolValue(true), AdoptExisting: types.BoolValue(false),
		Preexisting: types.BoolValue(false), ReplacedDigest: types.StringValue(""),
		Timeouts:        timeouts.Value{Object: types.ObjectNull(timeoutsAllAttrTypes)},
		SourceReference: types.StringNull(), SourceDigest: types.StringNull(), Digest: types.StringNull(),
		TargetURIByDigest: types.StringNull(), PlatformDigests: types.MapNull(types.StringType),
		Platforms: types.ListNull(types.StringType), Drift: types.StringNull(),
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
