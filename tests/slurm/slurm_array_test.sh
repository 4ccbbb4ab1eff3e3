#!/usr/bin/env bash
# End-to-end test of sweeps under a real Slurm scheduler:
#
#   tests/slurm/slurm_array_test.sh <xbarsim-binary> <source-dir> <work-dir>
#
# It starts a single-node cluster on localhost (scripts/slurm_local.sh), runs a reduced LeNet-5
# crossbar sweep (10 points) once on this machine and once as a 4-shard Slurm array job plus a
# merge job (`xbarsim sweep plan --slurm --submit`), requeues one shard while it runs (what a
# preemption or a node failure does), and checks that
#   - the cluster's results.csv equals the single-machine one byte for byte,
#   - the requeued shard picked up where it stopped: its second start found points already done,
#     and no finished point was computed twice.
# Exit status: 0 pass, 77 skipped (no Slurm/munge installed, unless env CI is set), else fail.
# Env SLURM_LOCAL_PORT moves the cluster's ports (default here 16827/16828, so that the test does not
# clash with a cluster started by hand on slurm_local.sh's default ports).
set -euo pipefail

# The Slurm and munge daemons live in sbin, which a non-root PATH often lacks.
export PATH="$PATH:/usr/sbin:/sbin"

name=slurm_array_test
fail() { echo "$name: FAIL: $*" >&2; exit 1; }

[[ $# -eq 3 ]] || { echo "usage: $0 <xbarsim-binary> <source-dir> <work-dir>" >&2; exit 2; }

# --- 1. tools ------------------------------------------------------------------------------------
# Without Slurm the test cannot run: a skip on a developer machine, a failure in CI (where the
# environment is meant to have it, so a silent skip would hide a broken setup).
missing=()
for bin in slurmctld slurmd munged sbatch squeue scontrol python3; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
done
if ((${#missing[@]})); then
  [[ -n ${CI:-} ]] && fail "CI is set but ${missing[*]} not found (install slurm-wlm, munge and python3)"
  echo "$name: SKIP: ${missing[*]} not found (install slurm-wlm, munge and python3 to run it)"
  exit 77
fi

xbarsim=$(realpath -m "$1") # the job scripts run it from elsewhere
src=$(realpath -m "$2")
[[ -x $xbarsim ]] || fail "xbarsim binary $1 is not executable"
[[ -x $src/scripts/slurm_local.sh ]] || fail "$2 is not the source dir (no scripts/slurm_local.sh)"
mkdir -p "$3" || fail "cannot create the work dir $3"
work=$(realpath "$3")

limit=600 # seconds for the whole test; every wait below is bounded by it
deadline=$((SECONDS + limit))
cluster=$work/cluster
single=$work/single
run=$work/cluster_run
logs=$run/slurm/logs
spec=$work/spec.json

# Settings a surrounding job or the user's shell may carry would redirect or alter our submissions.
while read -r var; do unset "$var"; done < <(compgen -v | grep -E '^(SLURM|SBATCH|SALLOC|SRUN)_' || true)
export SLURM_LOCAL_PORT=${SLURM_LOCAL_PORT:-16827}
export SLURM_CONF=$cluster/slurm.conf

# A fresh run: earlier outputs would let a shard skip points or make cmp compare stale files.
rm -rf "$single" "$run" "$spec"

# --- 2. the reduced sweep --------------------------------------------------------------------------
# Fewer images keep it quick; the 10 points (5 crossbar sizes x 2 ADC widths) stay, so that shard 1
# of 4 gets points 1, 5 and 9. The copy lives in <work-dir>, so its workload path is made absolute.
reduce='
import json, sys
source, target, workload = sys.argv[1:]
with open(source) as f:
    spec = json.load(f)
spec.update(images=200, trials=2, plots=[], workload=workload)
points = 1
for axis in spec["axes"]:
    points *= len(axis["values"])
if points != 10:
    sys.exit(f"{source} has {points} points; this test expects 10")
with open(target, "w") as f:
    json.dump(spec, f, indent=2)
'
python3 -c "$reduce" "$src/workloads/experiments/sweep_lenet5_xbar.json" "$spec" "$src/workloads/zoo/lenet5_int8.json" ||
  fail "could not write the reduced sweep spec $spec"

# --- 3. the cluster --------------------------------------------------------------------------------
array=
merge=
# On every exit: on failure, show what the scheduler and the shards said; always stop the daemons.
# (A run killed with SIGKILL leaves them up; the next run's `start` on the same dir stops them.)
cleanup() {
  local status=$? f
  trap - EXIT
  if ((status != 0 && status != 77)); then
    if [[ -n $array || -n $merge ]]; then
      echo "--- job states" >&2
      scontrol show job ${array:+"$array"} -o >&2 2>&1 || true
      [[ -n $merge ]] && { scontrol show job "$merge" -o >&2 2>&1 || true; }
    fi
    for f in "$cluster/log/slurmctld.log" "$cluster/log/slurmd.log"; do
      [[ -f $f ]] && { echo "--- tail of $f" >&2; tail -n 30 "$f" >&2; }
    done
    for f in "$logs"/*; do
      [[ -f $f ]] && { echo "--- $f" >&2; cat "$f" >&2; }
    done
  fi
  "$src/scripts/slurm_local.sh" stop "$cluster" || true
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$src/scripts/slurm_local.sh" start "$cluster" || fail "could not start the local Slurm cluster"

# --- 4. the single-machine reference ---------------------------------------------------------------
timeout $((deadline - SECONDS)) "$xbarsim" sweep "$spec" -o "$single" --jobs 2 --no-plot ||
  fail "the single-machine sweep failed (or ran past the ${limit} s limit)"
[[ -f $single/results.csv ]] || fail "the single-machine sweep wrote no $single/results.csv"

# --- 5. the cluster run ----------------------------------------------------------------------------
"$xbarsim" sweep plan "$spec" --slurm -o "$run" --shards 4 --cpus-per-task 1 --submit --no-plot ||
  fail "xbarsim sweep plan --slurm --submit failed"
[[ -f $run/slurm/jobs.json ]] || fail "sweep plan --submit wrote no $run/slurm/jobs.json"
read -r array merge shards < <(python3 -c '
import json, sys
jobs = json.load(open(sys.argv[1]))
print(jobs["array"], jobs["merge"], jobs["shards"])' "$run/slurm/jobs.json") ||
  fail "cannot read the job ids from $run/slurm/jobs.json"
[[ $shards == 4 ]] || fail "jobs.json says $shards shards, not 4"
echo "$name: submitted array job $array and merge job $merge"

# field JOB NAME: one field (JobState, Reason, Restarts, ...) of `scontrol show job`.
field() {
  scontrol show job "$1" -o 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# --- 6. requeue shard 1 mid-run --------------------------------------------------------------------
# Only a task caught while RUNNING, after it has finished a point but before its last one, tests
# resuming: its finished points must survive the requeue and must not be computed again.
task=${array}_1
log1=$logs/shard-1.log
until [[ $(squeue -h -j "$task" -o %T 2>/dev/null) == RUNNING ]] && grep -qF '[1/' "$log1" 2>/dev/null; do
  ((SECONDS < deadline)) || fail "array task $task did not start and finish a point within ${limit} s"
  case $(field "$task" JobState) in
    COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY)
      fail "array task $task ended ($(field "$task" JobState)) before it could be requeued mid-run" ;;
  esac
  sleep 0.2
done
scontrol requeue "$task" || fail "scontrol requeue $task failed (did the task just finish?)"
echo "$name: requeued $task after: $(grep -F '[' "$log1" | tail -n 1 | sed 's/^ *//')"

# --- 7. wait for the merge -------------------------------------------------------------------------
# A requeued task waits with a BeginTime in the future; release it once the requeue is through
# (an update sent while the task is still COMPLETING does not stick, so repeat it while needed).
while :; do
  ((SECONDS < deadline)) || fail "the merge job $merge did not complete within ${limit} s"
  if [[ $(field "$task" JobState) == PENDING && $(field "$task" Reason) == BeginTime ]]; then
    scontrol update jobid="$task" StartTime=now || true
  fi
  state=$(field "$merge" JobState)
  case $state in
    COMPLETED) break ;;
    FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED)
      fail "the merge job $merge ended $state" ;;
  esac
  [[ $(field "$merge" Reason) == DependencyNeverSatisfied ]] &&
    fail "the merge job $merge will never run: a shard failed (DependencyNeverSatisfied)"
  sleep 0.5
done

# --- 8. checks -------------------------------------------------------------------------------------
[[ -f $run/results.csv ]] || fail "the merge wrote no $run/results.csv"
cmp "$single/results.csv" "$run/results.csv" ||
  fail "the cluster's results.csv differs from the single-machine one"

[[ $(field "$task" Restarts) -ge 1 ]] || fail "Slurm reports no restart of $task"
# The start lines, "  K of M points of shard 1/4 already done; running R ...": one per attempt.
mapfile -t starts < <(grep -F 'already done' "$log1" || true)
((${#starts[@]} == 2)) || fail "$log1 shows ${#starts[@]} shard starts, expected 2 (one requeue)"
done_at() { sed -n 's/^ *\([0-9][0-9]*\) of [0-9][0-9]* points .*already done.*/\1/p' <<<"$1"; }
first=$(done_at "${starts[0]}")
second=$(done_at "${starts[1]}")
[[ $first == 0 ]] || fail "the first start of shard 1 found '${first}' points done, expected 0: '${starts[0]}'"
[[ -n $second && $second -ge 1 ]] ||
  fail "the requeued shard 1 found no finished point to skip: '${starts[1]}'"
# Shard 1 has 3 points: finished-point lines "  [k/R] <id>  <s> s" over both attempts must add up
# to 3, or a point was computed twice (or not at all).
finished=$(grep -cE '^ *\[[0-9]+/[0-9]+\] ' "$log1" || true)
[[ $finished == 3 ]] || fail "$log1 has $finished finished-point lines over both attempts, expected 3"

# --- 9. done ---------------------------------------------------------------------------------------
echo "$name: PASS (10 points, 4 shards, shard 1 requeued after $second of 3 points;" \
  "cluster results.csv == single-machine; $((SECONDS)) s)"
