#!/usr/bin/env bash
# Stops the cluster started by start-cluster.sh STATE_DIR (slurmd, slurmctld, munged).
set -uo pipefail
STATE=${1:?usage: stop-cluster.sh STATE_DIR}
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
for d in slurmd slurmctld munged; do
  pidfile="$STATE/run/$d.pid"
  [ -f "$pidfile" ] && $SUDO kill "$(cat "$pidfile")" 2>/dev/null
done
sleep 1
exit 0
