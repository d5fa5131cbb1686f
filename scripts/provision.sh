#!/usr/bin/env bash
# Installs the system packages the tests run for real: a registry, image tools, a browser, podman.
# As root it installs what is missing with apt; otherwise it names what to install and stops.
set -euo pipefail

declare -A need=(
  [docker-registry]=docker-registry
  [skopeo]=skopeo
  [umoci]=umoci
  [htpasswd]=apache2-utils
  [openssl]=openssl
  [chromium]=chromium
  # the container form (npm run image, kpt --image, kustomize container:); crun fails here, runc works
  [podman]=podman
  [runc]=runc
  [mmdebstrap]=mmdebstrap
  [unzip]=unzip
  # a real forward proxy for HTTPS_PROXY / HTTP_PROXY (CONNECT tunnels and absolute-form requests)
  [tinyproxy]=tinyproxy-bin
  # TLS in front of tinyproxy: an https:// proxy URL
  [stunnel]=stunnel4
)
missing=()
for cmd in "${!need[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done

if ! command -v kpt >/dev/null 2>&1; then
  echo "provision: kpt is not on PATH. The KRM tests run the real kpt (1.0.0-beta); install it from https://kpt.dev/installation/ and re-run." >&2
  exit 1
fi

if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "provision: missing system packages: ${missing[*]}" >&2
    echo "provision: install them with: sudo apt-get install -y ${missing[*]}  (then re-run npm test)" >&2
    exit 1
  fi
  echo "provision: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

bash "$(dirname "$0")/npm-deps.sh"
