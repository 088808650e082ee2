#!/usr/bin/env bash
# compare.sh runs MXGo's benchmarks and their peers (PyTorch, NumPy)
# alternately on this machine and prints per-benchmark ratios.
#
# Usage: bench/compare.sh [-r ROUNDS] [-n SAMPLES] [-c] [WORKLOAD...]
#   WORKLOAD: gemm mlp lenet resnet18 conv lstm hybridize ops (default: all;
#   hybridize compares eager with eager and hybridized with TorchScript)
#   -r  alternating rounds of ours-then-peer (default 3); the table shows
#       the median over rounds
#   -n  timed samples per benchmark run (default 7, each about 200ms)
#   -c  also compare CPU time per step (NAME_cpu rows, getrusage /
#       process_time), which a busy machine disturbs less than wall time
# Environment: GEMM_SIZES (default "1024 2048"), MLP_BATCH (64,256),
#   LENET_BATCH (64), RESNET_BATCH (1,16), PYTHON (/usr/bin/python3).
#
# The peer runs at 1 and 2 threads and its better setting counts. It runs
# without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (this image sets them,
# forcing older OpenBLAS kernels); ours and the tests keep the environment.
# ratio = ours time / peer time (for GFLOP/s: peer rate / our rate), so
# lower is better and < 1 means MXGo is faster.
set -euo pipefail

rounds=3 samples=7 cpu=""
while getopts "r:n:ch" opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	n) samples=$OPTARG ;;
	c) cpu=--cpu ;;
	*) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
workloads=("$@")
[ ${#workloads[@]} -gt 0 ] || workloads=(gemm mlp lenet resnet18 conv lstm hybridize ops)

root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-/usr/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$root" && go build -o "$work/mxgo" ./cmd/mxgo)

peer() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$@"; }
common=(--rounds "$samples" --json $cpu)

# run_one WORKLOAD: one run of ours and one of the peer per thread count,
# appending "side<TAB>threads<TAB>json" lines to $work/results.
run_one() {
	local w=$1 args=() t
	case $w in
	gemm)
		for n in ${GEMM_SIZES:-1024 2048}; do
			"$work/mxgo" bench gemm --size "$n" --rounds "$samples" --json | sed 's/^/ours\t0\t/' >>"$work/results"
			for t in 1 2; do
				peer OPENBLAS_NUM_THREADS=$t "$python" "$root/bench/sgemm_numpy.py" "$n" | sed "s/^/peer\t$t\t/" >>"$work/results"
			done
		done
		return ;;
	lstm)
		"$work/mxgo" bench lstm "${common[@]}" | sed 's/^/ours\t0\t/' >>"$work/results"
		for t in 1 2; do
			peer "$python" "$root/bench/lstm_torch.py" --threads "$t" --rounds "$samples" $cpu |
				sed "s/^/peer\t$t\t/" >>"$work/results"
		done
		return ;;
	mlp) args=(--batch "${MLP_BATCH:-64,256}") ;;
	lenet) args=(--batch "${LENET_BATCH:-64}") ;;
	resnet18) args=(--batch "${RESNET_BATCH:-1,16}") ;;
	conv | hybridize | ops) ;;
	*) echo "compare.sh: unknown workload $w" >&2; exit 2 ;;
	esac
	"$work/mxgo" bench "$w" "${args[@]}" "${common[@]}" | sed 's/^/ours\t0\t/' >>"$work/results"
	for t in 1 2; do
		peer "$python" "$root/bench/models_torch.py" "$w" "${args[@]}" --threads "$t" --rounds "$samples" $cpu |
			sed "s/^/peer\t$t\t/" >>"$work/results"
	done
}

: >"$work/results"
for ((r = 1; r <= rounds; r++)); do
	for w in "${workloads[@]}"; do
		echo "round $r/$rounds: $w" >&2
		run_one "$w"
	done
done

"$python" - "$work/results" <<'PY'
import collections, json, statistics, sys

ours, peer, units = collections.defaultdict(list), collections.defaultdict(list), {}
for line in open(sys.argv[1]):
    side, threads, js = line.rstrip("\n").split("\t", 2)
    r = json.loads(js)
    name = r["name"]
    for prefix in ("torch_", "numpy_"):
        if name.startswith(prefix):
            name = name[len(prefix):]
    units[name] = r["unit"]
    (ours[name] if side == "ours" else peer[(name, int(threads))]).append(r["value"])

print(f"{'benchmark':<30} {'unit':<8} {'mxgo':>10} {'peer':>10} {'peer thr':>8} {'ratio':>7}")
for name, vals in ours.items():
    rate = units[name] == "GFLOP/s"
    mine = statistics.median(vals)
    cands = [(statistics.median(v), t) for (n, t), v in peer.items() if n == name]
    if not cands:
        print(f"{name:<30} {units[name]:<8} {mine:>10.4g} {'-':>10} {'-':>8} {'-':>7}")
        continue
    best, thr = (max if rate else min)(cands)
    ratio = best / mine if rate else mine / best
    print(f"{name:<30} {units[name]:<8} {mine:>10.4g} {best:>10.4g} {thr:>8} {ratio:>7.2f}")
PY
