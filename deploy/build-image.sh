#!/usr/bin/env bash
# build-image.sh TARBALL: the OCI image localhost/xtrace:<version> ($XTRACE_IMAGE if set) from a release
# tarball (`npm run release`; `npm run release -- --image` runs this), with podman, as root.
# The base, localhost/xtrace-base:<rootfs key>, is deploy/debian-rootfs.sh's Debian root imported
# with `podman import` once; deploy/Containerfile installs the tarball on it. Prints the image name.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tarball=${1:?usage: build-image.sh xtrace-<version>-linux-x64.tgz}
[ -f "$tarball" ] || { echo "build-image: $tarball: no such file" >&2; exit 2; }
command -v podman > /dev/null || { echo "build-image: podman is not installed (./setup.sh installs it)" >&2; exit 1; }

rootfs=$("$here/debian-rootfs.sh")
key=$(basename "$rootfs" .tar | sed 's/.*-//')
base=localhost/xtrace-base:$key
if ! podman image exists "$base"; then
  echo "build-image: podman import $rootfs as $base" >&2
  podman import --quiet "$rootfs" "$base" > /dev/null
fi

version=$(basename "$tarball" | sed -n 's/^xtrace-\(.*\)-linux-x64\.tgz$/\1/p')
[ -n "$version" ] || { echo "build-image: expected xtrace-<version>-linux-x64.tgz, got $(basename "$tarball")" >&2; exit 2; }
image=${XTRACE_IMAGE:-localhost/xtrace:$version}
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp "$tarball" "$ctx/xtrace.tgz"
echo "build-image: podman build $image FROM $base" >&2
podman build --quiet --build-arg "BASE=$base" -f "$here/Containerfile" -t "$image" "$ctx" > /dev/null
echo "$image"
