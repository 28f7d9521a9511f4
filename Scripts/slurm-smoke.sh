#!/usr/bin/env bash
# Slurm smoke test for `convkit batch --shard auto`: starts a single-node Slurm on this machine
# (munged, slurmctld and slurmd on localhost; no cgroups: proctrack/linuxproc, task/none), submits
# the README's job-array script (section "Batch and scale-out") on a small folder, and checks that
# the shards' union is every input exactly once.
#
#   Scripts/slurm-smoke.sh [--install]     # --install: apt-get install slurm-wlm munge if missing
#
# Exit status: 0 passed; 1 failed (Slurm ran, the result is wrong); 77 skipped (Slurm is not
# installed or cannot start here; the reason is printed). Needs root (it starts munged and slurmd).
# CONVKIT_BIN=path/to/convkit uses that binary instead of building one; CONVKIT_SLURM_KEEP=1 keeps
# the work folder (configuration, daemon logs, manifests) for a look afterwards.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

say() { echo "slurm-smoke: $*"; }
skip() { say "SKIPPED: $*"; exit 77; }
fail() { say "FAILED: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "needs root to start munged, slurmctld and slurmd"
if [ "${1:-}" = "--install" ] && ! command -v slurmctld >/dev/null; then
    say "installing slurm-wlm and munge"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        slurm-wlm munge) >/tmp/slurm-smoke-apt.log 2>&1 || skip "apt-get install slurm-wlm munge failed (see /tmp/slurm-smoke-apt.log)"
fi
for tool in munged slurmctld slurmd sbatch sinfo scontrol; do
    command -v "$tool" >/dev/null || skip "$tool is not installed (apt-get install slurm-wlm munge, or pass --install)"
done

# The binary: given, or built (debug, like the tests).
if [ -n "${CONVKIT_BIN:-}" ]; then
    bin=$CONVKIT_BIN
else
    swift build --product convkit >/tmp/slurm-smoke-build.log 2>&1 || fail "swift build failed (see /tmp/slurm-smoke-build.log)"
    bin="$(swift build --show-bin-path)/convkit"
fi
[ -x "$bin" ] || fail "no convkit binary at $bin"

work=$(mktemp -d /tmp/convkit-slurm.XXXXXX)
pids=()
cleaned=""
cleanup() {
    [ -z "$cleaned" ] || return 0
    cleaned=1
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    sleep 1
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
    if [ -n "${CONVKIT_SLURM_KEEP:-}" ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'say "stopped by a signal"; cleanup; exit 1' INT TERM

# munge: its own key, socket and state, so a munged already running is left alone.
mkdir -p "$work/munge" && chmod 700 "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
sock="$work/munge/munge.socket"
munged --force --key-file="$work/munge/munge.key" --socket="$sock" --pid-file="$work/munge/munged.pid" \
    --log-file="$work/munge/munged.log" --seed-file="$work/munge/seed" 2>"$work/munge/start.err" \
    || skip "munged does not start: $(cat "$work/munge/start.err" "$work/munge/munged.log" 2>/dev/null | tail -2)"
sleep 0.5
pids+=("$(cat "$work/munge/munged.pid" 2>/dev/null)")

# slurm.conf for one node, this machine, every core.
host=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
mkdir -p "$work/spool/ctld" "$work/spool/d" "$work/log"
port=$((16000 + RANDOM % 1000))
cat >"$work/slurm.conf" <<CONF
ClusterName=convkit-smoke
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
StateSaveLocation=$work/spool/ctld
SlurmdSpoolDir=$work/spool/d
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=smoke Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"

slurmctld -D -i -f "$SLURM_CONF" >"$work/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$work/log/slurmd.out" 2>&1 &
pids+=($!)
why() { tail -3 "$work/log/slurmctld.log" "$work/log/slurmd.log" "$work/log/slurmctld.out" "$work/log/slurmd.out" 2>/dev/null | sed 's/^/    /'; }
for _ in $(seq 1 30); do
    state=$(sinfo -h -N -o '%T' 2>/dev/null | head -1)
    [ "$state" = "idle" ] && break
    for p in "${pids[@]:1}"; do kill -0 "$p" 2>/dev/null || { why; skip "a Slurm daemon exited at start (logs above)"; }; done
    sleep 1
done
[ "$state" = "idle" ] || { why; skip "the node did not come up idle within 30 s (state: ${state:-none}; logs above)"; }
say "Slurm $(sinfo -V | awk '{print $2}') up: node $host, $cpus CPUs, partition smoke"

# A small folder: 14 images in two subfolders, one corrupt file kept out (a failure is tested elsewhere).
mkdir -p "$work/in/a" "$work/in/b" "$work/out"
i=0
for f in Fixtures/corpus/png/basn*.png Fixtures/corpus/jpeg/orientation_*.jpg; do
    [ $i -lt 14 ] || break
    cp "$f" "$work/in/$([ $((i % 2)) -eq 0 ] && echo a || echo b)/$i-$(basename "$f")"
    i=$((i + 1))
done

# The README's sbatch script, taken from the fenced block after the slurm-array marker.
awk '/<!-- slurm-array.sbatch -->/ {f=1; next} f && /^```/ {if (n++) exit; next} f' README.md >"$work/convkit-array.sbatch"
grep -q -- '--shard auto' "$work/convkit-array.sbatch" || fail "README.md has no job-array script after <!-- slurm-array.sbatch -->"
tasks=$(sed -n 's/^#SBATCH --array=0-\([0-9]*\).*/\1/p' "$work/convkit-array.sbatch")
tasks=$((tasks + 1))
say "submitting README's array job ($tasks tasks) on $i images"
cd "$work"
job=$(PATH="$(dirname "$bin"):$PATH" IN="$work/in" OUT="$work/out" \
    sbatch --parsable --cpus-per-task=1 --output="$work/log/task-%a.out" "$work/convkit-array.sbatch" 2>&1) \
    || fail "sbatch refused the README's script: $job"
job=${job%%;*}
say "submitted job array $job"
# Wait for every task; a task pending for a reason other than waiting its turn is a setup problem.
for t in $(seq 1 240); do
    left=$(squeue -h -j "$job" -o '%T %r' 2>/dev/null)
    [ -z "$left" ] && break
    stuck=$(echo "$left" | awk '$1 == "PENDING" && $2 !~ /^(None|Priority|Resources|BeginTime)$/ {print $2; exit}')
    if [ -n "$stuck" ] && [ "$t" -gt 20 ]; then why; fail "array tasks stay pending: $stuck"; fi
    sleep 1
done
[ -z "$left" ] || { why; fail "the array did not finish within 240 s: $(echo "$left" | sort | uniq -c | paste -sd' ')"; }
states=$(scontrol -o show job "$job" 2>/dev/null | grep -o 'JobState=[A-Z_]*\|ExitCode=[0-9:]*' | paste -d' ' - - | sort | uniq -c | paste -sd',' -)
say "array tasks: ${states:-no record left}"
for f in "$work"/log/task-*.out; do [ -e "$f" ] && say "$(basename "$f"): $(tail -1 "$f")"; done
if scontrol -o show job "$job" 2>/dev/null | grep -q 'JobState=FAILED\|JobState=CANCELLED\|JobState=TIMEOUT'; then
    why; fail "an array task did not complete"
fi

# The union of the shards' manifests: every input exactly once, all ok.
manifests=$(ls "$work"/out/convkit-manifest-shard-*-of-$tasks.jsonl 2>/dev/null | wc -l)
[ "$manifests" -eq "$tasks" ] || fail "expected $tasks shard manifests, found $manifests"
expected=$(cd "$work/in" && find . -type f | sed 's|^\./||' | sort)
got=$(cat "$work"/out/convkit-manifest-shard-*.jsonl | sed -n 's/.*"relative":"\([^"]*\)".*/\1/p' | sort)
dups=$(echo "$got" | uniq -d)
[ -z "$dups" ] || fail "inputs processed by more than one shard: $dups"
[ "$got" = "$expected" ] || fail "the shards' union differs from the inputs: $(diff <(echo "$expected") <(echo "$got") | head -5)"
notok=$(grep -hv '"status":"ok"' "$work"/out/convkit-manifest-shard-*.jsonl | wc -l)
[ "$notok" -eq 0 ] || fail "$notok manifest lines are not ok"
outputs=$(find "$work/out" -name '*.png' | wc -l)
[ "$outputs" -eq "$i" ] || fail "expected $i outputs, found $outputs"
say "PASSED: $tasks array tasks, $i inputs, each processed exactly once ($(for f in "$work"/out/convkit-manifest-shard-*.jsonl; do wc -l <"$f"; done | paste -sd+ -) per shard)"
