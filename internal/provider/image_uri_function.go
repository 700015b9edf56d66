// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/function"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
)

var _ function.Function = (*imageURIFunction)(nil)

// NewImageURIFunction returns provider::zenmlpro::image_uri.
func NewImageURIFunction() function.Function {
	return &imageURIFunction{}
}

type imageURIFunction struct{}

// imageURIArguments are the positions of the function's arguments, by the input they carry.
var imageURIArguments = map[string]int64{images.InputComponent: 0, images.InputVersion: 1, images.InputSource: 2}

func (f *imageURIFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "image_uri"
}

func (f *imageURIFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	zenmlSources := make([]string, 0, 2)
	for _, s := range images.Sources() {
		if s.ZenML() {
			zenmlSources = append(zenmlSources, string(s))
		}
	}
	resp.Definition = function.Definition{
		Summary: "The image URI of a ZenML Pro component in one of ZenML's registries",
		MarkdownDescription: fmt.Sprintf("Returns `<repository>:<version>` for a component's image in ZenML's registries, e.g. "+
			"`provider::zenmlpro::image_uri(\"control_plane_api\", \"0.13.0\", \"zenml_gcp\")` is "+
			"`europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-api:0.13.0`. The references are those of the "+
			"`zenmlpro_image` data source.\n\n"+
			"The source `%s` is an error here, because a mirror needs its registry: use the `zenmlpro_image` data source with "+
			"`registry`, which also takes a digest pin. An invalid version, or a version from the wrong release line (a Workspace "+
			"Server version for a Control Plane component, or the reverse), is an error. A version the release catalog does not list "+
			"is accepted silently (functions cannot warn); functions cannot read the provider configuration, so they use the catalog "+
			"embedded in the provider only.", images.SourcePrivate),
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:                images.InputComponent,
				MarkdownDescription: "The component: " + quotedList(images.ComponentNames()) + ".",
				Validators:          []function.StringParameterValidator{stringvalidator.OneOf(images.ComponentNames()...)},
			},
			function.StringParameter{
				Name: images.InputVersion,
				MarkdownDescription: fmt.Sprintf("The exact release, which is also the tag: a %s version such as `%s` for the control "+
					"plane components, a %s version such as `%s` for `%s` and `%s`.",
					images.LineTitle(releases.ControlPlane), images.ExampleVersion(releases.ControlPlane),
					images.LineTitle(releases.WorkspaceServer), images.ExampleVersion(releases.WorkspaceServer), images.WorkspaceServer, images.Client),
			},
			function.StringParameter{
				Name: images.InputSource,
				MarkdownDescription: "ZenML's registry to pull from: " + quotedList(zenmlSources) + ". `" + string(images.SourcePrivate) +
					"` is an error: a mirror needs its registry, which the `zenmlpro_image` data source takes.",
				Validators: []function.StringParameterValidator{stringvalidator.OneOf(images.SourceNames()...)},
			},
		},
		Return: function.StringReturn{},
	}
}

func (f *imageURIFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var component, version, source string
	resp.Error = req.Arguments.Get(ctx, &component, &version, &source)
	if resp.Error != nil {
		return
	}
	if source == string(images.SourcePrivate) {
		resp.Error = function.NewArgumentFuncError(imageURIArguments[images.InputSource], fmt.Sprintf(
			"source %q needs the registry of your mirror, which this function does not take: use the zenmlpro_image data source "+
				"with source = %q and registry, e.g. registry = %q", images.SourcePrivate, images.SourcePrivate, images.ExampleRegistry))
		return
	}
	img, err := images.ResolveImage(releases.Embedded(), images.ImageSpec{
		Component: images.Component(component),
		Version:   version,
		Source:    images.Source(source),
	})
	if err != nil {
		if ie, ok := inputerr.As(err); ok {
			if i, ok := imageURIArguments[ie.Input]; ok {
				// Terraform words it as: Invalid value for "<parameter>" parameter: <text>.
				resp.Error = function.NewArgumentFuncError(i, ie.Detail)
				return
			}
		}
		resp.Error = function.NewFuncError(err.Error())
		return
	}
	resp.Error = resp.Result.Set(ctx, img.URI)
}
