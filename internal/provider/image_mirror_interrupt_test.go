// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/registryfake"
)

// A copy that Terraform's interrupt stops (the apply's context cancelled: Terraform's StopProvider
// cancels it, which the plugin-testing harness cannot send, so the context is cancelled here during a
// real copy between two registries) is reported as interrupted, with what was written and that the
// next apply skips it, not as a registry error; a copy that ran out of its own time, or a registry's
// failure, is not. The copy report's interrupted runs (make bench-copy) send the real interrupt
// through the Terraform CLI.
func TestCopyInterruptedIsToldApart(t *testing.T) {
	src := registryfake.Start(t, registryfake.Options{})
	dst := registryfake.Start(t, registryfake.Options{})
	src.PushIndex(t, "zenml/zenml-pro-server:0.93.2", "linux/amd64", "linux/arm64")
	client, err := oci.NewClient(oci.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	// The interrupt comes once the first blob is through.
	progress := func(p oci.Progress) {
		if p.BlobsUploaded >= 1 {
			cancel()
		}
	}
	res, err := client.Copy(ctx, src.Host+"/zenml/zenml-pro-server:0.93.2", dst.Host+"/zenml/zenml-pro-server:0.93.2", oci.CopyOptions{Progress: progress})
	if err == nil {
		t.Fatal("the copy ended although it was interrupted")
	}
	if !interrupted(ctx, err) {
		t.Fatalf("interrupted(%v) = false for a copy whose context was cancelled", err)
	}
	var diags diag.Diagnostics
	addCopyInterrupted(&diags, path.Root("source_uri"), "copy of SRC", "DST", res.Progress)
	if len(diags) != 1 || diags[0].Summary() != "Copy Interrupted" {
		t.Fatalf("diagnostics = %v, want one Copy Interrupted", diags)
	}
	want := fmt.Sprintf("Attribute source_uri: the copy of SRC to DST stopped because Terraform was interrupted, after %d blobs", res.BlobsUploaded)
	if d := diags[0].Detail(); !strings.HasPrefix(d, want) || !strings.Contains(d, "the next apply sends only the blobs it does not hold") || res.BlobsUploaded < 1 {
		t.Errorf("detail = %q (progress %+v), want it to start %q and say what the next apply sends", d, res.Progress, want)
	}

	// Not interrupted: the operation's own deadline, and a context that is still live.
	deadline, stop := context.WithTimeout(context.Background(), time.Nanosecond)
	defer stop()
	<-deadline.Done()
	if interrupted(deadline, deadline.Err()) {
		t.Error("a copy past its deadline counts as interrupted")
	}
	if interrupted(context.Background(), context.Canceled) {
		t.Error("a cancellation inside the client, with the apply's context live, counts as interrupted")
	}
}
