// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package artifactregistry

import (
	"errors"
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
)

func TestClassifier(t *testing.T) {
	tests := []struct {
		err  error
		want retry.Kind
	}{
		{status.Error(codes.Aborted, "There were concurrent policy changes."), retry.Conflict},
		{status.Error(codes.FailedPrecondition, "etag mismatch"), retry.Conflict},
		{status.Error(codes.ResourceExhausted, "quota"), retry.Throttle},
		{status.Error(codes.Unavailable, ""), retry.Throttle},
		{status.Error(codes.InvalidArgument, "Service account puller@my-project.iam.gserviceaccount.com does not exist."), retry.Propagation},
		{fmt.Errorf("set: %w", status.Error(codes.InvalidArgument, "Invalid argument: service account x does not exist")), retry.Propagation},
		{status.Error(codes.InvalidArgument, "Role roles/x is not supported"), retry.Permanent},
		{status.Error(codes.NotFound, "Service account x does not exist"), retry.Permanent},
		{status.Error(codes.Internal, ""), retry.Permanent},
		{errors.New("not a gRPC error"), retry.Permanent},
		{fmt.Errorf("verify: %w", registryaccess.ErrStatementLost), retry.Conflict},
	}
	for _, tt := range tests {
		if got := classifier.Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
