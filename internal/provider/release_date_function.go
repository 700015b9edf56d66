// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/function"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
)

var _ function.Function = (*releaseDateFunction)(nil)

// NewReleaseDateFunction returns provider::zenmlpro::release_date.
func NewReleaseDateFunction() function.Function {
	return &releaseDateFunction{}
}

type releaseDateFunction struct{}

func (f *releaseDateFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "release_date"
}

func (f *releaseDateFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "The release date of a ZenML Pro Control Plane or Workspace Server version",
		MarkdownDescription: "Returns the release date of a version of one of the two ZenML Pro version lines, as `YYYY-MM-DD`, " +
			"from the release catalog embedded in the provider. A version the catalog does not list, or lists without a date, is an " +
			"error, never a guess. Functions cannot read the provider configuration, so the dates of the provider's `releases` " +
			"attribute do not apply here; the `zenmlpro_version_compatibility` data source returns those as `control_plane_release_date` " +
			"and `results[*].release_date`.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name: "line",
				MarkdownDescription: "The version line: " + quotedList(releases.LineNames()) + ". `" + string(releases.ControlPlane) +
					"` is the ZenML Pro Control Plane (e.g. `0.13.0`); `" + string(releases.WorkspaceServer) +
					"` is the Workspace Server, which follows ZenML OSS versions (e.g. `0.93.2`).",
			},
			function.StringParameter{
				Name:                "version",
				MarkdownDescription: "An exact release of that line, such as `0.13.0` or `0.93.2`.",
			},
		},
		Return: function.StringReturn{},
	}
}

func (f *releaseDateFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var lineName, version string
	resp.Error = req.Arguments.Get(ctx, &lineName, &version)
	if resp.Error != nil {
		return
	}
	line, err := releases.ParseLine(lineName)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, err.Error())
		return
	}
	r, err := releases.Embedded().ReleaseDate(line, version)
	if err != nil {
		resp.Error = releaseFuncError(1, err)
		return
	}
	resp.Error = resp.Result.Set(ctx, r.DateString())
}
