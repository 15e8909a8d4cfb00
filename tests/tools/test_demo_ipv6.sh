#!/usr/bin/env bash
# test_demo_ipv6.sh - `ustack demo --ipv6` walks the journey over IPv6, and says so from
# the frames themselves:
#  1. the narration: the client's Duplicate Address Detection before the journey (an NS
#     from :: for 2001:db8:1::10, the address PREFERRED); an NS for the DNS server on the
#     client's own link, then a AAAA query to [2001:db8:1::53]:53 over UDP/IPv6 and its
#     answer 2001:db8:2::80; in connect(), a neighbour solicitation for the router 2001:db8:1::1
#     to its solicited-node group ff02::1:ff00:1 (eth 33:33:ff:00:00:01) from the client's
#     MAC, and the advertisement back from the router's MAC with R,S,O; no ARP there; the
#     router's own NS/NA for the web server on its other link; a SYN with MSS 1440 between
#     [2001:db8:1::10] and [2001:db8:2::80]:80, explained as 1500 - 40 - 20; hop limit
#     64 -> 63 through the router; tcp6 in netstat; the summary's IPv6 addresses;
#  2. tshark reads the capture with no malformed frame, and its decoding of the same frames
#     agrees: the NS and NA (type, target, multicast destination, link-layer options), the
#     AAAA query over IPv6 and its answer, the SYN's MSS and addresses, no ARP request
#     from the client but its own announcement;
#  3. the header pictures (--frames all) against tshark, box by box, for Ethernet, IPv6,
#     ICMPv6 with its NDP fields and options, UDP and TCP; every frame the client sent or
#     received during the journey is drawn, except its IPv6 housekeeping (router
#     solicitations, MLD reports), which the narration says it leaves out;
#  4. --lang ko tells the same in Korean;
#  5. --html with --ipv6: the page's frames are the capture's, its hosts carry their IPv6
#     addresses, and in headless Chromium a click on the SYN lights byte 67 (14 Ethernet +
#     40 IPv6 + 13) for the flags, the pictures include the IPv6 header, End reaches
#     TIME_WAIT -> CLOSED; no console error, no request beyond the file;
#  6. --loss/--seed and --step (input at end of file) still complete over IPv6; --ipv6
#     with --scenario mail or --tap is a usage error (exit 2).
set -euo pipefail

BIN=${USTACK_BIN:?USTACK_BIN must name the ustack binary}
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || { echo "test_demo_ipv6: chromium is missing (scripts/install-deps.sh installs it)"; exit 1; }
for tool in tshark "$PY"; do
	command -v "$tool" >/dev/null || { echo "test_demo_ipv6: $tool is missing (scripts/install-deps.sh installs it)"; exit 1; }
done

work=$(mktemp -d /tmp/ustack-test-demo-ipv6.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
run() { HOME="$work" timeout 120 "$BIN" demo "$@"; }
has() { grep -qE -- "$2" "$1" || fail "$3 (no line matching '$2')"; }

# --- 1. the narration ------------------------------------------------------------------
rc=0
run --ipv6 --frames all --pcap "$work/d.pcap" >"$work/out.txt" 2>"$work/err.txt" || rc=$?
[ $rc -eq 0 ] || { cat "$work/out.txt" "$work/err.txt"; fail "ustack demo --ipv6 exited $rc"; }
o="$work/out.txt"
has "$o" '^ 0  getaddrinfo\("www\.example\.test", AF_INET6\)' "no getaddrinfo(AF_INET6) step"
has "$o" 'client → NDP NS \(DAD\) who-has 2001:db8:1::10 from ::   ip6 :: > ff02::1:ff00:10   eth 02:00:00:00:01:0a > 33:33:ff:00:00:10' \
	"the client's DAD probe for its address is not narrated"
has "$o" '^    2001:db8:1::10/64 +static +PREFERRED' "the client's address is not shown PREFERRED after DAD"
has "$o" 'client → NDP NS +who-has 2001:db8:1::53 tell 2001:db8:1::10   ip6 2001:db8:1::10 > ff02::1:ff00:53   eth 02:00:00:00:01:0a > 33:33:ff:00:00:53' \
	"no NS for the DNS server before the query"
has "$o" '2001:db8:1::53 is on the client.s own prefix 2001:db8:1::/64, so the packet goes to it directly' \
	"the DNS server's NS is not explained as on-link"
has "$o" 'client → DNS query +id=0x[0-9a-f]{4}  AAAA\? www\.example\.test   udp \[2001:db8:1::10\]:[0-9]+ > \[2001:db8:1::53\]:53' \
	"no AAAA query over IPv6 to the DNS server"
has "$o" 'client ← DNS answer +id=0x[0-9a-f]{4}  www\.example\.test AAAA 2001:db8:2::80 ttl=300   udp \[2001:db8:1::53\]:53 > \[2001:db8:1::10\]:[0-9]+' \
	"no AAAA answer with the web server's address over IPv6"
has "$o" 'www\.example\.test AAAA 2001:db8:2::80, TTL 300 s' "the answer's record is not explained"
has "$o" 'client → NDP NS +who-has 2001:db8:1::1 tell 2001:db8:1::10   ip6 2001:db8:1::10 > ff02::1:ff00:1   eth 02:00:00:00:01:0a > 33:33:ff:00:00:01' \
	"no NS for the router to its solicited-node address from the client's MAC"
has "$o" 'client ← NDP NA +2001:db8:1::1 is-at 02:00:00:00:01:01 \[R,S,O\]   ip6 2001:db8:1::1 > 2001:db8:1::10   eth 02:00:00:00:01:01 > 02:00:00:00:01:0a' \
	"no NA from the router's MAC to the client's"
has "$o" 'router → NDP NS +who-has 2001:db8:2::80 tell 2001:db8:2::1   ip6 2001:db8:2::1 > ff02::1:ff00:80   eth 02:00:00:00:02:01 > 33:33:ff:00:00:80' \
	"the router's NS for the web server on its other link is not shown"
has "$o" 'web +→ NDP NA +2001:db8:2::80 is-at 02:00:00:00:02:50 \[S,O\]' "the web server's NA is not shown"
has "$o" 'solicited-node multicast address of the target: ff02::1:ff00:0/104' "the solicited-node address is not explained"
has "$o" 'Its Ethernet destination 33:33:ff:00:00:53 is 33:33' "the multicast MAC is not explained"
has "$o" 'client: 2001:db8:1::53 is-at 02:00:00:00:01:35 \(target link-layer address option\), flags \[S,O\]' "the DNS server's NA is not explained"
has "$o" 'As before, the client asked with a neighbour solicitation "who-has 2001:db8:1::1" to its' "the router's NS is not explained"
has "$o" 'back [0-9.]+ ms later: 2001:db8:1::1 is-at 02:00:00:00:01:01, flags \[R,S,O\] \(R: it is a router\)' "the router's NA is not explained"
has "$o" '^      2001:db8:1::1 \(router\) +02:00:00:00:01:01  REACHABLE' "the neighbour cache does not hold the router"
has "$o" 'client → TCP SYN +\[000010\]  \[2001:db8:1::10\]:[0-9]+ > \[2001:db8:2::80\]:80  seq=[0-9]+ ack=0 win=[0-9]+ len=0  <mss 1440,' \
	"no SYN with MSS 1440 between the IPv6 addresses"
has "$o" 'mss 1440: the largest segment it accepts \(MTU 1500 - 40 IPv6 - 20 TCP = 1440' "MSS 1440 is not explained by the 40-byte header"
has "$o" 'hop limit 64 -> 63' "the router's hop limit decrement is not told"
has "$o" '^    tcp6 +0 +0 \[2001:db8:1::10\]:[0-9]+ +\[2001:db8:2::80\]:80 +ESTABLISHED' "netstat does not show the tcp6 connection"
has "$o" 'www\.example\.test -> 2001:db8:2::80 -> HTTP 200 OK' "the summary lacks the IPv6 address"
has "$o" '^  connect +[0-9.]+ ms  \[2001:db8:1::10\]:[0-9]+ -> \[2001:db8:2::80\]:80' "the summary's connect line lacks the IPv6 addresses"
# connect() found its next hop by NDP, not ARP
sed -n '/^ ②  connect()/,/^ ③/p' "$o" >"$work/connect.txt"
[ -s "$work/connect.txt" ] || fail "no connect() step"
! grep -q 'ARP request' "$work/connect.txt" || fail "connect() over IPv6 used ARP"
! grep -qE 'router solicitation|MLD' "$work/connect.txt" || fail "housekeeping frames in the connect() step"
# other hosts' housekeeping the client's IPv6 layer drops is not the journey's either
! grep -E '^ +\+[0-9.]+ ms  client   drop: ipv6:' "$o" || fail "the narration shows the client dropping IPv6 housekeeping"

# --- 2. tshark agrees, and finds no malformed frame ---------------------------------------
tshark -r "$work/d.pcap" -Y '_ws.malformed' -T fields -e frame.number >"$work/malformed.txt" 2>/dev/null ||
	fail "tshark cannot read the capture"
[ ! -s "$work/malformed.txt" ] || fail "tshark finds malformed frames: $(tr '\n' ' ' <"$work/malformed.txt")"
ts() { tshark -r "$work/d.pcap" -Y "$1" -T fields -E separator='|' "${@:2}" 2>/dev/null | head -1; }
v=$(ts 'icmpv6.type == 135 && icmpv6.nd.ns.target_address == 2001:db8:1::1 && eth.src == 02:00:00:00:01:0a' \
	-e ipv6.dst -e eth.dst -e icmpv6.opt.linkaddr -e ipv6.hlim)
[ "$v" = "ff02::1:ff00:1|33:33:ff:00:00:01|02:00:00:00:01:0a|255" ] || fail "tshark's NS for the router: '$v'"
v=$(ts 'icmpv6.type == 136 && icmpv6.nd.na.target_address == 2001:db8:1::1' -e eth.src -e eth.dst -e icmpv6.opt.linkaddr -e icmpv6.nd.na.flag.s)
case "$v" in "02:00:00:00:01:01|02:00:00:00:01:0a|02:00:00:00:01:01|"[1T]*) ;; *) fail "tshark's NA from the router: '$v'";; esac
v=$(ts 'dns.flags.response == 1 && dns.qry.type == 28' -e dns.aaaa -e eth.dst)
[ "$v" = "2001:db8:2::80|02:00:00:00:01:0a" ] || fail "tshark's AAAA answer to the client: '$v'"
v=$(ts 'tcp.flags.syn == 1 && tcp.flags.ack == 0 && eth.src == 02:00:00:00:01:0a' -e ipv6.src -e ipv6.dst -e tcp.options.mss_val -e ipv6.hlim)
[ "$v" = "2001:db8:1::10|2001:db8:2::80|1440|64" ] || fail "tshark's SYN from the client: '$v'"
v=$(ts 'dns.flags.response == 0 && dns.qry.type == 28' -e ipv6.src -e ipv6.dst -e udp.dstport)
[ "$v" = "2001:db8:1::10|2001:db8:1::53|53" ] || fail "tshark's AAAA query: '$v' (not over IPv6 to the DNS server)"
! tshark -r "$work/d.pcap" -Y 'arp.opcode == 1 && eth.src == 02:00:00:00:01:0a && arp.dst.proto_ipv4 != 10.0.1.10' 2>/dev/null | grep -q . ||
	fail "the client asked ARP for an IPv4 address: the journey did not go over IPv6"

# --- 3. the header pictures against tshark --------------------------------------------------
fields=(frame.number eth.dst eth.src eth.type
	ipv6.version ipv6.tclass ipv6.flow ipv6.plen ipv6.nxt ipv6.hlim ipv6.src ipv6.dst
	icmpv6.type icmpv6.code icmpv6.checksum icmpv6.nd.na.flag.r icmpv6.nd.na.flag.s
	icmpv6.nd.na.flag.o icmpv6.nd.ns.target_address icmpv6.nd.na.target_address
	icmpv6.opt.length icmpv6.opt.linkaddr
	ip.version ip.ttl ip.src ip.dst arp.opcode arp.dst.proto_ipv4
	udp.srcport udp.dstport udp.length udp.checksum
	dns.id dns.flags.response dns.count.queries dns.count.answers
	tcp.srcport tcp.dstport tcp.seq_raw tcp.ack_raw tcp.hdr_len tcp.flags.cwr tcp.flags.ece
	tcp.flags.urg tcp.flags.ack tcp.flags.push tcp.flags.reset tcp.flags.syn tcp.flags.fin
	tcp.window_size_value tcp.checksum tcp.urgent_pointer tcp.options.mss_val
	tcp.options.wscale.shift tcp.options.timestamp.tsval tcp.options.timestamp.tsecr)
targs=()
for f in "${fields[@]}"; do targs+=(-e "$f"); done
tshark -r "$work/d.pcap" -T fields -E separator='|' -E occurrence=f "${targs[@]}" \
	>"$work/tshark.txt" 2>"$work/tshark.err" || { cat "$work/tshark.err"; fail "tshark cannot read the capture"; }
PYTHONPATH="$(cd "$(dirname "$0")" && pwd)" "$PY" - "$work/out.txt" "$work/d.pcap" "$work/tshark.txt" "${fields[@]}" <<'EOF'
import sys
from lib_pictures import read_pcap, read_tshark, read_pictures, compare, unpictured, num, words4
out_path, pcap_path, ts_path, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
frames = read_pcap(pcap_path)
decoded = read_tshark(ts_path, names)
assert len(decoded) == len(frames), "tshark saw %d frames, the pcap holds %d" % (len(decoded), len(frames))
pictures = read_pictures(out_path)
if not pictures:
    print("FAIL: no header picture in the output")
    sys.exit(1)

MAP = {
    ("Ethernet", "Destination MAC"): ("eth.dst", str), ("Ethernet", "Source MAC"): ("eth.src", str),
    ("Ethernet", "EtherType"): ("eth.type", num),
    ("IPv6", "Version"): ("ipv6.version", num), ("IPv6", "Traffic Class"): ("ipv6.tclass", num),
    ("IPv6", "Flow Label"): ("ipv6.flow", num), ("IPv6", "Payload Length"): ("ipv6.plen", num),
    ("IPv6", "Next Header"): ("ipv6.nxt", num), ("IPv6", "Hop Limit"): ("ipv6.hlim", num),
    ("IPv6", "Source Address"): ("ipv6.src", str), ("IPv6", "Destination Address"): ("ipv6.dst", str),
    ("ICMPv6", "Type"): ("icmpv6.type", num), ("ICMPv6", "Code"): ("icmpv6.code", num),
    ("ICMPv6", "Checksum"): ("icmpv6.checksum", num), ("ICMPv6", "R"): ("icmpv6.nd.na.flag.r", num),
    ("ICMPv6", "S"): ("icmpv6.nd.na.flag.s", num), ("ICMPv6", "O"): ("icmpv6.nd.na.flag.o", num),
    ("ICMPv6", "Target Address"): (("icmpv6.nd.ns.target_address", "icmpv6.nd.na.target_address"), str),
    ("ICMPv6", "Length"): ("icmpv6.opt.length", num),
    ("ICMPv6", "Link-Layer Address"): ("icmpv6.opt.linkaddr", str),
    ("IPv4", "Version"): ("ip.version", num), ("IPv4", "Time to Live"): ("ip.ttl", num),
    ("IPv4", "Source Address"): ("ip.src", str), ("IPv4", "Destination Address"): ("ip.dst", str),
    ("ARP", "Operation"): ("arp.opcode", num), ("ARP", "Target IP"): ("arp.dst.proto_ipv4", str),
    ("UDP", "Source Port"): ("udp.srcport", num), ("UDP", "Destination Port"): ("udp.dstport", num),
    ("UDP", "Length"): ("udp.length", num), ("UDP", "Checksum"): ("udp.checksum", num),
    ("DNS", "ID"): ("dns.id", num), ("DNS", "QR"): ("dns.flags.response", num),
    ("DNS", "QDCOUNT"): ("dns.count.queries", num), ("DNS", "ANCOUNT"): ("dns.count.answers", num),
    ("TCP", "Source Port"): ("tcp.srcport", num), ("TCP", "Destination Port"): ("tcp.dstport", num),
    ("TCP", "Sequence Number"): ("tcp.seq_raw", num), ("TCP", "Acknowledgment Number"): ("tcp.ack_raw", num),
    ("TCP", "DOffset"): ("tcp.hdr_len", words4),
    ("TCP", "CWR"): ("tcp.flags.cwr", num), ("TCP", "ECE"): ("tcp.flags.ece", num),
    ("TCP", "URG"): ("tcp.flags.urg", num), ("TCP", "ACK"): ("tcp.flags.ack", num),
    ("TCP", "PSH"): ("tcp.flags.push", num), ("TCP", "RST"): ("tcp.flags.reset", num),
    ("TCP", "SYN"): ("tcp.flags.syn", num), ("TCP", "FIN"): ("tcp.flags.fin", num),
    ("TCP", "Window"): ("tcp.window_size_value", num), ("TCP", "Checksum"): ("tcp.checksum", num),
    ("TCP", "Urgent Pointer"): ("tcp.urgent_pointer", num), ("TCP", "MSS"): ("tcp.options.mss_val", num),
    ("TCP", "Shift"): ("tcp.options.wscale.shift", num),
    ("TCP", "TS value"): ("tcp.options.timestamp.tsval", num),
    ("TCP", "TS echo reply"): ("tcp.options.timestamp.tsecr", num),
}
MUST = {"Ethernet": 3, "IPv6": 8, "ICMPv6": 4, "TCP": 17, "UDP": 4}

r = compare(pictures, frames, decoded, MAP, MUST)
for want in ("IPv6", "ICMPv6", "TCP", "UDP"):
    if want not in r.layers:
        r.bad.append("no %s header was drawn" % want)
# every frame the client sent or received in the journey has its picture, but its
# housekeeping: router solicitations (133), MLD reports (143), DAD probes (from ::)
def housekeeping(d):
    return d.get("icmpv6.type") in ("133", "143") or (d.get("icmpv6.type") == "135" and d.get("ipv6.src") == "::")
for i in unpictured(frames, decoded, r.matched, "02:00:00:00:01:0a", housekeeping):
    r.bad.append("frame %d of the capture (the client's) has no picture" % (i + 1))
for b in r.bad[:40]:
    print("FAIL:", b)
print("pictures: %d, %d boxes compared with tshark, %d of %d captured frames matched" %
      (len(pictures), r.compared, len(r.matched), len(frames)))
sys.exit(1 if r.bad else 0)
EOF

# --- 4. in Korean ------------------------------------------------------------------------------
rc=0
run --ipv6 --lang ko >"$work/ko.txt" 2>&1 || rc=$?
[ $rc -eq 0 ] || { cat "$work/ko.txt"; fail "ustack demo --ipv6 --lang ko exited $rc"; }
k="$work/ko.txt"
has "$k" '중복 주소 탐지\(DAD, RFC 4862 5.4\)' "the Korean narration lacks DAD"
has "$k" '이웃 요청\(ICMPv6 타입 135\) "who-has 2001:db8:1::53"를 ff02::1:ff00:53로 보냈습니다' "the Korean narration lacks the NS"
has "$k" '앞에서처럼 클라이언트는 이웃 요청 "who-has 2001:db8:1::1"를 그 주소의 요청 노드 그룹' "the Korean narration lacks the router's NS"
has "$k" '이웃 광고\(ICMPv6 타입 136\)' "the Korean narration lacks the NA"
has "$k" '요청 노드 멀티캐스트 주소' "the Korean narration lacks the solicited-node address"
has "$k" 'mss 1440: 받을 수 있는 가장 큰 세그먼트 \(MTU 1500 - IPv6 40 - TCP 20 = 1440' "the Korean narration lacks MSS 1440"
has "$k" 'IPv6 헤더 \(RFC 8200 3\)' "the Korean header picture lacks the IPv6 title"
has "$k" '홉 제한 64 -> 63' "the Korean narration lacks the hop limit"
has "$k" 'getaddrinfo의 결과: struct addrinfo 하나, ai_family AF_INET6, ai_addr = \[2001:db8:2::80\]:80' "the Korean narration lacks getaddrinfo's result"

# --- 5. the page ----------------------------------------------------------------------------
rc=0
run --ipv6 --quiet --html "$work/demo.html" --pcap "$work/h.pcap" >"$work/h.txt" 2>&1 || rc=$?
[ $rc -eq 0 ] || { cat "$work/h.txt"; fail "ustack demo --ipv6 --html exited $rc"; }
tshark -r "$work/h.pcap" -T json -x >"$work/pcap.json" 2>"$work/tshark.err" ||
	{ cat "$work/tshark.err"; fail "tshark cannot read the page's capture"; }
PYTHONPATH="$(cd "$(dirname "$0")" && pwd)" "$PY" - "$work/demo.html" "$work/pcap.json" <<'EOF'
import sys
from lib_cdp import page_data
data = page_data(sys.argv[1], sys.argv[2])
assert data.get("ipv6") is True, "the page does not say it is the IPv6 journey"
client = [h for h in data["hosts"] if h["name"] == "client"][0]
assert client["addr"][0] == "2001:db8:1::10/64", "the client's first address is %r" % client["addr"]
lines = [f.get("line", "") for f in data["frames"]]
assert any(l.startswith("NDP NS") and "who-has 2001:db8:1::1 " in l for l in lines), "no NS line in the page"
assert any(l.startswith("NDP NA") for l in lines), "no NA line in the page"
steps = [s["title"] for s in data["steps"]]
assert any("TIME_WAIT" in t for t in steps), "no TIME_WAIT step: %r" % steps
print("page: %d frames equal to the capture's, %d steps" % (len(data["frames"]), len(steps)))
EOF
netns=()
if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
	netns=(unshare -n)
fi
rc=0
CDP_LIB=$(cd "$(dirname "$0")" && pwd) timeout 150 "${netns[@]}" "$PY" - "$CHROMIUM" "$work/demo.html" \
	"$work/profile" <<'EOF' || rc=$?
import json, os, select, subprocess, sys, time
chromium, page, profile = sys.argv[1:4]
sys.path.insert(0, os.environ["CDP_LIB"])
from lib_cdp import Page
bad = []
page_ = None
try:
    page_ = Page(chromium, profile, page)
    send, js, click_at, key, sid = page_.send, page_.js, page_.click_at, page_.key, page_.sid
    syn = "Array.from(document.querySelectorAll('#ladder .arrow')).find(function(g){return /^TCP SYN\\s/.test(g.getAttribute('data-line'))})"
    if not js("!!" + syn) or not click_at(syn + ".querySelector('line.hit')"):
        bad.append("no SYN arrow to click in the ladder")
    else:
        st = js("""(function(){
          var row = document.querySelector('#dissect tr[data-key="tcp.flags"]');
          var hl = Array.from(document.querySelectorAll('#hex .b.hl')).map(function(b){return +b.getAttribute('data-o')});
          var src = document.querySelector('#dissect tr[data-key="ipv6.src"]');
          return {flags: row && row.querySelector('.val').textContent, hl: hl,
                  src: src && src.querySelector('.val').textContent,
                  pic: document.querySelectorAll('#picture table').length,
                  pictext: document.getElementById('picture').textContent};
        })()""")
        print("after the click on the SYN:", json.dumps({k: st[k] for k in ("flags", "hl", "src", "pic")}))
        if not st["flags"] or not st["flags"].startswith("000010"):
            bad.append("the packet pane shows flags %r, not 000010" % st["flags"])
        if st["hl"] != [67]:
            bad.append("the highlighted bytes are %r, not [67] (14 Ethernet + 40 IPv6 + 13)" % st["hl"])
        if st["src"] != "2001:db8:1::10":
            bad.append("the packet pane's IPv6 source is %r" % st["src"])
        if st["pic"] < 3 or "Flow Label" not in st["pictext"]:
            bad.append("the pictures (%d) lack the IPv6 header" % st["pic"])
    ns = "Array.from(document.querySelectorAll('#ladder .arrow')).find(function(g){return /^NDP NS\\s+who-has 2001:db8:1::1 /.test(g.getAttribute('data-line'))})"
    if not js("!!" + ns) or not click_at(ns + ".querySelector('line.hit')"):
        bad.append("no NS arrow to click in the ladder")
    else:
        t = js("""(function(){var r = document.querySelector('#dissect tr[data-key="icmpv6.opt.linkaddr"]');
                  return r && r.querySelector('.val').textContent;})()""")
        if t != "02:00:00:00:01:0a":
            bad.append("the NS's source link-layer address in the packet pane is %r" % t)
    js("document.activeElement && document.activeElement.blur && document.activeElement.blur()")
    key("End", "End", 35)
    key("ArrowLeft", "ArrowLeft", 37)
    tw = js("document.getElementById('step-title').textContent")
    if "TIME_WAIT → CLOSED" not in tw:
        bad.append("the step before the summary is %r, not TIME_WAIT → CLOSED" % tw)
except Exception as e:
    bad.append("driving chromium: %s: %s" % (type(e).__name__, e))
finally:
    if page_:
        page_.close()
if page_:
    bad += page_.problems()
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
EOF
[ $rc -eq 0 ] || fail "the --ipv6 page in Chromium (exit $rc)"

# --- 6. a lossy link, --step, misuse -------------------------------------------------------------
rc=0
run --ipv6 --loss 0.2 --seed 7 --quiet >"$work/loss.txt" 2>&1 || rc=$?
[ $rc -eq 0 ] || { cat "$work/loss.txt"; fail "ustack demo --ipv6 --loss 0.2 --seed 7 exited $rc"; }
has "$work/loss.txt" 'www\.example\.test -> 2001:db8:2::80 -> HTTP 200 OK' "the lossy run did not fetch the page over IPv6"
has "$work/loss.txt" '^  lossy link +0\.20: [0-9]+ frames dropped of [0-9]+' "the lossy run does not report its losses"
rc=0
run --ipv6 --step </dev/null >"$work/step.txt" 2>&1 || rc=$?
[ $rc -eq 0 ] || { tail -20 "$work/step.txt"; fail "ustack demo --ipv6 --step </dev/null exited $rc"; }
has "$work/step.txt" 'TIME_WAIT -> CLOSED' "the --step run did not reach CLOSED"
for bad_args in "--ipv6 --scenario mail" "--ipv6 --tap uwalk0 --addr 10.0.1.10/24"; do
	rc=0
	# shellcheck disable=SC2086
	"$BIN" demo $bad_args >"$work/usage.txt" 2>&1 || rc=$?
	[ $rc -eq 2 ] || fail "'demo $bad_args' exited $rc, not 2"
	grep -q -- '--ipv6' "$work/usage.txt" || fail "'demo $bad_args' does not say why"
done
echo "test_demo_ipv6: ok"
