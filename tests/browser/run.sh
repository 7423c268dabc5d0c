#!/usr/bin/env bash
# Runs the SDK tests and the Chromium test of the web page against a real jim-server.
#
#   JIM_SERVER_BIN=build/bin/jim-server tests/browser/run.sh
#
# Installs what is missing first: Debian's chromium (needs root) and, from package-lock.json,
# playwright-core and typescript (the SDK's types are checked). Screenshots land in $JIM_ARTIFACT_DIR (default build/test-artifacts).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export JIM_SOURCE_DIR="${JIM_SOURCE_DIR:-$(cd "$here/../.." && pwd)}"
export JIM_SERVER_BIN="${JIM_SERVER_BIN:-$JIM_SOURCE_DIR/build/bin/jim-server}"
export JIM_ARTIFACT_DIR="${JIM_ARTIFACT_DIR:-$JIM_SOURCE_DIR/build/test-artifacts}"

if [[ ! -x "$JIM_SERVER_BIN" ]]; then
    echo "run.sh: no jim-server at $JIM_SERVER_BIN (build it, or set JIM_SERVER_BIN)" >&2
    exit 1
fi
if ! command -v node >/dev/null; then
    echo "run.sh: node (20 or later) is required" >&2
    exit 1
fi

if [[ ! -x /usr/bin/chromium ]]; then
    echo "run.sh: installing Debian's chromium" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium
fi

cd "$here"
if [[ ! -d node_modules/playwright-core || ! -d node_modules/typescript ]]; then
    npm ci --no-audit --no-fund
fi

mkdir -p "$JIM_ARTIFACT_DIR"
# Node 20 has a global WebSocket only behind this flag; Node 22 and later have it built in.
flags=()
if ! node -e 'process.exit(typeof WebSocket === "function" ? 0 : 1)'; then
    flags+=(--experimental-websocket)
fi
exec node "${flags[@]}" --test sdk.test.mjs sdk_package.test.mjs chat.test.mjs admin.test.mjs
