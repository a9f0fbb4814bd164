#!/bin/bash
# hypervisor-agent.sh start|stop [AGENT_ARG...]: the xtrace agent of a nested-lab hypervisor, the
# project's own CLI from the machine's checkout ($XN_REPO, the same path as on the machine):
#   node $XN_REPO/cli/bin/xtrace.js agent AGENT_ARG...
# The agent inherits this script's environment (the caller sets XTRACE_* variables in front of it).
# It runs in its own session under a small wrapper (the "run" subcommand) that forwards SIGTERM
# and writes "=== agent exited rc=N" when it ends; everything goes to $XN_JOB/agent.log.
# start prints "agent pid N" (the wrapper's, also in $XN_RUN/agent.pid); stop sends SIGTERM and
# kills the session after 10 s.
set -euo pipefail
pidfile=$XN_RUN/agent.pid
log=$XN_JOB/agent.log

case ${1:-} in
  start)
    shift
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2> /dev/null; then
      echo "agent already runs (pid $(cat "$pidfile"))" >&2
      exit 1
    fi
    echo "=== agent start $(date -u +%FT%T.%NZ): $*" >> "$log"
    # not a process group leader here, so setsid execs in place and $! is the session's leader
    setsid "$0" run "$@" >> "$log" 2>&1 < /dev/null &
    echo $! > "$pidfile"
    echo "agent pid $!"
    ;;
  run)
    shift
    cd "$XN_REPO"
    node cli/bin/xtrace.js agent "$@" &
    child=$!
    trap 'kill -TERM "$child" 2> /dev/null' TERM INT
    rc=0
    wait "$child" || rc=$?
    # a trapped signal ends the first wait early: wait for the agent itself
    while kill -0 "$child" 2> /dev/null; do wait "$child" && rc=0 || rc=$?; done
    echo "=== agent exited rc=$rc $(date -u +%FT%T.%NZ)"
    ;;
  stop)
    [ -f "$pidfile" ] || exit 0
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2> /dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2> /dev/null || true
    rm -f "$pidfile"
    ;;
  *) echo "usage: hypervisor-agent.sh start|stop [AGENT_ARG...]" >&2; exit 2 ;;
esac
