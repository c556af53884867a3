#!/usr/bin/env bash
# Installs the Debian packages ISR's tests and native build need (with --bench: the benchmarks' too), only those missing.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have nats-server || [ -x /usr/sbin/nats-server ] || need+=(nats-server)
have icecast2 || [ -x /usr/bin/icecast2 ] || need+=(icecast2)
have ffmpeg || need+=(ffmpeg)
have sox || need+=(sox)
have flac || need+=(flac)
have arecord || need+=(alsa-utils)
have chromium || need+=(chromium)
have promtool || need+=(prometheus)
have cmake || need+=(cmake)
have g++ || need+=(g++ make)
[ -f /usr/include/FLAC/stream_encoder.h ] || need+=(libflac-dev)
# Benchmarks only (npm run bench passes --bench; CI runs no benchmark): nginx is bench/web.ts's Range baseline.
if [ "${1:-}" = "--bench" ]; then [ -x /usr/sbin/nginx ] || need+=(nginx-light); fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
