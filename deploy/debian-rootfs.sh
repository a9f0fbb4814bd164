#!/usr/bin/env bash
# debian-rootfs.sh: prints the path of a Debian 12 (bookworm) root filesystem tarball holding what
# a release of xtrace needs at run time and nothing to build it with: Node.js >= 20 and npm, the
# addon's shared libraries (libbpf1, libelf1, zlib1g), iproute2 (the agent reads `ip -j`),
# ovs-vsctl (openvswitch-switch: on an OVS hypervisor the agent asks OVSDB for its tunnels' remote
# addresses; no OVS daemon runs here) and nats-server (`xtrace controller` without --nats embeds
# one). No compiler, no libbpf-dev.
#
# Made once with mmdebstrap (minbase, Debian's own packages from deb.debian.org, as this machine's
# apt reaches it) and cached in $XTRACE_RELEASE_CACHE (default /var/cache/xtrace/release, beside the
# nested lab's /var/cache/xtrace/nested); the file name carries a hash of everything that went in,
# so a change here or a new Node makes a new one. Used by the release test
# (test/integration/release.test.ts) as a clean host, and by deploy/build-image.sh as the base of the
# OCI image (podman import: no registry image is pulled).
#
# Node: Debian 12's own nodejs is 18, so the rootfs gets this machine's Node (>= 20, from
# nodesource's .deb, which apt can no longer download here): /usr/bin/node, which links only
# glibc, libstdc++ and libgcc_s (all in minbase), and npm (/usr/lib/node_modules/npm with its
# /usr/bin/npm and npx links), copied in by a customize hook. Set XTRACE_NODE_DEB=FILE.deb to
# install a nodejs .deb instead.
set -euo pipefail

REV=1
SUITE=bookworm
MIRROR=${XTRACE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${XTRACE_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
PACKAGES=libbpf1,libelf1,zlib1g,iproute2,openvswitch-switch,nats-server,ca-certificates
CACHE=${XTRACE_RELEASE_CACHE:-/var/cache/xtrace/release}

die() { echo "debian-rootfs: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (mmdebstrap in root mode)"
command -v mmdebstrap > /dev/null || die "mmdebstrap is not installed (./setup.sh installs it)"

node_deb=${XTRACE_NODE_DEB:-}
if [ -n "$node_deb" ]; then
  [ -f "$node_deb" ] || die "XTRACE_NODE_DEB=$node_deb: no such file"
  node_id=$(sha256sum "$node_deb" | cut -c1-16)
else
  node=$(command -v node) || die "node is not installed"
  node=$(readlink -f "$node")
  major=$("$node" -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || die "this machine's node is $("$node" --version): need >= 20 to copy into the rootfs"
  npm_dir=/usr/lib/node_modules/npm
  [ -f "$npm_dir/package.json" ] || die "npm is not in $npm_dir"
  node_id="$("$node" --version)-npm$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$npm_dir/package.json")"
fi

key=$(printf '%s\n' "$REV" "$SUITE" "$MIRROR" "$SECURITY_MIRROR" "$PACKAGES" "$node_id" | sha256sum | cut -c1-12)
out="$CACHE/debian-$SUITE-runtime-$key.tar"
if [ -f "$out" ]; then echo "$out"; exit 0; fi

mkdir -p "$CACHE"
exec 9> "$CACHE/.lock"
flock 9
if [ -f "$out" ]; then echo "$out"; exit 0; fi   # made by the run we waited for

work=$(mktemp -d "$CACHE/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
hooks=()
if [ -n "$node_deb" ]; then
  cp "$node_deb" "$work/nodejs.deb"
  hooks+=(--customize-hook="copy-in $work/nodejs.deb /tmp" --customize-hook='chroot "$1" dpkg -i /tmp/nodejs.deb' --customize-hook='rm -f "$1/tmp/nodejs.deb"')
else
  tar -C / -cf "$work/node.tar" "${node#/}" usr/lib/node_modules/npm usr/bin/npm usr/bin/npx
  hooks+=(--customize-hook="tar-in $work/node.tar /")
fi
# the image and the test need no apt lists or caches
hooks+=(--customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin')
hooks+=(--customize-hook='chroot "$1" node --version' --customize-hook='chroot "$1" npm --version')

echo "debian-rootfs: mmdebstrap $SUITE ($PACKAGES, node $node_id) -> $out" >&2
mmdebstrap --quiet --variant=minbase --include="$PACKAGES" "${hooks[@]}" "$SUITE" "$work/rootfs.tar" \
  "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" "deb $SECURITY_MIRROR $SUITE-security main" >&2
mv "$work/rootfs.tar" "$out"
# older rootfs tarballs of this script (another key) are replaced
find "$CACHE" -maxdepth 1 -name "debian-$SUITE-runtime-*.tar" ! -path "$out" -delete
echo "$out"
