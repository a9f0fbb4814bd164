#!/usr/bin/env bash
# Installs and builds everything xtrace needs on a fresh Debian 12 machine, as root.
# Idempotent: run it again after pulling. Steps: Debian packages, npm packages, BPF
# objects, the libbpf addon, the compiled JavaScript, the lab's relay, the nested lab's kernels
# and VM image, the release test's Debian root, the container engine for integration tests.
# Starts no service.
set -euo pipefail
cd "$(dirname "$0")"

log() { printf '\n== %s\n' "$*"; }

# Node.js >= 20 with npm, checked before anything is installed: Debian 12's own nodejs is 18,
# on which npm install and the build would fail deep inside (package.json "engines").
NODE_MIN_MAJOR=20
node_missing() {
  printf '%s\n' \
    "setup.sh: xtrace needs Node.js >= $NODE_MIN_MAJOR with npm; $1." \
    "Debian 12's own nodejs package is 18. Install Node.js $NODE_MIN_MAJOR or newer, then run ./setup.sh again:" \
    "  - NodeSource's Debian packages (node with npm):" \
    "      curl -fsSL https://deb.nodesource.com/setup_$NODE_MIN_MAJOR.x | bash - && apt-get install -y nodejs" \
    "  - or Debian 13 (trixie), whose nodejs is 20: apt-get install nodejs npm" \
    "Nothing was installed or changed." >&2
  exit 2
}
command -v node > /dev/null 2>&1 || node_missing "there is no 'node' on PATH"
node_version=$(node --version 2>/dev/null || true)
node_major=$(printf '%s' "$node_version" | sed -n 's/^v\([0-9][0-9]*\)\..*/\1/p')
if [ -z "$node_major" ] || [ "$node_major" -lt "$NODE_MIN_MAJOR" ]; then
  node_missing "found ${node_version:-a node that prints no version} at $(command -v node)"
fi
command -v npm > /dev/null 2>&1 || node_missing "found node $node_version but no 'npm' on PATH"

if [ "$(id -u)" -ne 0 ]; then
  echo "setup.sh: run as root (it installs Debian packages and the tests load BPF)" >&2
  exit 2
fi

PACKAGES=(
  clang llvm libbpf-dev libelf-dev zlib1g-dev pkg-config make gcc g++ python3
  bpftool iproute2 nftables iputils-ping ethtool
  nats-server podman runc
  # the release test's clean Debian root and the OCI image's base (deploy/debian-rootfs.sh)
  mmdebstrap
  bpftrace linux-perf
  # reads back `xtrace pair --pcap` files (test/e2e/pcap.test.ts, controller/src/pcap/pcapng-writer.test.ts)
  tshark
  # systemd-analyze (test/integration/systemd-units.test.ts verifies deploy/'s units)
  systemd
  # the nested lab (test/lab/nested): Debian kernels as QEMU hypervisors with Open vSwitch and KVM guests
  qemu-system-x86 openvswitch-switch socat busybox-static cpio kmod xz-utils zstd libc6-dev util-linux
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Debian's policy-rc.d: while it exits 101, package scripts start no service. openvswitch-switch's
# would start OVS on this machine, which needs none (the nested lab runs OVS inside its guests).
# An existing policy is left as it is.
POLICY_RC=/usr/sbin/policy-rc.d
without_service_starts() {
  if [ -e "$POLICY_RC" ]; then "$@"; return; fi
  printf '#!/bin/sh\n# setup.sh: no service starts while it installs packages\nexit 101\n' > "$POLICY_RC"
  chmod 755 "$POLICY_RC"
  trap 'rm -f "$POLICY_RC"' EXIT
  local rc=0
  "$@" || rc=$?
  rm -f "$POLICY_RC"
  trap - EXIT
  return $rc
}

if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  apt-get update -q
  without_service_starts env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  if [[ " ${missing[*]} " == *" openvswitch-switch "* ]] && [ -d /run/systemd/system ]; then
    # installed just now: not started, and not at the next boot either
    systemctl disable openvswitch-switch.service ovs-vswitchd.service ovsdb-server.service > /dev/null 2>&1 || true
  fi
fi

# npm install, not npm ci: the registry here lacks some other-platform optional packages
# (rollup's and msgpackr-extract's darwin/win32 builds at the locked versions), which
# npm ci's lock-sync check rejects though nothing on Linux needs them. The lock still
# pins every package that is installed.
log "npm install (from package-lock.json)"
npm install --no-audit --no-fund

log "BPF objects (bpf/build)"
make -C bpf

log "native addon (native/build)"
# node-gyp builds against the installed Node's headers, never a download (no internet)
if [ -f /usr/include/node/node_api.h ]; then export npm_config_nodedir=/usr; fi
npm run build -w @xtrace/native

log "compiled JavaScript (tsc -b: each package's dist/, what cli/bin/xtrace.js runs; npm test and npm run bench rebuild what changed)"
npm run build

if [ -f test/lab/relay/Makefile ]; then
  log "lab relay (test/lab/relay/build)"
  make -C test/lab/relay
fi

log "nested lab: the hypervisors' Debian kernels and the VM image (test/lab/nested, cache ${XTRACE_NESTED_DIR:-/var/cache/xtrace/nested})"
# the newest debian-6.1 and debian-6.12 in apt's lists, fetched once (a newer one replaces it)
for kernel in debian-6.1 debian-6.12; do
  echo "$kernel: $(test/lab/nested/fetch-kernel.sh "$kernel")"
done
test/lab/nested/build-vm-image.sh > /dev/null

log "a clean Debian root for the release test and image (deploy/debian-rootfs.sh, cache ${XTRACE_RELEASE_CACHE:-/var/cache/xtrace/release})"
deploy/debian-rootfs.sh > /dev/null

if [ -x test/support/podman-setup.sh ]; then
  log "container engine for integration tests"
  test/support/podman-setup.sh || echo "podman set-up failed: integration tests will use the nats-server process" >&2
fi

log "done: run the tests with 'npm test', see it work with 'npx xtrace demo'"
