#!/usr/bin/env bash
# bench_http.sh - HTTP requests/s: `ustack serve` over a TAP vs nginx over a veth pair,
# ab (apache2-utils) as the client, with and without keep-alive, at 1, 50 and 1,000
# concurrent clients; one table with the ratios, from one run.
#
#   sudo bench/bench_http.sh            (or `make bench-http`; needs root, ab, nginx)
#   BENCH_N=20000          requests per ab run
#   BENCH_CONC="1 50 1000" concurrency levels
#   BENCH_NGINX_WORKERS=1  nginx worker processes (1: one process, as serve's one loop)
#   BENCH_THREADS=1        `ustack serve --threads`
#   BENCH_IPV6=1           the same over IPv6 (2001:db8:88:1::2 for ustack, 2001:db8:88:2::2
#                          for nginx; ab to http://[addr]/)
#
# Both sides live in namespaces the script creates and deletes:
#   ns bhc-PID (the client): ab; tap0 10.88.1.1/24 <-> ustack serve 10.88.1.2;
#                            veth0 10.88.2.1/24 <-> veth1 10.88.2.2/24 in
#   ns bhs-PID (the server): nginx.
# Both serve the same 612-byte index.html, without access logs. serve runs with
# --per-client 0 (ab's 1,000 clients share one address). Timings are not tests: noisy
# 2-core machine, read the ratios, and the load average printed with them.
set -uo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
B=${USTACK_BIN:-$SRC/build/bin/ustack}
N=${BENCH_N:-20000}
CONC=${BENCH_CONC:-1 50 1000}
WORKERS=${BENCH_NGINX_WORKERS:-1}
THREADS=${BENCH_THREADS:-1}
V6=${BENCH_IPV6:-}

BENCH_NAME=bench_http
source "$SRC/bench/lib_bench.sh"
command -v ab >/dev/null || die "needs ab (Debian package apache2-utils)"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || die "needs nginx (Debian package nginx-light)"
[ -x "$B" ] || die "$B is not built (make)"

NSC=bhc-$$
NSS=bhs-$$
chmod 755 "$T"
SERVE=
NGX=
bench_cleanup_hook() {
	[ -n "$SERVE" ] && kill -TERM "$SERVE" 2>/dev/null && wait "$SERVE" 2>/dev/null
	[ -n "$NGX" ] && kill -TERM "$NGX" 2>/dev/null && wait "$NGX" 2>/dev/null
}
bench_netns "$NSC" "$NSS"
# the client's side as a web client machine would be: a wide port range, TIME_WAIT reuse
ip netns exec "$NSC" sysctl -qw net.ipv4.ip_local_port_range="1024 65000" net.ipv4.tcp_tw_reuse=1
ip -n "$NSC" tuntap add dev tap0 mode tap
ip -n "$NSC" addr add 10.88.1.1/24 dev tap0
ip -n "$NSC" link set tap0 up
ip -n "$NSC" link add veth0 type veth peer name veth1 netns "$NSS"
ip -n "$NSC" addr add 10.88.2.1/24 dev veth0
ip -n "$NSS" addr add 10.88.2.2/24 dev veth1
ip -n "$NSC" link set veth0 up
ip -n "$NSS" link set veth1 up
U_HOST=10.88.1.2
N_HOST=10.88.2.2
N_LISTEN=10.88.2.2:80
SERVE_V6=()
if [ -n "$V6" ]; then
	for ns in "$NSC" "$NSS"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
			net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.lo.disable_ipv6=0
	done
	ip -n "$NSC" addr add 2001:db8:88:1::1/64 dev tap0 nodad
	ip -n "$NSC" addr add 2001:db8:88:2::1/64 dev veth0 nodad
	ip -n "$NSS" addr add 2001:db8:88:2::2/64 dev veth1 nodad
	U_HOST=2001:db8:88:1::2
	N_HOST=2001:db8:88:2::2
	N_LISTEN=[2001:db8:88:2::2]:80
	SERVE_V6=(--addr6 2001:db8:88:1::2/64)
fi
url_host() { [[ $1 == *:* ]] && echo "[$1]" || echo "$1"; }

mkdir -p "$T/www" "$T/nginx"
# the size of nginx's default welcome page
python3 -c 'import sys; sys.stdout.write(("<p>ustack bench page</p>\n" * 26)[:611] + "\n")' >"$T/www/index.html"
chmod -R a+rX "$T/www"
cat >"$T/nginx/nginx.conf" <<EOF
worker_processes $WORKERS;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 60;
    client_body_temp_path $T/nginx/body;
    proxy_temp_path $T/nginx/proxy;
    fastcgi_temp_path $T/nginx/fastcgi;
    uwsgi_temp_path $T/nginx/uwsgi;
    scgi_temp_path $T/nginx/scgi;
    server {
        listen $N_LISTEN backlog=4096;
        root $T/www;
    }
}
EOF

# ustack serve on the TAP, nginx in its namespace
ip netns exec "$NSC" "$B" serve --root "$T/www" --port 80 --tap tap0 --addr 10.88.1.2/24 \
	"${SERVE_V6[@]}" --quiet --per-client 0 --max-clients 20000 --threads "$THREADS" \
	--ctl "$T/serve.ctl" \
	>"$T/serve.log" 2>&1 &
SERVE=$!
ip netns exec "$NSS" "$NGINX" -p "$T/nginx" -c "$T/nginx/nginx.conf" -g "daemon off;" \
	>"$T/nginx.log" 2>&1 &
NGX=$!
for ((i = 0; i < 100; i++)); do
	grep -q "Serving HTTP" "$T/serve.log" && [ -s "$T/nginx/nginx.pid" ] && break
	sleep 0.1
done
grep -q "Serving HTTP" "$T/serve.log" || die "ustack serve did not start: $(cat "$T/serve.log")"
[ -s "$T/nginx/nginx.pid" ] || die "nginx did not start: $(cat "$T/nginx.log" "$T/nginx/error.log" 2>/dev/null)"
for ((i = 0; i < 50; i++)); do   # an --addr6 address is usable once DAD is done
	ip netns exec "$NSC" ping -c 1 -W 1 "$U_HOST" >/dev/null 2>&1 && break
done
ip netns exec "$NSC" ping -c 1 -W 2 "$U_HOST" >/dev/null || die "no answer from ustack on the TAP"
ip netns exec "$NSC" ping -c 1 -W 2 "$N_HOST" >/dev/null || die "no answer from nginx's namespace"

# run URL C KA: "requests/s failed" of one ab run
run() {
	local out rps failed non2xx
	out=$(ip netns exec "$NSC" timeout 600 ab -q -r -s 30 -n "$N" -c "$2" $3 "$1" 2>&1)
	rps=$(sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p' <<<"$out")
	failed=$(sed -n 's/^Failed requests: *\([0-9]*\).*/\1/p' <<<"$out")
	non2xx=$(sed -n 's/^Non-2xx responses: *\([0-9]*\).*/\1/p' <<<"$out")
	echo "${rps:-0} $((${failed:-$N} + ${non2xx:-0}))"
}

echo "bench_http: $N requests per run; ustack serve ($THREADS event loop(s)) on a TAP vs nginx $("$NGINX" -v 2>&1 | sed 's/.*\///') ($WORKERS worker) on a veth" >&2
rows=()
for ka in "" "-k"; do
	for c in $CONC; do
		[ "$c" -gt "$N" ] && continue
		read -r u uf <<<"$(run "http://$(url_host $U_HOST)/" "$c" "$ka")"
		read -r g gf <<<"$(run "http://$(url_host $N_HOST)/" "$c" "$ka")"
		rows+=("$c|${ka:-  }|$u|$uf|$g|$gf")
		echo "  -c $c ${ka:-  }: ustack $u req/s ($uf failed), nginx $g req/s ($gf failed)" >&2
	done
done
load=$(load_average)

echo
echo "== bench_http: HTTP GET of a 612-byte page over $([ -n "$V6" ] && echo IPv6 || echo IPv4), ab -n $N (requests/s, higher is better)"
echo "   load average $load at the end of the runs, $(nproc) CPUs online"
printf '%-28s %14s %14s %14s %10s\n' "ab clients" "ustack serve" "nginx" "ustack/nginx" "failed u/n"
printf '%s\n' "--------------------------------------------------------------------------------------"
for r in "${rows[@]}"; do
	IFS='|' read -r c ka u uf g gf <<<"$r"
	ratio=$(ratio "$u" "$g")
	what="-c $c"
	[ "$ka" = "-k" ] && what="$what keep-alive" || what="$what close"
	printf '%-28s %14s %14s %14s %10s\n' "$what" "$u" "$g" "$ratio" "$uf/$gf"
done
echo "note: ustack serve: TAP, $THREADS event loop(s) (--threads), --per-client 0; nginx: veth pair between two namespaces, worker_processes $WORKERS, access_log off, sendfile"
echo "note: 'close' = ab without -k (HTTP/1.0, one connection per request)"
kill -TERM "$SERVE" 2>/dev/null
wait "$SERVE" 2>/dev/null
SERVE=
tail -n 1 "$T/serve.log" | sed 's/^/serve: /'
