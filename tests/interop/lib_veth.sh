# lib_veth.sh - what test_packet.sh and test_xdp.sh share (sourced after lib_tcp.sh and
# lib_init): a veth pair between the test's namespace NS (vethA, LT_LINUX_IP, Linux) and a
# second namespace NSB (vethB, no address: ustack opens the interface itself, the kernel
# there stays out of the way); commands run in NSB; byte-exact transfers each way between
# Linux and `ustack bulk`.
# The caller sets USTACK_NET (ustack's --dev/--addr options) and defines check_dev LOG
# WHAT (its device's exit line names nothing dropped that it should carry). The
# transfers go between LV_U (ustack) and LV_L (Linux), LT_USTACK_IP and LT_LINUX_IP
# unless the caller sets them (IPv6 addresses: then also LV_LISTEN, socat's listener
# on LV_L's port 5002, e.g. "TCP6-LISTEN:5002,bind=[2001:db8::1]").

NSB="$NS-b"
nsb() { ip netns exec "$NSB" "$@"; }
lv_cleanup() {
	if ip netns list | grep -q "^$NSB\b"; then
		ip netns pids "$NSB" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$NSB" 2>/dev/null
	fi
	lib_cleanup
}
trap lv_cleanup EXIT

# lv_pair ETHTOOL_ARGS...: the pair, up, with these offloads on Linux's end (vethA)
lv_pair() {
	ip netns add "$NSB" || { fail "cannot create namespace $NSB"; lib_finish; }
	ip -n "$NSB" link set lo up
	nsb sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip link add vethA netns "$NS" type veth peer name vethB netns "$NSB" ||
		{ fail "cannot make the veth pair"; lib_finish; }
	ip -n "$NS" addr add "$LT_LINUX_IP/24" dev vethA
	nsx ethtool -K vethA "$@" >/dev/null || { fail "ethtool -K vethA $*"; lib_finish; }
	ip -n "$NS" link set vethA up
	ip -n "$NSB" link set vethB up
}

# bg_b LOG SECONDS CMD...: CMD in ustack's namespace in the background (as lt_bg)
bg_b() {
	local log=$1 secs=$2
	shift 2
	ip netns exec "$NSB" timeout -s TERM -k 5 "$secs" "$@" >"$T/$log" 2>&1 &
	LT_LAST_PID=$!
	BG_PIDS+=("$LT_LAST_PID")
}

# lv_upload LABEL BYTES [OPTION...]: Linux sends BYTES random bytes (nc) to `ustack bulk
# --server` (with these extra options); both ends' SHA-256 must be equal
lv_upload() {
	local what="${1:+$1: }Linux -> ustack $2" bytes=$2
	shift 2
	bg_b srv.log 120 "$USTACK_BIN" bulk --server --once --port 5001 "${USTACK_NET[@]}" "$@"
	local srv=$LT_LAST_PID
	lt_wait_log srv.log "listening on" 20
	lt_wait_ping "${LV_U:-$LT_USTACK_IP}" 5
	rm -f "$T/sent.sha"
	local t0 t1 rc src want got
	t0=$(date +%s.%N)
	nsx timeout 120 bash -c "head -c $bytes /dev/urandom | tee >(sha256sum | cut -d' ' -f1 >'$T/sent.sha') | nc -N ${LV_U:-$LT_USTACK_IP} 5001"
	rc=$?
	t1=$(date +%s.%N)
	lt_wait_exit "$srv" 30
	src=$?
	for _ in $(seq 50); do [ -s "$T/sent.sha" ] && break; sleep 0.1; done
	want=$(cat "$T/sent.sha")
	got=$(grep -o 'sha256 [0-9a-f]\{64\}' "$T/srv.log" | cut -d' ' -f2)
	cat "$T/srv.log" >&2
	if [ $rc = 0 ] && [ $src = 0 ] && [ -n "$want" ] && [ "$want" = "$got" ] &&
		grep -q "received $bytes bytes" "$T/srv.log"; then
		pass "$what bytes in $(echo "$t1 - $t0" | bc) s, sha256 $got on both ends"
	else
		fail "$what: nc rc $rc, server rc $src, Linux sha256 '$want', ustack '$got'"
	fi
	check_dev srv.log "$what"
}

# lv_download LABEL BYTES [OPTION...]: `ustack bulk --client` sends BYTES to socat on Linux
lv_download() {
	local what="${1:+$1: }ustack -> Linux $2" bytes=$2
	shift 2
	rm -f "$T/recv.len" "$T/recv.sha"
	lt_bg recv.log 120 bash -c "socat -u ${LV_LISTEN:-TCP-LISTEN:5002,bind=$LT_LINUX_IP},reuseaddr - |
		tee >(wc -c >'$T/recv.len') | sha256sum | cut -d' ' -f1 >'$T/recv.sha'"
	local recv=$LT_LAST_PID rc got len
	lt_wait_listen 5002
	nsb timeout 120 "$USTACK_BIN" bulk --client "${LV_L:-$LT_LINUX_IP}" --port 5002 --bytes "$bytes" \
		"${USTACK_NET[@]}" "$@" >"$T/cli.log" 2>&1
	rc=$?
	lt_wait_exit "$recv" 30
	for _ in $(seq 50); do [ -s "$T/recv.len" ] && break; sleep 0.1; done
	cat "$T/cli.log" >&2
	got=$(cat "$T/recv.sha" 2>/dev/null)
	len=$(cat "$T/recv.len" 2>/dev/null)
	if [ $rc = 0 ] && [ -n "$got" ] && grep -q "sha256 $got" "$T/cli.log" && [ "$len" = "$bytes" ]; then
		pass "$what bytes: $(grep -o 'in [0-9.]* s = [0-9.]* Gbit/s' "$T/cli.log"), sha256 $got on both ends"
	else
		fail "$what: rc $rc, Linux got $len bytes sha256 $got"
	fi
	check_dev cli.log "$what"
}
