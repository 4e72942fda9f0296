#!/usr/bin/env bash
# Lints the served OpenAPI document (src/main/resources/openapi.json) with Redocly's recommended
# rules and Spectral's oas ruleset, failing on any warning. Run by .ci/run before mvn verify; needs
# Node.js and the npm registry (or npm's cache); versions are pinned so a new rule release cannot
# break an unchanged document, and each linter is bounded by a timeout.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
doc="$here/../../../main/resources/openapi.json"
limit="${OPENAPI_LINT_TIMEOUT_S:-300}"
timeout "$limit" npx -y @redocly/cli@2.77.0 lint --config "$here/redocly.yaml" "$doc"
timeout "$limit" npx -y @stoplight/spectral-cli@6.16.3 lint --fail-severity=warn -r "$here/.spectral.yaml" "$doc"
