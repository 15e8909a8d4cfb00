#!/usr/bin/env bash
# test_demo_step.sh - `ustack demo --step` waits for Enter after each step: fed from a
# pipe that stays silent, it stops after the introduction with its prompt, and is still
# waiting seconds later; each Enter lets exactly one more step through; after the last
# it completes (exit 0, TIME_WAIT -> CLOSED). With its input at end of file it does not
# wait at all.
set -euo pipefail

BIN=${USTACK_BIN:?USTACK_BIN must name the ustack binary}
work=$(mktemp -d /tmp/ustack-test-demo-step.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$work/out.txt" ] && tail -20 "$work/out.txt"; exit 1; }

prompts() { grep -c 'Enter: the next step' "$work/out.txt" || true; }
headings() { grep -cE '^ (0 |①|②|③|④|summary)' "$work/out.txt" || true; }
# waits (at most 20 s) until the output holds n prompts
wait_prompts() {
	for _ in $(seq 200); do
		[ "$(prompts)" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "no prompt number $1 within 20 s"
}

mkfifo "$work/in"
exec 7<>"$work/in"
HOME="$work" timeout 120 "$BIN" demo --step <"$work/in" >"$work/out.txt" 2>&1 &
pid=$!
wait_prompts 1
sleep 3
kill -0 "$pid" 2>/dev/null || fail "the demo did not wait for Enter"
[ "$(prompts)" -eq 1 ] || fail "$(prompts) prompts before any Enter, want 1"
[ "$(headings)" -eq 0 ] || fail "a step was shown before Enter"
grep -q 'THE LAYERS' "$work/out.txt" || fail "the introduction was not shown before the first pause"

# each Enter: one more heading, then the next prompt (6 pauses: before steps 0-4 and
# before the summary; none inside close(), whose TIME_WAIT clock runs anyway)
for n in 1 2 3 4 5; do
	echo >&7
	wait_prompts $((n + 1))
	sleep 0.3
	[ "$(prompts)" -eq $((n + 1)) ] || fail "after Enter number $n: $(prompts) prompts"
done
[ "$(headings)" -eq 5 ] || fail "after 5 Enters: $(headings) step headings, want 5"
grep -q 'TIME_WAIT -> CLOSE' "$work/out.txt" || fail "close() did not go on to TIME_WAIT -> CLOSED"
grep -q '^ summary' "$work/out.txt" && fail "the summary came before its Enter"
sleep 2
kill -0 "$pid" 2>/dev/null || fail "the demo did not wait for the last Enter"
echo >&7
rc=0
wait "$pid" || rc=$?
pid=
[ $rc -eq 0 ] || fail "the demo exited $rc"
grep -q 'TIME_WAIT -> CLOSED' "$work/out.txt" || fail "the stepped walkthrough did not reach CLOSED"
[ "$(prompts)" -eq 6 ] || fail "$(prompts) prompts in all, want 6"

# input at end of file: no waiting
t0=$(date +%s)
HOME="$work" timeout 60 "$BIN" demo --step </dev/null >"$work/eof.txt" 2>&1 || fail "--step with no input failed"
grep -q 'TIME_WAIT -> CLOSED' "$work/eof.txt" || fail "--step with no input did not finish the walkthrough"
echo "stepped: 6 pauses, each released by one Enter; with no input: $(( $(date +%s) - t0 )) s"
echo "test_demo_step: ok"
