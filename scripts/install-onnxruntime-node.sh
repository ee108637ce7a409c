#!/usr/bin/env bash
# Installs ONNX Runtime for Node (npm's onnxruntime-node), which the onnx package's tests run
# exported generators with, into a cache folder that the tests look in:
# $GOGAN_ORT_NODE_DIR, by default ${XDG_CACHE_HOME:-~/.cache}/gogan/onnxruntime-node.
# Idempotent: an install of the pinned version is left as it is. --ignore-scripts skips the
# package's postinstall, which would fetch GPU libraries from outside npm; the CPU runtime is
# in the package itself.
set -euo pipefail
version=1.31.1
dir=${GOGAN_ORT_NODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gogan/onnxruntime-node}
pkg=$dir/node_modules/onnxruntime-node/package.json
if [ -f "$pkg" ] && grep -q "\"version\": \"$version\"" "$pkg"; then
  exit 0
fi
command -v npm >/dev/null || { echo "npm is missing: apt-get install npm" >&2; exit 1; }
mkdir -p "$dir"
timeout 600 npm install --prefix "$dir" --ignore-scripts --no-audit --no-fund --save-exact \
  "onnxruntime-node@$version" >/dev/null
echo "installed onnxruntime-node $version in $dir"
