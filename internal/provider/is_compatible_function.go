// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/function"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
)

var _ function.Function = (*isCompatibleFunction)(nil)

// embeddedCatalogNote is appended to function errors about release dates: functions cannot read the
// provider configuration, so the dates of its releases attribute do not reach them. Terraform ends
// function error messages with a period itself, so neither this note nor the texts before it do.
const embeddedCatalogNote = ". Provider-defined functions cannot read the provider configuration and use the release catalog embedded in the provider only; " +
	"to use a date given in the provider's releases attribute, use the zenmlpro_version_compatibility data source, which accepts extra dates"

// NewIsCompatibleFunction returns provider::zenmlpro::is_compatible.
func NewIsCompatibleFunction() function.Function {
	return &isCompatibleFunction{}
}

type isCompatibleFunction struct{}

func (f *isCompatibleFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "is_compatible"
}

func (f *isCompatibleFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Whether a ZenML Pro Control Plane version works with a Workspace Server version",
		MarkdownDescription: "Returns `true` when the Control Plane version works with the Workspace Server version, and `false` otherwise. " +
			"The rules are those of the `zenmlpro_version_compatibility` data source: the Control Plane must be released on the same day " +
			"as or after the Workspace Server, and Control Plane versions with a stated minimum Workspace Server version (0.12.0 to 0.13.3 " +
			"require 0.85.0 or later) must get it.\n\n" +
			"An invalid version, or a version whose release date is not in the catalog embedded in the provider, is an error, never a " +
			"guess. Functions cannot read the provider configuration, so the dates of the provider's `releases` attribute do not " +
			"apply here; use the data source for versions dated there. The data source also tells which rule failed.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:                "control_plane_version",
				MarkdownDescription: "The ZenML Pro Control Plane version, an exact release such as `0.13.0`.",
			},
			function.StringParameter{
				Name:                "workspace_version",
				MarkdownDescription: "The Workspace Server (ZenML OSS) version, an exact release such as `0.93.2`.",
			},
		},
		Return: function.BoolReturn{},
	}
}

func (f *isCompatibleFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var cp, ws string
	resp.Error = req.Arguments.Get(ctx, &cp, &ws)
	if resp.Error != nil {
		return
	}
	// Each version is looked up on its own, so that an error names its argument.
	var dated [2]releases.Release
	for i, a := range []struct {
		line    releases.Line
		version string
	}{{releases.ControlPlane, cp}, {releases.WorkspaceServer, ws}} {
		r, err := releases.Embedded().ReleaseDate(a.line, a.version)
		if err != nil {
			resp.Error = releaseFuncError(int64(i), err)
			return
		}
		dated[i] = r
	}
	resp.Error = resp.Result.Set(ctx, releases.CheckReleases(dated[0], dated[1]).Compatible)
}

// releaseFuncError is the function error for an argument the releases package refused. Errors about
// release dates carry the note that functions use the embedded catalog only.
func releaseFuncError(argument int64, err error) *function.FuncError {
	text := err.Error()
	var ue *releases.UnknownDateError
	if errors.As(err, &ue) {
		text += embeddedCatalogNote
	}
	return function.NewArgumentFuncError(argument, text)
}
