#!/usr/bin/python3
"""control-server.py PORT_DEVICE: a hypervisor's control channel (started by hypervisor-init.sh).

PORT_DEVICE is the virtio-serial port the host's QEMU joins to a unix socket
(/dev/virtio-ports/xtrace.control). Messages are JSON, one per line, both ways:

  host -> guest  {"id": N, "op": "exec", "script": "...", "timeoutMs": T}
                 {"id": N, "op": "vm", "vm": J, "script": "...", "timeoutMs": T}   (in VM J, vm_console.py)
                 {"id": N, "op": "ping"}
                 {"id": N, "op": "poweroff"}
  guest -> host  {"event": "hello", "uptime_s": U}                  (once, when the server starts)
                 {"id": N, "code": C, "signal": S, "timedOut": B, "stdout": "...", "stderr": "...", "ms": M}
                                                                   (exec and vm; a vm's stderr is the
                                                                    console's own error, its script's
                                                                    stderr is in stdout)
                 {"id": N, "pong": true, "uptime_s": U}
                 {"id": N, "poweroff": true}                        (then the server exits 0 and
                                                                     hypervisor-init.sh powers off)
                 {"id": N, "error": "..."}                          (an op it does not know)
Each exec runs `bash SCRIPT` as root in its own session and thread, so commands run
concurrently; stdout and stderr go to files, not pipes, so a daemon the script leaves behind
cannot hold the answer back. At the timeout the whole session is killed. Event-driven: no
polling, which under TCG would cost the hypervisor's only vCPU.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

from vm_console import NO_ANSWER, run_in_vm

MAX_OUTPUT = 1 << 20  # bytes of stdout/stderr returned per command (the tail beyond that)


def uptime_s() -> float:
    with open("/proc/uptime") as f:
        return float(f.read().split()[0])


class Channel:
    def __init__(self, path: str):
        self.fd = os.open(path, os.O_RDWR)
        self.lock = threading.Lock()

    def send(self, message: dict) -> None:
        data = (json.dumps(message) + "\n").encode()
        with self.lock:
            try:
                while data:
                    data = data[os.write(self.fd, data):]
            except OSError as e:  # the host side is gone: nobody to answer
                print(f"control-server: write: {e}", file=sys.stderr)

    def lines(self):
        pending = b""
        while True:
            chunk = os.read(self.fd, 65536)
            if not chunk:  # no host connected: virtio-serial reads return 0 at once, so wait
                time.sleep(0.25)
                continue
            pending += chunk
            *lines, pending = pending.split(b"\n")
            yield from lines


def read_tail(f) -> str:
    f.seek(0, os.SEEK_END)
    size = f.tell()
    f.seek(max(0, size - MAX_OUTPUT))
    return f.read().decode(errors="replace")


def run(channel: Channel, ident: int, script: str, timeout_ms: int) -> None:
    started = time.monotonic()
    reply = {"id": ident, "code": None, "signal": None, "timedOut": False}
    with tempfile.NamedTemporaryFile("w", suffix=".sh", dir="/run/xtrace-nested") as src, \
            tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        src.write(script)
        src.flush()
        try:
            proc = subprocess.Popen(["bash", src.name], stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    start_new_session=True, cwd="/root")
            try:
                proc.wait(timeout=timeout_ms / 1000)
            except subprocess.TimeoutExpired:
                reply["timedOut"] = True
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            if proc.returncode < 0:
                reply["signal"] = signal.Signals(-proc.returncode).name
            else:
                reply["code"] = proc.returncode
        except OSError as e:
            err.write(f"control-server: cannot run the script: {e}\n".encode())
        reply["stdout"] = read_tail(out)
        reply["stderr"] = read_tail(err)
    reply["ms"] = round((time.monotonic() - started) * 1000)
    channel.send(reply)


# one exchange at a time per VM console (QEMU serves one connection per chardev)
vm_locks: dict[int, threading.Lock] = {}


def run_vm(channel: Channel, ident: int, vm: int, script: str, timeout_ms: int) -> None:
    started = time.monotonic()
    with vm_locks.setdefault(vm, threading.Lock()):
        code, output, error = run_in_vm(f"{os.environ['XN_RUN']}/vm{vm}.sock", max(1, timeout_ms // 1000), script)
    channel.send({"id": ident, "code": code, "signal": None, "timedOut": code == NO_ANSWER, "stdout": output,
                  "stderr": error, "ms": round((time.monotonic() - started) * 1000)})


def dispatch(channel: Channel, msg: dict) -> bool:
    """Starts or answers one request; False when the host asked to power off."""
    ident, op = msg["id"], msg["op"]
    timeout_ms = int(msg.get("timeoutMs", 60000))
    if op == "exec":
        threading.Thread(target=run, args=(channel, ident, str(msg["script"]), timeout_ms), daemon=True).start()
    elif op == "vm":
        threading.Thread(target=run_vm, args=(channel, ident, int(msg["vm"]), str(msg["script"]), timeout_ms),
                         daemon=True).start()
    elif op == "ping":
        channel.send({"id": ident, "pong": True, "uptime_s": uptime_s()})
    elif op == "poweroff":
        channel.send({"id": ident, "poweroff": True})
        return False
    else:
        channel.send({"id": ident, "error": f"unknown op {op!r}"})
    return True


def main() -> int:
    channel = Channel(sys.argv[1])
    channel.send({"event": "hello", "uptime_s": uptime_s()})
    for raw in channel.lines():
        try:
            msg = json.loads(raw)
        except ValueError:
            print(f"control-server: ignoring a line that is not JSON: {raw[:200]!r}", file=sys.stderr)
            continue
        try:
            if not dispatch(channel, msg):
                return 0
        except (KeyError, TypeError, ValueError) as e:
            ident = msg.get("id") if isinstance(msg, dict) else None
            channel.send({"id": ident, "error": f"malformed request: {e!r}"})
    return 1


if __name__ == "__main__":
    sys.exit(main())
