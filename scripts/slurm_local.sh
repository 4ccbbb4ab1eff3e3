#!/usr/bin/env bash
# A real, single-node Slurm cluster on localhost, for the Slurm end-to-end test
# (tests/slurm/slurm_array_test.sh) and for trying `xbarsim sweep plan --slurm --submit` by hand.
#
#   scripts/slurm_local.sh start <state-dir>   start munged, slurmctld and slurmd; wait until the node is idle
#   scripts/slurm_local.sh stop  <state-dir>   cancel all jobs, shut the daemons down (never fails)
#   scripts/slurm_local.sh env   <state-dir>   print `export SLURM_CONF=<state-dir>/slurm.conf`
#
# Every Slurm command (sbatch, squeue, scontrol, ...) talks to this cluster only with
# SLURM_CONF=<state-dir>/slurm.conf in its environment:  eval "$(scripts/slurm_local.sh env DIR)"
# Env SLURM_LOCAL_PORT picks slurmctld's port (default 16817; slurmd uses the next one).
#
# This is a test/demo cluster: everything (munge key and socket, config, state, spool, logs) lives
# in <state-dir>; the daemons run as the calling user (SlurmUser=SlurmdUser=that user; tested as
# root, in a container), with no accounting, no cgroups and no systemd. A real cluster needs none
# of this script: there, `xbarsim sweep plan --slurm --submit` just uses the site's sbatch.
#
# Needs Slurm (slurmctld, slurmd, client tools) and munge; on Debian/Ubuntu:
#   apt-get install slurm-wlm munge
set -euo pipefail

# The daemons live in sbin, which a non-root PATH often lacks.
export PATH="$PATH:/usr/sbin:/sbin"

die() { echo "slurm_local: $*" >&2; exit 2; }

usage() { die "usage: $0 start|stop|env <state-dir>"; }

[[ $# -eq 2 ]] || usage
cmd=$1
[[ -n $2 ]] || usage
mkdir_or_die() { mkdir -p "$1" || die "cannot create $1"; }

if [[ $cmd == start ]]; then
  for bin in munged slurmctld slurmd sbatch scontrol sinfo squeue scancel; do
    command -v "$bin" >/dev/null 2>&1 || die "'$bin' not found: install Slurm and munge (apt-get install slurm-wlm munge)"
  done
fi
case $cmd in
  start) mkdir_or_die "$2" ;;
  stop|env) ;;
  *) usage ;;
esac
# Absolute path: the config and the daemons must not depend on the caller's directory.
dir=$(cd "$2" 2>/dev/null && pwd -P) || { [[ $cmd == stop ]] && exit 0; die "no such directory: $2"; }
conf=$dir/slurm.conf

if [[ $cmd == env ]]; then
  echo "export SLURM_CONF=$conf"
  exit 0
fi

# --- helpers ---------------------------------------------------------------------------------------

# pid_of FILE NAME: the pid in FILE if that process is alive and is NAME (guards against pid reuse).
pid_of() {
  local pid comm
  [[ -r $1 ]] || return 1
  pid=$(tr -dc '0-9' <"$1")
  [[ -n $pid ]] || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  [[ $comm == "$2"* ]] || return 1
  echo "$pid"
}

# wait_gone SECONDS PID...: wait until all PIDs have exited; kill -9 what is left after SECONDS.
wait_gone() {
  local limit=$1 pid alive i
  shift
  for ((i = 0; i < limit * 10; i++)); do
    alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || return 0
    sleep 0.1
  done
  for pid in "$@"; do kill -9 "$pid" 2>/dev/null || true; done
  sleep 0.2
}

# The socket paths (munge's, and slurmstepd's in the spool folder) must fit in a Unix socket
# address (108 bytes). For a deep state dir, reach it through a short symlink in /tmp instead.
# The alias, if any, is recorded as the symlink <state-dir>/short-link.path.
short_base() {
  if [[ -L $dir/short-link.path ]]; then
    readlink "$dir/short-link.path"
  else
    echo "$dir"
  fi
}

stop_cluster() {
  local ctld slurmd munged pids=() base i
  base=$(short_base)
  ctld=$(pid_of "$dir/slurmctld.pid" slurmctld) || ctld=
  slurmd=$(pid_of "$dir/slurmd.pid" slurmd) || slurmd=
  munged=$(pid_of "$dir/munge/munged.pid" munged) || munged=
  if [[ -n $ctld && -f $conf ]]; then
    # Cancel every job first: slurmd leaves running steps alive when it shuts down.
    SLURM_CONF=$conf scancel --quiet --partition=local 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      [[ -z $(SLURM_CONF=$conf squeue -h -o %i 2>/dev/null) ]] && break
      sleep 0.1
    done
    SLURM_CONF=$conf scontrol shutdown >/dev/null 2>&1 || true
  fi
  [[ -n $ctld ]] && pids+=("$ctld")
  [[ -n $slurmd ]] && pids+=("$slurmd")
  if [[ -n $slurmd && -z $ctld ]]; then
    kill -TERM "$slurmd" 2>/dev/null || true # no controller to relay the shutdown
  fi
  ((${#pids[@]} == 0)) || wait_gone 10 "${pids[@]}"
  if [[ -n $munged ]]; then
    munged -s --socket="$base/munge-run/munge.socket" >/dev/null 2>&1 || kill -TERM "$munged" 2>/dev/null || true
    wait_gone 10 "$munged"
  fi
  if [[ -L $dir/short-link.path ]]; then
    rm -f "$(readlink "$dir/short-link.path")" "$dir/short-link.path"
  fi
}

# --- stop ------------------------------------------------------------------------------------------

if [[ $cmd == stop ]]; then
  stop_cluster
  exit 0
fi

# --- start -----------------------------------------------------------------------------------------

stop_cluster # a cluster from this state dir may still run

port=${SLURM_LOCAL_PORT:-16817}
if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65534)); then
  die "SLURM_LOCAL_PORT must be a port number, not '$port'"
fi
for p in "$port" $((port + 1)); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    die "port $p on 127.0.0.1 is in use (another cluster?); pick others with SLURM_LOCAL_PORT=<port>"
  fi
done

host=$(hostname -s) || die "hostname -s failed"
cpus=$(nproc)
mem_mib=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 / 2 }' /proc/meminfo)
user=$(id -un)

# Fresh state every time: a stale job or node state from an earlier run must not leak in.
rm -rf "$dir/state" "$dir/spool" "$dir/log" "$dir/munge" "$dir/munge-run" "$conf"
mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$dir/munge" "$dir/munge-run"
chmod 700 "$dir/munge"     # munged refuses a key in a folder others can read or write
chmod 755 "$dir/munge-run" # ... and wants the socket's folder searchable by all

# Long state dir: take a short alias for the socket-holding paths (see short_base).
base=$dir
if ((${#dir} > 60)); then
  base=$(mktemp -u /tmp/xbs-slurm.XXXXXX)
  ln -s "$dir" "$base"
  ln -sfn "$base" "$dir/short-link.path"
fi
socket=$base/munge-run/munge.socket

# A fresh random munge key: this cluster trusts nobody else.
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/munge.key"

show_logs() {
  local f
  for f in "$dir/munge/munged.log" "$dir/log/slurmctld.log" "$dir/log/slurmd.log"; do
    [[ -f $f ]] || continue
    echo "--- tail of $f" >&2
    tail -n 20 "$f" >&2
  done
}
fail_start() {
  echo "slurm_local: $*" >&2
  show_logs
  stop_cluster
  exit 1
}

# -f: run even though the state dir may sit below a world-writable folder such as /tmp.
munged -f --key-file="$dir/munge/munge.key" --socket="$socket" --log-file="$dir/munge/munged.log" \
  --pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/munged.seed" ||
  fail_start "munged failed to start"

cat >"$conf" <<EOF
# Generated by scripts/slurm_local.sh: a single-node test cluster on localhost.
ClusterName=xbarsim
SlurmctldHost=$host(127.0.0.1)
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$dir/state
SlurmdSpoolDir=$base/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SlurmdTimeout=60
InactiveLimit=0
MinJobAge=300
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mib State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

export SLURM_CONF=$conf
slurmctld -c -f "$conf" || fail_start "slurmctld failed to start"
slurmd -f "$conf" -N "$host" || fail_start "slurmd failed to start"

# The node turns idle once slurmd has registered with slurmctld.
for ((i = 0; i < 300; i++)); do
  state=$(sinfo -h -o %T 2>/dev/null || true)
  [[ $state == idle ]] && break
  sleep 0.1
done
[[ $state == idle ]] || fail_start "the node did not become idle within 30 s (sinfo says '${state:-nothing}')"

echo "slurm_local: cluster up ($cpus cores), export SLURM_CONF=$conf"
