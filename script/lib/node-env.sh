# Sourced by the script/ commands: puts Node 24 (the runtime ISR targets) first on PATH — the node already on
# PATH when it is 24, else the one script/bootstrap installed into .node/ — and points native addon builds
# (flac-bindings) at that Node's own headers. Sets isr_node_ok=1 when a Node 24 is on PATH afterwards.
isr_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
isr_node_ok=0
if [ -x "$isr_root/.node/bin/node" ] && "$isr_root/.node/bin/node" --version 2>/dev/null | grep -q '^v24\.'; then
  export PATH="$isr_root/.node/bin:$PATH"
fi
if command -v node >/dev/null 2>&1 && node --version 2>/dev/null | grep -q '^v24\.'; then
  isr_node_ok=1
  # A machine-wide npm nodedir (some images set /usr) would build addons against another Node's headers.
  npm_config_nodedir="$(cd "$(dirname "$(command -v node)")/.." && pwd)"
  export npm_config_nodedir
fi
