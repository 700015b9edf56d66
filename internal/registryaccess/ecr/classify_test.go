// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package ecr

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
)

func TestClassifier(t *testing.T) {
	c := classifier{Principal: roleA}
	apiErr := func(code, msg string) error { return &smithy.GenericAPIError{Code: code, Message: msg} }
	tests := []struct {
		err  error
		want retry.Kind
	}{
		{apiErr("InvalidParameterException", "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'"), retry.Propagation},
		{apiErr("InvalidParameterException", "Principal not found"), retry.Propagation},
		{apiErr("InvalidParameterException", "Invalid principal "+roleA), retry.Propagation},
		{apiErr("InvalidParameterException", "Invalid principal arn:aws:iam::123456789012:role/other"), retry.Permanent},
		{fmt.Errorf("put policy: %w", apiErr("ThrottlingException", "Rate exceeded")), retry.Throttle},
		{apiErr("ServerException", "internal"), retry.Throttle},
		{apiErr("RepositoryNotFoundException", "no repo"), retry.Permanent},
		{apiErr("AccessDeniedException", "Principal not found"), retry.Permanent},
		{errors.New("Principal not found"), retry.Permanent},
		{fmt.Errorf("verify: %w", registryaccess.ErrStatementLost), retry.Conflict},
		{fmt.Errorf("revoke: %w", registryaccess.ErrStatementBack), retry.Conflict},
		{fmt.Errorf("put: %w", &smithy.DeserializationError{Err: io.ErrUnexpectedEOF}), retry.Throttle},
		{&smithy.DeserializationError{Err: errors.New("invalid character '<' looking for beginning of value")}, retry.Permanent},
		{io.ErrUnexpectedEOF, retry.Permanent},
	}
	for _, tt := range tests {
		if got := c.Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
