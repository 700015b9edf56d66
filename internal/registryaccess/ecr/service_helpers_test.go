// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package ecr_test

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/smithy-go"
)

// timeout is the timeout of calls that are expected to succeed; with the fast backoff nothing
// waits anywhere near it.
const timeout = 30 * time.Second

var pullActions = []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}

// statementJSON is a repository policy statement allowing actions to principal (a string that
// goes into Principal.AWS as is).
func statementJSON(sid, principal string, actions ...string) string {
	quoted := make([]string, len(actions))
	for i, a := range actions {
		quoted[i] = fmt.Sprintf("%q", a)
	}
	return fmt.Sprintf(`{"Sid":%q,"Effect":"Allow","Principal":{"AWS":%q},"Action":[%s]}`, sid, principal, strings.Join(quoted, ","))
}

// policyJSON is a repository policy holding the statements.
func policyJSON(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

// apiErrorCode is the AWS error code in err's chain, "" when there is none.
func apiErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
