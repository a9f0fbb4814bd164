#!/usr/bin/python3
"""Runs a script in a nested-lab VM over its serial console.

The console is a QEMU chardev unix socket (QEMU is the server; its logfile= keeps everything the
VM printed). The protocol is vm-init.sh's: write "ID TIMEOUT_S BASE64(SCRIPT)", read what the VM
printed between "XG-BEGIN ID" and "XG-END ID RC". QEMU serves one connection per chardev, so a
VM takes one caller at a time.

control-server.py imports run_in_vm (op "vm"), which spares a python3 start per command (over a
second under TCG); run as a program it is the same for a shell in the hypervisor:
    vm_console.py SOCKET TIMEOUT_S SCRIPT     (prints the output, exits with the script's code)
"""
import base64
import os
import socket
import sys
import time

# the VM's tty reads lines of at most 4095 bytes (canonical mode)
MAX_LINE = 4000
# exit codes of a failed exchange (the script's own codes pass through)
NO_ANSWER = 124
CONSOLE_GONE = 125


def run_in_vm(path: str, timeout_s: int, script: str) -> tuple[int, str, str]:
    """Returns (exit code, output, error of the exchange itself or "")."""
    ident = os.urandom(6).hex()
    line = f"{ident} {timeout_s} {base64.b64encode(script.encode()).decode()}\n".encode()
    if len(line) > MAX_LINE:
        return 2, "", f"script too long for the console ({len(line)} > {MAX_LINE} bytes encoded)"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(path)
        except OSError as e:
            return CONSOLE_GONE, "", f"cannot connect to the VM's console {path}: {e}"
        sock.sendall(line)
        begin, end = f"XG-BEGIN {ident}", f"XG-END {ident} "
        # the VM kills the script at timeout_s; 5 s more for the console itself
        deadline = time.monotonic() + timeout_s + 5
        pending, inside, out = b"", False, []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return NO_ANSWER, "".join(out), f"no answer from the VM in {timeout_s + 5} s"
            sock.settimeout(left)
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                return CONSOLE_GONE, "".join(out), "the VM's console closed (its QEMU exited?)"
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for raw in lines:
                text = raw.decode(errors="replace").rstrip("\r")
                if not inside:
                    inside = text == begin
                elif text.startswith(end):
                    return int(text[len(end):] or 1), "".join(out), ""
                else:
                    out.append(text + "\n")


def main() -> int:
    code, output, error = run_in_vm(sys.argv[1], int(sys.argv[2]), sys.argv[3])
    sys.stdout.write(output)
    if error:
        print(f"vm_console: {error}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
