#!/usr/bin/env bash
# make demo: build the provider, point a throwaway Terraform CLI configuration at the fresh binary
# (dev_overrides: no `terraform init`, no download) and run a real `terraform apply` of
# examples/quickstart, printing its outputs. Everything stays under .demo/ and on this machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
demo="$root/.demo"
work="$demo/quickstart"

command -v go >/dev/null || { echo "demo: Go is not on PATH" >&2; exit 1; }
command -v terraform >/dev/null || { echo "demo: terraform (>= 1.11) is not on PATH" >&2; exit 1; }

mkdir -p "$demo/bin" "$work"
echo "==> building the provider"
(cd "$root" && go build -o "$demo/bin/terraform-provider-zenmlpro" .)

cat >"$demo/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "zenmlpro-infra/zenmlpro" = "$demo/bin"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$demo/terraformrc"
export TF_IN_AUTOMATION=1

# A fresh copy of the example each run, so the demo always starts from an empty state.
rm -rf "$work" && mkdir -p "$work"
cp "$root"/examples/quickstart/*.tf "$work/"

echo "==> terraform validate"
terraform -chdir="$work" validate -no-color
echo "==> terraform apply"
terraform -chdir="$work" apply -auto-approve -input=false -no-color
echo "==> terraform plan (must show no changes)"
terraform -chdir="$work" plan -detailed-exitcode -input=false -no-color >/dev/null
echo "==> outputs"
terraform -chdir="$work" output -no-color
