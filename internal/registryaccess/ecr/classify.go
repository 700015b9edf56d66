// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package ecr

import (
	"errors"
	"io"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
)

// classifier classifies errors of ECR repository policy calls by their AWS error code.
type classifier struct {
	// Principal is the ARN being granted; an InvalidParameterException naming it is propagation.
	Principal string
}

// Classify returns Propagation for InvalidParameterException about a principal ECR cannot see yet
// ("Invalid repository policy provided", "Principal not found", or naming the principal), Conflict
// for registryaccess.ErrStatementLost, Throttle for throttling and server errors, and Permanent for
// everything else, including errors that carry no AWS error code.
func (c classifier) Classify(err error) retry.Kind {
	if errors.Is(err, registryaccess.ErrStatementLost) {
		return retry.Conflict
	}
	if responseCutShort(err) {
		return retry.Throttle
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		return retry.Permanent
	}
	switch api.ErrorCode() {
	case "InvalidParameterException":
		msg := strings.ToLower(api.ErrorMessage())
		if strings.Contains(msg, "invalid repository policy provided") || strings.Contains(msg, "principal not found") ||
			(c.Principal != "" && strings.Contains(msg, strings.ToLower(c.Principal))) {
			return retry.Propagation
		}
	case "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded",
		"ServerException", "ServiceUnavailable", "ServiceUnavailableException", "InternalFailure":
		return retry.Throttle
	}
	return retry.Permanent
}

// errorCode is the AWS error code in err's chain, "" when there is none.
func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// responseCutShort reports an answer whose body ended early ("deserialization failed, unexpected
// EOF"): the call may or may not have taken effect. Every caller starts an attempt by reading the
// policy again, so trying again is safe, and it finds a write that did take effect.
func responseCutShort(err error) bool {
	var de *smithy.DeserializationError
	return errors.As(err, &de) && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF))
}
