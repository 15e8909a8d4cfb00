# lib_bench.sh - what the namespace benches share (sourced by bench_packet.sh,
# bench_xdp.sh, bench_tap.sh, bench_http.sh): the error exit, namespaces made and
# deleted at exit, the temporary folder, and the arithmetic of the tables.
# The caller sets BENCH_NAME first; bench_cleanup_hook, if it defines one, runs first at
# exit (to stop its servers gently before the namespaces' processes are killed).

die() { echo "$BENCH_NAME: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"

BENCH_NS=()
T=$(mktemp -d "/tmp/$BENCH_NAME.XXXXXX")
bench_cleanup() {
	declare -F bench_cleanup_hook >/dev/null && bench_cleanup_hook
	local ns
	for ns in "${BENCH_NS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$T"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# bench_netns NAME...: make these namespaces (deleted at exit), loopback up, IPv6 off
# (the benches measure IPv4; no DAD or router solicitation in the way)
bench_netns() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns" || die "cannot create namespace $ns"
		BENCH_NS+=("$ns")
		ip -n "$ns" link set lo up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
}

now() { date +%s.%N; }
# gbit BYTES SECONDS: the rate in Gbit/s
gbit() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.3f", b * 8 / s / 1e9; else print "0" }'; }
# median of the numbers on stdin (space or newline separated), "-" when there are none
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
# ratio A B: "A/Bx", or "-" when either side has no figure
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", a / b; else print "-" }'; }
load_average() { cut -d' ' -f1-3 /proc/loadavg; }
