#!/usr/bin/env bash
# A single-node Slurm cluster on loopback, for the grid test: munged, slurmctld and slurmd, all
# state in the directory given (created if needed). Installs Debian's slurm-wlm and munge when
# missing (needs root or sudo). Prints the SLURM_CONF path to use; stop with stop-cluster.sh.
# Usage: scripts/slurm/start-cluster.sh STATE_DIR
set -euo pipefail
STATE=$(mkdir -p "${1:?usage: start-cluster.sh STATE_DIR}" && cd "$1" && pwd)
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq slurm-wlm munge >/dev/null
fi
mkdir -p "$STATE"/{spool,state,log,run}

# munge: a key, a private socket directory, the daemon (as root, --force: this is a throwaway node).
if [ ! -s "$STATE/munge.key" ]; then dd if=/dev/urandom of="$STATE/munge.key" bs=1024 count=1 status=none; chmod 400 "$STATE/munge.key"; fi
mkdir -p "$STATE/munge" && chmod 700 "$STATE/munge"
$SUDO munged --force --key-file="$STATE/munge.key" --socket="$STATE/munge/munge.socket" \
  --pid-file="$STATE/run/munged.pid" --log-file="$STATE/log/munged.log" --seed-file="$STATE/munge/seed"

CPUS=$(nproc)
MEM=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.8 }' /proc/meminfo)
CONF="$STATE/slurm.conf"
cat > "$CONF" <<CONF
ClusterName=sparsessnet
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$STATE/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$STATE/state
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/run/slurmctld.pid
SlurmdPidFile=$STATE/run/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$CONF"
$SUDO env SLURM_CONF="$CONF" slurmctld
$SUDO env SLURM_CONF="$CONF" slurmd -N localhost
for _ in $(seq 1 60); do
  state=$(sinfo -h -N -o %T 2>/dev/null | head -1 || true)
  if [ "$state" = "idle" ]; then echo "$CONF"; exit 0; fi
  sleep 1
done
echo "start-cluster.sh: the node did not become idle (state '${state:-none}'); logs in $STATE/log" >&2
tail -n 20 "$STATE"/log/*.log >&2 || true
exit 1
