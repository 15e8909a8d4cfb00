# lib.sh - shared setup of the interop tests (sourced, not run): a network namespace of
# the test's own (name with $$), TAP devices inside it with the Linux side's addresses,
# `ustack up` in the background, bounded waits, pass/fail bookkeeping, and a cleanup trap
# that kills what the test started and deletes the namespace. Nothing is configured in
# the root namespace: every `ip` command runs with -n "$NS" or under `ip netns exec`.
#
# Use: source lib.sh; lib_init NAME; ns_tap tap0 10.10.0.1/24; up_start tap0 10.10.0.2/24;
#      ... check / pass / fail ...; lib_finish

set -uo pipefail

B=${USTACK_BIN:?USTACK_BIN: path of the ustack binary}
NS=
T=
UP_PID=
UP_RC=
BG_PIDS=()
PASSES=0
FAILS=0

# A prerequisite is missing (root, /dev/net/tun, a tool). `make test` installs every
# tool these tests need, so this is a failure, never a silent skip.
lib_require() {
	echo "FAIL: cannot run: $*"
	exit 1
}

pass() { echo "ok: $*"; PASSES=$((PASSES + 1)); }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

lib_cleanup() {
	local p
	for p in ${BG_PIDS[@]+"${BG_PIDS[@]}"} $UP_PID; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in ${BG_PIDS[@]+"${BG_PIDS[@]}"} $UP_PID; do
		# bounded: every background command runs under timeout -k
		wait "$p" 2>/dev/null
	done
	if [ -n "$NS" ]; then
		ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$NS" 2>/dev/null
	fi
	if [ -n "$T" ] && [ -z "${KEEP_TMP:-}" ]; then
		rm -rf "$T"
	fi
}

# lib_init NAME: checks the requirements, makes the namespace ustk-NAME-PID and a temp dir.
lib_init() {
	[ "$(id -u)" -eq 0 ] || lib_require "needs root (network namespaces, TAP devices)"
	command -v ip >/dev/null || lib_require "needs iproute2"
	[ -c /dev/net/tun ] || lib_require "needs /dev/net/tun"
	[ -x "$B" ] || { echo "FAIL: $B is not executable"; exit 1; }
	T=$(mktemp -d "/tmp/ustack-$1.XXXXXX")
	NS="ustk-$1-$$"
	trap lib_cleanup EXIT
	trap 'exit 130' INT TERM
	ip netns add "$NS" || { NS=; echo "FAIL: cannot create namespace"; exit 1; }
	ip -n "$NS" link set lo up
	# no IPv6 chatter (router solicitations, MLD) on the test links
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
	echo "namespace $NS, files in $T"
}

# nsx CMD...: runs CMD inside the namespace.
nsx() {
	ip netns exec "$NS" "$@"
}

# ns_tap DEV CIDR: a TAP device in the namespace, CIDR on its Linux side, up.
ns_tap() {
	ip -n "$NS" tuntap add dev "$1" mode tap || { echo "FAIL: tuntap add $1"; exit 1; }
	ip -n "$NS" addr add "$2" dev "$1"
	ip -n "$NS" link set "$1" up
}

# wait_for SECS CMD...: runs CMD every 50 ms until it succeeds or SECS pass.
wait_for() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# bg_run NAME SECS CMD...: CMD in the namespace in the background, bounded by SECS;
# output in $T/NAME.out / .err; its pid in $BG_PID (killed at exit).
bg_run() {
	local name=$1 secs=$2
	shift 2
	ip netns exec "$NS" timeout -k 5 "$secs" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# up_start DEV CIDR [options...]: `ustack up` on DEV with --pcap $T/up.pcap and
# --ctl $T/up.ctl; waits until its control socket answers. UP_MAC is the stack's MAC.
up_start() {
	local dev=$1 addr=$2
	shift 2
	ip netns exec "$NS" timeout -k 5 300 "$B" up --tap "$dev" --addr "$addr" \
		--pcap "$T/up.pcap" --ctl "$T/up.ctl" "$@" >"$T/up.out" 2>"$T/up.err" &
	UP_PID=$!
	if ! wait_for 10 test -S "$T/up.ctl"; then
		echo "FAIL: ustack up did not come up:"
		cat "$T/up.err"
		exit 1
	fi
	UP_MAC=$(sed -n 's/.*MAC \([0-9a-f:]*\),.*/\1/p' "$T/up.err" | head -1)
	echo "ustack up: $addr on $dev, MAC $UP_MAC"
}

# up_stop: SIGTERM to `ustack up`; its exit status in UP_RC, its output in $T/up.out.
up_stop() {
	[ -n "$UP_PID" ] || return 0
	kill -TERM "$UP_PID" 2>/dev/null
	wait "$UP_PID"
	UP_RC=$?
	UP_PID=
}

# pcap_clean FILE: tshark reads FILE and flags no packet as malformed.
pcap_clean() {
	local f=$1 n bad
	if ! command -v tshark >/dev/null; then
		fail "tshark is missing: $f cannot be checked"
		return
	fi
	n=$(timeout 60 tshark -r "$f" 2>/dev/null | wc -l)
	bad=$(timeout 60 tshark -r "$f" -Y _ws.malformed 2>&1 | grep -v 'Running as user' || true)
	if [ "$n" -gt 0 ] && [ -z "$bad" ]; then
		pass "tshark reads $(basename "$f"): $n frames, none malformed"
	else
		fail "tshark on $(basename "$f"): $n frames; malformed: $bad"
	fi
}

lib_finish() {
	echo "$PASSES passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
	exit $?
}
