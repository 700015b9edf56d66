// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package inputerr is the one error type the domain packages return for a broken rule of what the
// user gave: which input (named as the Terraform schema names it, "ecr.repository",
// "user.name"), a short summary for the title of a diagnostic, and the detail: what is wrong, the
// rule, and a valid example or what to do. The provider turns it into a diagnostic on that
// attribute with one helper.
package inputerr

import (
	"errors"
	"fmt"
)

// Error is a broken rule of the user's input.
type Error struct {
	// Input is the attribute at fault, dotted as the schema names it: "principal", "user.name".
	Input string
	// Summary is a short title, e.g. "Database Exists".
	Summary string
	// Detail says what is wrong, the rule, and a valid example or what to do.
	Detail string
	// Err is the cause, when the error wraps one (a parser's error, say); nil otherwise.
	Err error
}

func (e *Error) Error() string { return e.Detail }

// Unwrap returns the cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// Wrap returns an Error on input whose detail is err's message and whose cause is err.
func Wrap(input, summary string, err error) *Error {
	return &Error{Input: input, Summary: summary, Detail: err.Error(), Err: err}
}

// New returns an Error whose detail is formatted.
func New(input, summary, format string, args ...any) *Error {
	return &Error{Input: input, Summary: summary, Detail: fmt.Sprintf(format, args...)}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
