#!/usr/bin/env bash
# Many thousands of mutants (truncations and byte flips, fixed seed) of the corpus
# files through `convkit apply` and `convkit info`, two at a time, each with a time
# and address-space limit. Every run must end with exit 0 and an output, or exit 1,
# a `convkit: error:` line and nothing left in its output directory.
#
#   Scripts/mutate-sweep.sh [MUTANTS_PER_SEED=400] [SEED=1]
#
# Uses $CONVKIT_BIN, else builds convkit in .build-sweep. Failing inputs are kept in
# .build-sweep/failures/ with what went wrong; the last line is the count
# ("N inputs, N ok, N clean errors, N failures"); exit 1 when failures > 0.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
per_seed="${1:-400}"
seed="${2:-1}"
bin="${CONVKIT_BIN:-}"
if [[ -z "$bin" ]]; then
    (cd "$root" && swift build --scratch-path .build-sweep --product convkit 2>&1 | tail -1)
    bin="$root/.build-sweep/debug/convkit"
fi
exec python3 - "$root" "$bin" "$per_seed" "$seed" <<'PY'
import concurrent.futures, os, random, resource, shutil, subprocess, sys, tempfile

root, binary, per_seed, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
corpora = [os.path.join(root, "Fixtures/corpus"), os.path.join(root, "../shared/corpus")]
seeds, seen = [], set()
for corpus in corpora:
    for dirpath, _, files in os.walk(corpus):
        for f in sorted(files):
            p = os.path.join(dirpath, f)
            if not f.lower().endswith((".png", ".jpg", ".jpeg", ".npy")) or "/bad/" in p or "/refs/" in p:
                continue
            data = open(p, "rb").read()
            if not 16 <= len(data) <= 200_000 or data in seen:
                continue
            seen.add(data)
            seeds.append((p, data))

rng = random.Random(seed)
work = tempfile.mkdtemp(prefix="convkit-sweep-")
failures_dir = os.path.join(root, ".build-sweep", "failures")
os.makedirs(failures_dir, exist_ok=True)

def mutants(data):
    n = len(data)
    out = [data[:c] for c in sorted({1, 8, 16, 33, 64, n // 8, n // 4, n // 2, 3 * n // 4, n - 12, n - 1}) if 0 <= c < n]
    while len(out) < per_seed:
        m = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(min(n, 256)) if rng.random() < 0.5 else rng.randrange(n)
            m[at] ^= rng.randint(1, 255)
        if rng.random() < 0.2:
            m = m[: rng.randrange(1, n)]
        out.append(bytes(m))
    return out

def limits():
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))

def judge(args, outdir):
    try:
        r = subprocess.run(args, capture_output=True, timeout=60, preexec_fn=limits)
    except subprocess.TimeoutExpired:
        return None, "timed out"
    err = r.stderr.decode("utf-8", "replace")
    left = os.listdir(outdir) if outdir else []
    if r.returncode < 0:
        return None, f"signal {-r.returncode}: {err[-300:]}"
    if any(".tmp-" in f for f in left):
        return None, f"temporary file left: {left}"
    if r.returncode == 0:
        return "ok", None
    if r.returncode == 1 and err.startswith("convkit: error: ") and "Fatal error" not in err:
        return ("clean", None) if not left else (None, f"output left after failure: {left}")
    return None, f"exit {r.returncode}: {err[-300:]}"

def run(job):
    i, ext, data = job
    d = tempfile.mkdtemp(dir=work)
    path = os.path.join(d, f"m{i}.{ext}")
    open(path, "wb").write(data)
    out = os.path.join(d, "out")
    os.mkdir(out)
    kind, problem = judge([binary, "apply", path, "-o", os.path.join(out, "o.png"), "--max-pixels", "16777216"], out)
    if problem is None and i % 3 == 0:
        _, problem = judge([binary, "info", path], None)
        kind = kind if problem is None else None
    if problem is not None:
        shutil.copy(path, failures_dir)
        open(os.path.join(failures_dir, f"m{i}.{ext}.txt"), "w").write(problem + "\n")
    shutil.rmtree(d, ignore_errors=True)
    return kind, problem

jobs = []
for p, data in seeds:
    ext = os.path.splitext(p)[1][1:]
    for m in mutants(data):
        jobs.append((len(jobs), ext, m))
counts = {"ok": 0, "clean": 0, None: 0}
with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
    for k, (kind, problem) in enumerate(pool.map(run, jobs)):
        counts[kind] += 1
        if problem:
            print(f"FAIL m{k}: {problem}", flush=True)
        if k % 1000 == 999:
            print(f"... {k + 1}/{len(jobs)}", flush=True)
shutil.rmtree(work, ignore_errors=True)
print(f"{len(seeds)} seeds; {len(jobs)} inputs, {counts['ok']} ok, {counts['clean']} clean errors, {counts[None]} failures")
sys.exit(1 if counts[None] else 0)
PY
