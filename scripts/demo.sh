#!/usr/bin/env bash
# Copyright (c) zenmlpro-infra and contributors
# SPDX-License-Identifier: MPL-2.0
# make demo: build the provider, point a throwaway Terraform CLI configuration at the fresh binary
# (dev_overrides: no `terraform init`, no download) and run a real `terraform apply` of
# examples/quickstart, printing its outputs. Everything stays under .demo/ and on this machine.
# The quickstart's databases go to the local MariaDB that scripts/services.sh runs (started here),
# reached as its restricted admin; the dedicated user's password is new at every run. Its registry
# grants go to the local AWS stand-in (moto) the same script runs, where the demo first creates the
# node group's IAM role and the mirror repositories.
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

echo "==> starting the local database servers (scripts/services.sh)"
"$root/scripts/services.sh" start
eval "$("$root/scripts/services.sh" env)"
export TF_VAR_mysql_host="$ZENMLPRO_TEST_MYSQL_HOST"
export TF_VAR_mysql_port="$ZENMLPRO_TEST_MYSQL_PORT"
export TF_VAR_mysql_admin_username="$ZENMLPRO_TEST_MYSQL_ADMIN_USER"
export TF_VAR_mysql_admin_password="$ZENMLPRO_TEST_MYSQL_ADMIN_PASSWORD"
TF_VAR_workspace_db_password="$(openssl rand -hex 24)"
export TF_VAR_workspace_db_password

# The local AWS stand-in: its endpoint and static credentials, for the provider's default credential chain.
export AWS_ACCESS_KEY_ID="$ZENMLPRO_TEST_AWS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$ZENMLPRO_TEST_AWS_SECRET_ACCESS_KEY"
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN
export TF_VAR_aws_endpoint="$ZENMLPRO_TEST_AWS_ENDPOINT" TF_VAR_aws_region="$ZENMLPRO_TEST_AWS_REGION"
export TF_VAR_zenml_node_role_arn="arn:aws:iam::123456789012:role/zenml-pro-nodes"

# moto_call SERVICE REGION ARGS...: an unsigned-but-addressed call to moto (it does not check
# signatures; the credential scope tells it the region and service).
moto_call() {
  local service=$1 region=$2
  shift 2
  curl -sS -X POST "$ZENMLPRO_TEST_AWS_ENDPOINT/" \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=$AWS_ACCESS_KEY_ID/20260101/$region/$service/aws4_request, SignedHeaders=host, Signature=0" \
    "$@"
}
echo "==> creating the node group's IAM role and the mirror repositories on the local AWS stand-in"
moto_call iam us-east-1 --data-urlencode Action=CreateRole --data-urlencode Version=2010-05-08 \
  --data-urlencode RoleName=zenml-pro-nodes \
  --data-urlencode 'AssumeRolePolicyDocument={"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}' \
  -o /dev/null
for repo in zenml-pro-api zenml-pro-dashboard zenml-pro-server; do
  # Fresh repositories at every run: an earlier run's (with its grants) is deleted first.
  moto_call ecr "$TF_VAR_aws_region" -H 'X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.DeleteRepository' \
    -H 'Content-Type: application/x-amz-json-1.1' -d "{\"repositoryName\":\"$repo\",\"force\":true}" -o /dev/null
  moto_call ecr "$TF_VAR_aws_region" -H 'X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.CreateRepository' \
    -H 'Content-Type: application/x-amz-json-1.1' -d "{\"repositoryName\":\"$repo\"}" -o /dev/null
done

# mysql_root SQL: runs SQL on the demo's MariaDB as its superuser (password from the environment,
# not the command line).
mysql_root() {
  MYSQL_PWD="$ZENMLPRO_TEST_MYSQL_PASSWORD" mariadb --no-defaults -h "$ZENMLPRO_TEST_MYSQL_HOST" \
    -P "$ZENMLPRO_TEST_MYSQL_PORT" -u "$ZENMLPRO_TEST_MYSQL_USER" -N -e "$1"
}

# The previous run's databases (kept by the default deletion policy `retain`, or left by a failed
# run) would make this run's creates fail with "exists": drop those its state recorded, with the
# users that hold privileges on them. Resource IDs are <server>/<database>.
if [ -f "$work/terraform.tfstate" ]; then
  terraform -chdir="$work" state list 2>/dev/null | grep -E '(^|\.)zenmlpro_database\.' | while IFS= read -r addr; do
    id=$(terraform -chdir="$work" state show -no-color "$addr" | sed -n 's/^ *id *= *"\([^"]*\)".*/\1/p' | awk 'NR == 1')
    db=${id#*/}
    db=${db%%/*}
    [[ "$db" =~ ^[a-z][a-z0-9_]{0,62}$ ]] || continue
    echo "==> dropping $db from the previous demo run"
    # GRANT ... ON `db`.* is stored with the name as given or with its underscores escaped.
    mysql_root "SELECT CONCAT(QUOTE(User), '@', QUOTE(Host)) FROM mysql.db
      WHERE Db IN ('$db', REPLACE('$db', '_', '\\\\_'))" | while IFS= read -r account; do
      mysql_root "DROP USER IF EXISTS $account"
    done
    mysql_root "DROP DATABASE IF EXISTS \`$db\`"
  done || true
fi

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

# The air-gapped rehearsal: a local registry plays ZenML's, the connected side writes the offline
# bundle to a folder, and the inside verifies it and pushes it into a second local registry, the
# site's internal one. Both registries run out of this process, with their blobs under .demo/.
echo
echo "==> air-gapped rehearsal: starting two local registries (ZenML's and the site's)"
(cd "$root" && go build -o "$demo/bin/registryfake-server" ./internal/testsupport/registryfake/cmd/registryfake-server &&
  go build -o "$demo/bin/registryfake-seed" ./internal/testsupport/registryfake/cmd/registryfake-seed)
gapped="$demo/air-gapped"
rm -rf "$gapped" && mkdir -p "$gapped"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
# start_registry NAME: starts a registry whose blobs live in $gapped/NAME and prints its address.
start_registry() {
  local addr="$gapped/$1.addr"
  # Its stdin is a pipe this script holds open: the registry stops when the script ends, however it ends.
  mkfifo "$gapped/$1.stdin"
  "$demo/bin/registryfake-server" -dir "$gapped/$1" >"$addr" 2>"$gapped/$1.log" <"$gapped/$1.stdin" &
  pids+=($!)
  local fd
  exec {fd}>"$gapped/$1.stdin"
  for _ in $(seq 1 100); do
    [ -s "$addr" ] && break
    sleep 0.1
  done
  [ -s "$addr" ] || { echo "demo: the $1 registry did not start" >&2; exit 1; }
}
start_registry zenml
start_registry inside
zenml_registry=$(cat "$gapped/zenml.addr")
inside_registry=$(cat "$gapped/inside.addr")
echo "==> filling the registry that plays ZenML's ($zenml_registry) with the 0.13.0 / 0.93.2 images and charts"
"$demo/bin/registryfake-seed" -registry "$zenml_registry" -control-plane 0.13.0 -workspace 0.93.2

bundle="$gapped/transfer/zenml-pro-0.13.0"
for side in connected inside; do
  mkdir -p "$gapped/$side"
  cp "$root/examples/air-gapped/$side/"*.tf "$gapped/$side/"
done
echo "==> connected side: terraform apply (writes the offline bundle to $bundle)"
TF_VAR_zenml_registry="$zenml_registry" TF_VAR_internal_registry="$inside_registry/zenml" TF_VAR_bundle_directory="$bundle" \
  terraform -chdir="$gapped/connected" apply -auto-approve -input=false -no-color
TF_VAR_zenml_registry="$zenml_registry" TF_VAR_internal_registry="$inside_registry/zenml" TF_VAR_bundle_directory="$bundle" \
  terraform -chdir="$gapped/connected" plan -detailed-exitcode -input=false -no-color >/dev/null
echo "==> the bundle, checked as an operator would: sha256sum -c SHA256SUMS"
(cd "$bundle" && sha256sum -c --quiet SHA256SUMS && echo "all $(wc -l <SHA256SUMS) files match")
sed -n '1,6p' "$bundle/manifest.txt"
echo "==> inside: terraform apply (verifies the bundle, pushes it into $inside_registry)"
TF_VAR_bundle_path="$bundle" terraform -chdir="$gapped/inside" apply -auto-approve -input=false -no-color
echo "==> inside: terraform plan (must show no changes)"
TF_VAR_bundle_path="$bundle" terraform -chdir="$gapped/inside" plan -detailed-exitcode -input=false -no-color >/dev/null
terraform -chdir="$gapped/inside" output -no-color
