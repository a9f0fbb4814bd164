#!/usr/bin/env bash
# Idempotent podman set-up for the integration tests (testcontainers over podman's Docker API).
#  - /etc/containers/containers.conf: OCI runtime (runc when installed, else crun), cgroupfs, no default ulimits
#  - podman system service on unix:///run/podman/podman.sock (left running; pid in /run/podman/xtrace-service.pid)
#  - image localhost/xtrace-nats:<version> built FROM scratch out of the host's /usr/sbin/nats-server and its libc
#    (nothing is pulled from a registry)
# Exports nothing; tests use DOCKER_HOST=unix:///run/podman/podman.sock TESTCONTAINERS_RYUK_DISABLED=true.
set -euo pipefail

SOCK=/run/podman/podman.sock
NATS_BIN=${NATS_BIN:-/usr/sbin/nats-server}
IMAGE_REPO=localhost/xtrace-nats

command -v podman >/dev/null || { echo "podman-setup: podman not installed" >&2; exit 1; }
[ -x "$NATS_BIN" ] || { echo "podman-setup: $NATS_BIN not found" >&2; exit 1; }

runtime=runc
command -v runc >/dev/null || runtime=crun

conf=/etc/containers/containers.conf
marker="# managed by xtrace test/support/podman-setup.sh"
if [ ! -f "$conf" ] || grep -qF "$marker" "$conf"; then
  want="$marker
[containers]
default_ulimits = []

[engine]
runtime = \"$runtime\"
cgroup_manager = \"cgroupfs\"
"
  if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$(printf '%s' "$want")" ]; then
    mkdir -p /etc/containers
    printf '%s' "$want" > "$conf"
    echo "podman-setup: wrote $conf (runtime=$runtime)"
    # a running service read the old configuration: restart ours
    if [ -f /run/podman/xtrace-service.pid ] && kill -0 "$(cat /run/podman/xtrace-service.pid)" 2>/dev/null; then
      kill "$(cat /run/podman/xtrace-service.pid)"; sleep 0.5
    fi
  fi
else
  # someone else's containers.conf: add a drop-in instead of editing it
  mkdir -p /etc/containers/containers.conf.d
  printf '%s\n[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "%s"\ncgroup_manager = "cgroupfs"\n' \
    "$marker" "$runtime" > /etc/containers/containers.conf.d/50-xtrace.conf
fi

# API service
mkdir -p /run/podman
# A service started from a directory that was removed since (an earlier clone) answers pings
# but cannot start containers (conmon: "Failed to get working directory"): restart it.
pidfile=/run/podman/xtrace-service.pid
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && readlink "/proc/$(cat "$pidfile")/cwd" | grep -q '(deleted)'; then
  echo "podman-setup: restarting the podman service (its working directory was removed)"
  kill "$(cat "$pidfile")"; sleep 0.5
fi
if ! curl -sf --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1; then
  rm -f "$SOCK"
  (
    cd /   # the service's working directory must outlive this checkout
    # The service outlives this script: it must not keep the caller's descriptors (a flock(1) lock, a CI pipe) open.
    for fd in $(ls /proc/$BASHPID/fd 2>/dev/null); do
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    nohup podman system service --time=0 "unix://$SOCK" >/run/podman/xtrace-service.log 2>&1 &
    echo $! > "$pidfile"
  )
  for _ in $(seq 1 50); do
    curl -sf --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -sf --unix-socket "$SOCK" http://d/_ping >/dev/null || { echo "podman-setup: service did not come up" >&2; exit 1; }
  echo "podman-setup: podman service on $SOCK (pid $(cat /run/podman/xtrace-service.pid))"
fi

# Image
version=$("$NATS_BIN" --version | sed -n 's/.*v\([0-9.]*\).*/\1/p')
# bump IMAGE_REV when the Containerfile changes (the image is rebuilt only when its tag is missing)
IMAGE_REV=2
image="$IMAGE_REPO:$version-r$IMAGE_REV"
if ! podman image exists "$image"; then
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' EXIT
  mkdir -p "$ctx/root/usr/sbin" "$ctx/root/tmp"
  cp "$NATS_BIN" "$ctx/root/usr/sbin/nats-server"
  # copy the dynamic loader and every library ldd lists (empty for a static binary)
  for lib in $(ldd "$NATS_BIN" 2>/dev/null | grep -o '/[^ ]*' || true); do
    mkdir -p "$ctx/root$(dirname "$lib")"
    cp -L "$lib" "$ctx/root$lib"
  done
  cat > "$ctx/Containerfile" <<'CF'
FROM scratch
COPY root/ /
# no EXPOSE: testcontainers (11) waits for every exposed port to be bound, and podman lists image ports unbound
ENTRYPOINT ["/usr/sbin/nats-server"]
CMD ["-js", "-sd", "/tmp/js", "-m", "8222"]
CF
  podman build -q -t "$image" -f "$ctx/Containerfile" "$ctx" >/dev/null
  echo "podman-setup: built $image"
fi
echo "podman-setup: ok ($image, DOCKER_HOST=unix://$SOCK)"
