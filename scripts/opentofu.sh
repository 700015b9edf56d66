#!/usr/bin/env bash
# Copyright (c) zenmlpro-infra and contributors
# SPDX-License-Identifier: MPL-2.0
# Builds OpenTofu from the Go module proxy into bin/tofu (once; reused while the version matches), so
# that the acceptance tests can run against it: make test-opentofu. OpenTofu's go.mod has replace
# directives, so `go install` cannot build it; the module is copied and built in place.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=${OPENTOFU_VERSION:-v1.10.10}
out="$root/bin/tofu"
if [ -x "$out" ] && [[ "$("$out" version 2>/dev/null || true)" == *"OpenTofu ${version}"* ]]; then
  exit 0
fi
dir=$(go mod download -json "github.com/opentofu/opentofu@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] || { echo "opentofu.sh: could not download github.com/opentofu/opentofu@$version" >&2; exit 1; }
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
cp -r "$dir/." "$src/"
chmod -R u+w "$src"
mkdir -p "$root/bin"
(cd "$src" && go build -o "$out" ./cmd/tofu)
"$out" version | awk 'NR == 1'
