#!/usr/bin/env bash
# A rehearsal of scripts/gpu-check.sh on the emulated GPU (make test-cuda-emu runs it, with
# the emulator's LD_LIBRARY_PATH and GOGAN_CUBLAS set): a GPU machine gives one command 600
# seconds, kills it and everything it started when they run out, and sends back at most 8
# files. So, with a step that hangs after the preflight:
#   - a whole run ends within its deadline, the hang recorded as timed out (124) and every
#     later step as skipped;
#   - killed at random points (the whole session, as the machine kills it), the results
#     folder holds, from the moment the first step begins, a summary.json that parses and
#     names the steps done, and never more than 8 files.
# The kill times are drawn from a seed that is printed; GPU_CHECK_REHEARSAL_SEED replays it.
#
#   scripts/gpu-check-rehearsal.sh GAN CUDA_TEST    (the cuda gan and cuda test binary)
set -uo pipefail
gan=${1:?usage: gpu-check-rehearsal.sh GAN CUDA_TEST}
cudatest=${2:?usage: gpu-check-rehearsal.sh GAN CUDA_TEST}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
# On stdout: run's output goes to stderr, where bash reports the killed runs.
fail() { echo "FAIL: $*"; failed=1; }

# The bundle that gpu-check.sh unpacks, from the emulator's binaries (gzip -1: speed, not size).
mkdir -p "$tmp/bundle/bin" "$tmp/bundle/tests"
gzip -1c "$gan" >"$tmp/bundle/bin/gan.gz"
gzip -1c "$cudatest" >"$tmp/bundle/tests/cuda.test.gz"
deadline=40
# Debian's python3 where there is one: a version manager's shim would take seconds a summary.
[ -x /usr/bin/python3 ] && export PATH=/usr/bin:$PATH
export GPU_CHECK_BUNDLE=$tmp/bundle GPU_CHECK_HANG_AFTER=preflight

# check RESULTS WHEN: the results folder's invariants; WHEN says at which point of the run.
check() {
	local results=$1 when=$2 n
	n=$(find "$results" -mindepth 1 | wc -l)
	[ "$n" -le 8 ] || fail "$when: $n entries in the results folder: $(ls "$results" | tr '\n' ' ')"
	if [ -e "$results/summary.json" ]; then
		python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); assert isinstance(s["steps"], dict)' \
			"$results/summary.json" 2>/dev/null || fail "$when: summary.json does not parse as a summary"
	elif grep -q '^== machine' "$results.log" 2>/dev/null; then
		fail "$when: the first step began and there is no summary.json"
	fi
}

# run RESULTS [KILL_AFTER]: gpu-check.sh in a session of its own, its output in RESULTS.log,
# killed with everything in its session after KILL_AFTER seconds, or left to finish;
# the results folder is checked every 0.2 s while it runs. Sets elapsed (seconds).
run() {
	local results=$1 kill_after=${2:-} t0 pid sid
	t0=$(date +%s.%N)
	TMPDIR=$tmp setsid scripts/gpu-check.sh "$results" "$deadline" >"$results.log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		[ -d "$results" ] && check "$results" "while running"
		if [ -n "$kill_after" ] && awk -v t0="$t0" -v now="$(date +%s.%N)" -v k="$kill_after" 'BEGIN { exit !(now - t0 >= k) }'; then
			sid=$(ps -o sid= -p "$pid" | tr -d ' ')
			# The whole session, as the GPU machine ends a command: timeout(1) puts the step
			# it runs in a process group of its own, still in this session.
			[ -n "$sid" ] && pkill -KILL -s "$sid"
			break
		fi
		sleep 0.2
	done
	{ wait "$pid"; } 2>/dev/null
	elapsed=$(awk -v t0="$t0" -v now="$(date +%s.%N)" 'BEGIN { printf "%.1f", now - t0 }')
}

echo "== a whole run with a step that hangs, deadline ${deadline}s"
# Killed 10 s past its deadline, lest a script that ignores it hang the rehearsal.
run "$tmp/whole" $((deadline + 10))
echo "ended after ${elapsed}s"
check "$tmp/whole" "at the end"
awk -v e="$elapsed" -v d="$deadline" 'BEGIN { exit !(e <= d + 3) }' || fail "the run took ${elapsed}s, over its ${deadline}s deadline"
python3 - "$tmp/whole/summary.json" <<'EOF' || fail "the summary of the whole run is not as expected"
import json, sys
steps = json.load(open(sys.argv[1]))["steps"]
print(" ".join(f"{k}={v['exit']}" for k, v in steps.items()))
assert steps["machine"]["exit"] != "skipped" and steps["info"]["exit"] == 0, "machine or info did not run"
assert steps["preflight"]["exit"] == 0, "the preflight failed"
assert steps["hang"]["exit"] in (124, 137), "the hanging step was not stopped by the deadline"
later = [k for k in steps if k not in ("machine", "info", "preflight", "hang")]
assert later and all(steps[k]["exit"] == "skipped" for k in later), "steps after the hang were not skipped"
EOF
[ -e "$tmp/whole/logs.tar.gz" ] && tar -tzf "$tmp/whole/logs.tar.gz" | grep -q 'logs/hang.log' ||
	fail "logs.tar.gz holds no log of the hanging step"

seed=${GPU_CHECK_REHEARSAL_SEED:-$RANDOM}
echo "== killed at random points (seed $seed)"
RANDOM=$seed
for i in 1 2; do
	# Anywhere from the start to the end of a whole run, in tenths of a second.
	# (RANDOM read here: in the command substitution it would not advance.)
	r=$RANDOM
	at=$(awk -v r="$r" -v e="$elapsed" 'BEGIN { printf "%.1f", 0.5 + r / 32768 * e }')
	run "$tmp/kill$i" "$at" 2>/dev/null
	echo "killed at ${at}s: $(ls "$tmp/kill$i" 2>/dev/null | tr '\n' ' ')"
	check "$tmp/kill$i" "killed at ${at}s"
done
[ $failed = 0 ] && echo "gpu-check rehearsal: ok"
exit $failed
