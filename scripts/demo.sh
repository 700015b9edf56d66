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
# fresh_repository NAME: an ECR repository on moto, empty: an earlier run's (with its grants) is deleted first.
fresh_repository() {
  moto_call ecr "$TF_VAR_aws_region" -H 'X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.DeleteRepository' \
    -H 'Content-Type: application/x-amz-json-1.1' -d "{\"repositoryName\":\"$1\",\"force\":true}" -o /dev/null
  moto_call ecr "$TF_VAR_aws_region" -H 'X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.CreateRepository' \
    -H 'Content-Type: application/x-amz-json-1.1' -d "{\"repositoryName\":\"$1\"}" -o /dev/null
}
for repo in zenml-pro-api zenml-pro-dashboard zenml-pro-server; do
  fresh_repository "$repo"
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

# The whole set, examples/self-hosted as written: the Control Plane's database on the local PostgreSQL,
# the workspaces' on the local MariaDB that requires TLS (verified against its CA), pull grants for the
# node group's role on the local AWS stand-in, the images copied from the registry that plays ZenML's
# into the site's and pinned by digest, a certificate made here for the demo hostnames, and the
# checklist with the Helm values of both charts.
echo
echo "==> the whole set: examples/self-hosted"
full="$demo/self-hosted"
rm -rf "$full" && mkdir -p "$full/certs" "$full/out"
cp "$root"/examples/self-hosted/*.tf "$full/"

echo "==> a private CA and a certificate for *.ml.example.com (the demo hostnames), made with openssl"
(
  cd "$full/certs"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -sha256 \
    -subj "/O=ZenML Pro demo/CN=ZenML Pro demo CA" -keyout ca-key.pem -out ca.pem 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
    -subj "/O=ZenML Pro demo/CN=*.ml.example.com" -keyout tls.key -out tls.csr 2>/dev/null
  printf 'subjectAltName = DNS:*.ml.example.com\nextendedKeyUsage = serverAuth\nkeyUsage = critical, digitalSignature\n' >tls.ext
  openssl x509 -req -in tls.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 90 -sha256 -extfile tls.ext -out tls.crt 2>/dev/null
  openssl verify -CAfile ca.pem tls.crt
)

# Databases and users of an earlier run (kept by the deletion policy `retain`) are dropped first, so
# that this run creates them afresh.
MYSQL_PWD="$ZENMLPRO_TEST_MYSQL_PASSWORD" mariadb --no-defaults -h "$ZENMLPRO_TEST_MYSQL_HOST" -P "$ZENMLPRO_TEST_MYSQL_TLS_PORT" \
  -u "$ZENMLPRO_TEST_MYSQL_USER" --ssl-ca="$ZENMLPRO_TEST_TLS_DIR/ca.pem" -N -e "
  DROP DATABASE IF EXISTS zenml_workspace_1; DROP DATABASE IF EXISTS zenml_workspace_2;
  DROP USER IF EXISTS 'zenml_ws1'@'%'; DROP USER IF EXISTS 'zenml_ws2'@'%';"
PGPASSWORD="$ZENMLPRO_TEST_PG_PASSWORD" psql -X -q -h "$ZENMLPRO_TEST_PG_HOST" -p "$ZENMLPRO_TEST_PG_PORT" -U "$ZENMLPRO_TEST_PG_USER" \
  -d postgres -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS zenml_pro" -c "DROP ROLE IF EXISTS zenml_pro" >/dev/null
for repo in zenml/zenml-pro-api zenml/zenml-pro-dashboard zenml/zenml-pro-server; do
  fresh_repository "$repo"
done

TF_VAR_control_plane_db_password="$(openssl rand -hex 24)"
TF_VAR_certificate_chain_pem="$(cat "$full/certs/tls.crt")"
TF_VAR_ca_certificate_pem="$(cat "$full/certs/ca.pem")"
TF_VAR_database_ca_pem="$(cat "$ZENMLPRO_TEST_TLS_DIR/ca.pem")"
export TF_VAR_control_plane_db_password TF_VAR_certificate_chain_pem TF_VAR_ca_certificate_pem TF_VAR_database_ca_pem
export TF_VAR_kubernetes_version=1.29
export TF_VAR_node_role_arn="$TF_VAR_zenml_node_role_arn"
export TF_VAR_registry_url="$inside_registry/zenml-pro"
export TF_VAR_zenml_source="{ source = \"private\", registry = \"$zenml_registry/zenml\" }"
export TF_VAR_postgres_host="$ZENMLPRO_TEST_PG_HOST" TF_VAR_postgres_port="$ZENMLPRO_TEST_PG_PORT"
export TF_VAR_postgres_admin_username="$ZENMLPRO_TEST_PG_ADMIN_USER" TF_VAR_postgres_admin_password="$ZENMLPRO_TEST_PG_ADMIN_PASSWORD"
export TF_VAR_postgres_tls_mode=disabled
export TF_VAR_mysql_port="$ZENMLPRO_TEST_MYSQL_TLS_PORT" TF_VAR_mysql_tls_mode=verify_full
export TF_VAR_oidc_configuration_endpoint="https://login.ml.example.com/.well-known/openid-configuration"
export TF_VAR_oidc_client_id=zenml-pro

# No ZenML server can run here: a stand-in Control Plane (the API the enrollment uses) and two stand-in
# workspace servers (their /health and /api/v1/info), serving a certificate of the demo CA for localhost.
echo "==> STAND-INS, not ZenML: a Control Plane API and two workspace servers on localhost, built from ZenML's public API shapes"
(cd "$root" && go build -o "$demo/bin/cpfake" ./internal/testsupport/cpfake/cmd/cpfake)
(
  cd "$full/certs"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
    -subj "/O=ZenML Pro demo/CN=localhost" -keyout localhost.key -out localhost.csr 2>/dev/null
  printf 'subjectAltName = DNS:localhost, IP:127.0.0.1\nextendedKeyUsage = serverAuth\nkeyUsage = critical, digitalSignature\n' >localhost.ext
  openssl x509 -req -in localhost.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 30 -sha256 -extfile localhost.ext -out localhost.crt 2>/dev/null
)
TF_VAR_zenml_token="$(openssl rand -hex 24)"
export TF_VAR_zenml_token
mkfifo "$full/cpfake.stdin"
"$demo/bin/cpfake" -listen localhost:0 -tls-cert "$full/certs/localhost.crt" -tls-key "$full/certs/localhost.key" \
  -token "$TF_VAR_zenml_token" -org example-corp -workspace-servers workspace-1=0.93.2,workspace-2=0.93.2 \
  -state-file "$full/cpfake.json" -stop-on-stdin-eof >"$full/cpfake.log" 2>&1 <"$full/cpfake.stdin" &
pids+=($!)
exec {cpfake_fd}>"$full/cpfake.stdin"
for _ in $(seq 1 100); do
  [ -s "$full/cpfake.json" ] && break
  sleep 0.1
done
[ -s "$full/cpfake.json" ] || { echo "demo: the stand-in Control Plane did not start" >&2; cat "$full/cpfake.log" >&2; exit 1; }
TF_VAR_control_plane_url=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["control_plane_url"])' "$full/cpfake.json")
export TF_VAR_control_plane_url TF_VAR_organization=example-corp
echo "==> stand-in Control Plane at $TF_VAR_control_plane_url"

echo "==> terraform apply"
terraform -chdir="$full" apply -auto-approve -input=false -no-color
echo "==> terraform plan (must show no changes)"
terraform -chdir="$full" plan -detailed-exitcode -input=false -no-color >/dev/null

# The review document and the values files, for helm install -f or a helm_release.
terraform -chdir="$full" output -raw report_markdown >"$full/out/report.md"
terraform -chdir="$full" output -raw control_plane_helm_values >"$full/out/zenml-pro-values.yaml"
terraform -chdir="$full" output -json workspace_helm_values | python3 -c '
import json, sys
for name, values in json.load(sys.stdin).items():
    with open(sys.argv[1] + "/zenml-" + name + "-values.yaml", "w") as f:
        f.write(values)
' "$full/out"
echo "==> the checklist"
terraform -chdir="$full" output -json checklist | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    print("  %-15s %-19s %s" % (r["status"], r["section"], r["item"]))
'
echo "==> ready: $(terraform -chdir="$full" output -raw ready)"
echo "==> the review document: $full/out/report.md"
echo "==> the Helm values: $(cd "$full/out" && ls ./*.yaml | sed "s|^\./|$full/out/|" | tr '\n' ' ')"

# After the installs (here: against the stand-ins, which report what an installed workspace server
# reports), the verify stage checks what runs against what was declared.
echo
echo "==> verify stage: examples/self-hosted/verify against the STAND-IN servers (no ZenML server runs here)"
verify="$demo/self-hosted-verify"
rm -rf "$verify" && mkdir -p "$verify"
cp "$root"/examples/self-hosted/verify/*.tf "$verify/"
terraform -chdir="$full" output -json declared | python3 -c '
import json, sys
declared = json.load(sys.stdin)
servers = json.load(open(sys.argv[1]))["workspace_servers"]
# The stand-ins listen on localhost ports instead of the declared hosts.
for name, ws in declared["workspaces"].items():
    ws["url"] = servers[name]
json.dump(declared, open(sys.argv[2], "w"))
' "$full/cpfake.json" "$verify/declared.json"
TF_VAR_declared="$(cat "$verify/declared.json")" TF_VAR_ca_certificate_pem="$(cat "$full/certs/ca.pem")" \
  terraform -chdir="$verify" apply -auto-approve -input=false -no-color >/dev/null
terraform -chdir="$verify" output -json checklist | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    print("  %-15s %-26s %s" % (r["status"], r["section"], r["item"]))
'
echo "==> deployment as declared (stand-ins): $(terraform -chdir="$verify" output -raw ok)"
