// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Command floorschema is a floor of the performance report: a provider whose resources and data source
// have exactly the schemas of zenmlpro_database, zenmlpro_registry_access_grant and zenmlpro_image (the
// same attributes, validators and plan modifiers) and do nothing. A plan of it costs what the framework
// costs for those schemas; what zenmlpro costs beyond it is the provider's own code.
package main

import (
	"context"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/process"
	zenmlpro "github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/provider"
)

func main() {
	// The provider's own process settings (logs, collector), so that the floor differs from it only
	// in what its resources do.
	process.Prepare(false)
	err := providerserver.Serve(context.Background(), func() provider.Provider { return floorProvider{} },
		providerserver.ServeOpts{Address: "registry.terraform.io/zenmlpro-infra/floorschema", ProtocolVersion: 6})
	if err != nil {
		log.Fatal(err)
	}
}

type floorProvider struct{}

func (floorProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "floorschema"
}

func (floorProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}

func (floorProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (floorProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		func() resource.Resource { return sameSchema{name: "database", real: zenmlpro.NewDatabaseResource()} },
		func() resource.Resource {
			return sameSchema{name: "registry_access_grant", real: zenmlpro.NewRegistryAccessGrantResource()}
		},
		// The copy report's floor: a mirror and a bundle that copy nothing.
		func() resource.Resource {
			return sameSchema{name: "image_mirror", real: zenmlpro.NewImageMirrorResource()}
		},
		func() resource.Resource {
			return sameSchema{name: "offline_bundle", real: zenmlpro.NewOfflineBundleResource()}
		},
	}
}

func (floorProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{func() datasource.DataSource { return sameSchemaData{real: zenmlpro.NewImageDataSource()} }}
}

// known replaces every unknown value by null: a computed attribute the real resource would fill is left
// empty, every given value is kept.
func known(v tftypes.Value) (tftypes.Value, error) {
	return tftypes.Transform(v, func(_ *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if !v.IsKnown() {
			return tftypes.NewValue(v.Type(), nil), nil
		}
		return v, nil
	})
}

// sameSchema is a resource with the schema of a zenmlpro resource whose operations do nothing.
type sameSchema struct {
	name string
	real resource.Resource
}

func (r sameSchema) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = "floorschema_" + r.name
}

func (r sameSchema) Schema(ctx context.Context, req resource.SchemaRequest, resp *resource.SchemaResponse) {
	r.real.Schema(ctx, req, resp)
}

func (sameSchema) Create(_ context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	raw, err := known(req.Plan.Raw)
	if err != nil {
		resp.Diagnostics.AddError("Floor", err.Error())
		return
	}
	resp.State.Raw = raw
}

func (sameSchema) Read(_ context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	resp.State.Raw = req.State.Raw
}

func (sameSchema) Update(_ context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	raw, err := known(req.Plan.Raw)
	if err != nil {
		resp.Diagnostics.AddError("Floor", err.Error())
		return
	}
	resp.State.Raw = raw
}

func (sameSchema) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// sameSchemaData is a data source with the schema of zenmlpro_image that reads nothing.
type sameSchemaData struct{ real datasource.DataSource }

func (sameSchemaData) Metadata(_ context.Context, _ datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = "floorschema_image"
}

func (d sameSchemaData) Schema(ctx context.Context, req datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	d.real.Schema(ctx, req, resp)
}

func (sameSchemaData) Read(_ context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	raw, err := known(req.Config.Raw)
	if err != nil {
		resp.Diagnostics.AddError("Floor", err.Error())
		return
	}
	resp.State.Raw = raw
}
