// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package artifactregistry

import (
	"errors"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
)

// classifier classifies GetIamPolicy/SetIamPolicy failures by their gRPC status: ABORTED and
// FAILED_PRECONDITION (etag mismatch) and registryaccess.ErrStatementLost are conflicts;
// RESOURCE_EXHAUSTED and UNAVAILABLE are throttling; INVALID_ARGUMENT saying a service account does
// not exist is propagation; everything else is permanent.
var classifier = retry.ClassifierFunc(func(err error) retry.Kind {
	if errors.Is(err, registryaccess.ErrStatementLost) {
		return retry.Conflict
	}
	s, ok := status.FromError(err)
	if !ok {
		var se interface{ GRPCStatus() *status.Status }
		if !errors.As(err, &se) {
			return retry.Permanent
		}
		s = se.GRPCStatus()
	}
	switch s.Code() {
	case codes.Aborted, codes.FailedPrecondition:
		return retry.Conflict
	case codes.ResourceExhausted, codes.Unavailable:
		return retry.Throttle
	case codes.InvalidArgument:
		msg := strings.ToLower(s.Message())
		if strings.Contains(msg, "service account") && strings.Contains(msg, "does not exist") {
			return retry.Propagation
		}
	}
	return retry.Permanent
})
