#!/usr/bin/env bash
# test_demo_html.sh - `ustack demo --html FILE` writes one page that works offline:
#  1. the frames embedded in the page are the run's capture, byte for byte (tshark reads
#     the pcap of the same run);
#  2. headless Chromium, driven over its DevTools pipe (--remote-debugging-pipe), opens the
#     page from file:// with no network (its own network namespace when we are root; a
#     dead proxy and resolver anyway): no console error, no exception, no request other
#     than the file itself; a click on the SYN arrow of the ladder shows the flags
#     000010 with SYN set in the packet pane and lights the byte of the flags in the hex
#     pane; a click on a byte lights its field; the End key steps to the last step, which
#     shows TIME_WAIT -> CLOSED; the Korean switch changes the narration;
#  3. screenshots at a desktop width (in English and in Korean) and at a phone width (the
#     page fills the 390 px screen, no sideways scrolling, no zooming out) are written to
#     the test's output (build/test-output/demo_html/) and are not blank.
set -euo pipefail

BIN=${USTACK_BIN:?USTACK_BIN must name the ustack binary}
OUTDIR=${USTACK_BUILD:-/tmp}/test-output/demo_html
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || { echo "test_demo_html: chromium is missing (scripts/install-deps.sh installs it)"; exit 1; }
for tool in tshark "$PY"; do
	command -v "$tool" >/dev/null || { echo "test_demo_html: $tool is missing (scripts/install-deps.sh installs it)"; exit 1; }
done

work=$(mktemp -d /tmp/ustack-test-demo-html.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$OUTDIR"
fail() { echo "FAIL: $*"; exit 1; }

rc=0
HOME="$work" timeout 120 "$BIN" demo --quiet --html "$work/demo.html" --pcap "$work/demo.pcap" \
	>"$work/out.txt" 2>&1 || rc=$?
[ $rc -eq 0 ] || { cat "$work/out.txt"; fail "ustack demo --html exited $rc"; }
[ -s "$work/demo.html" ] || fail "no page written"

# --- 1. the page's frames are the capture -------------------------------------------------
tshark -r "$work/demo.pcap" -T json -x >"$work/pcap.json" 2>"$work/tshark.err" ||
	{ cat "$work/tshark.err"; fail "tshark cannot read the capture"; }
PYTHONPATH="$(cd "$(dirname "$0")" && pwd)" "$PY" - "$work/demo.html" "$work/pcap.json" <<'EOF'
import sys
from lib_cdp import page_data
data = page_data(sys.argv[1], sys.argv[2])
steps = [s["title"] for s in data["steps"]]
assert any("TIME_WAIT" in t for t in steps), "no TIME_WAIT step: %r" % steps
print("page: %d frames equal to the capture's, %d steps, %d bytes" % (len(data["frames"]), len(steps), data["_page_bytes"]))
EOF

# --- 2 and 3. Chromium -----------------------------------------------------------------
netns=()
if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
	netns=(unshare -n)
fi
rc=0
CDP_LIB=$(cd "$(dirname "$0")" && pwd) timeout 150 "${netns[@]}" "$PY" - "$CHROMIUM" "$work/demo.html" \
	"$work/profile" "$OUTDIR" <<'EOF' || rc=$?
import base64, json, os, select, struct, subprocess, sys, time, zlib
chromium, page, profile, outdir = sys.argv[1:5]

sys.path.insert(0, os.environ["CDP_LIB"])
from lib_cdp import Page

bad = []
page_ = None
try:
    page_ = Page(chromium, profile, page)
    send, js, click_at, key, sid = page_.send, page_.js, page_.click_at, page_.key, page_.sid

    # the SYN: the first arrow whose frame is a TCP SYN without ACK
    syn = "Array.from(document.querySelectorAll('#ladder .arrow')).find(function(g){return /^TCP SYN\\s/.test(g.getAttribute('data-line'))})"
    if not js("!!" + syn):
        bad.append("the ladder has no SYN arrow")
    elif not click_at(syn + ".querySelector('line.hit')"):
        bad.append("cannot click the SYN arrow")
    else:
        st = js("""(function(){
          var row = document.querySelector('#dissect tr[data-key="tcp.flags"]');
          var syn = document.querySelector('#dissect tr[data-key="tcp.flags.syn"]');
          var ack = document.querySelector('#dissect tr[data-key="tcp.flags.ack"]');
          var hl = Array.from(document.querySelectorAll('#hex .b.hl')).map(function(b){return +b.getAttribute('data-o')});
          var tcp = document.querySelector('#dissect tr[data-key="tcp.srcport"]');
          return {line: document.getElementById('frame-line').textContent,
                  flags: row && row.querySelector('.val').textContent,
                  flagsHl: row && row.classList.contains('hl'),
                  syn: syn && syn.querySelector('.val').textContent,
                  ack: ack && ack.querySelector('.val').textContent,
                  hl: hl, cur: !!document.querySelector('#ladder .arrow.cur'),
                  pic: document.querySelectorAll('#picture table').length,
                  picHl: Array.from(document.querySelectorAll('#picture td.hl')).map(function(t){return t.textContent})};
        })()""")
        print("after the click on the SYN:", json.dumps(st, ensure_ascii=False))
        if not st["flags"] or not st["flags"].startswith("000010"):
            bad.append("the packet pane shows flags %r, not 000010" % st["flags"])
        if st["syn"] != "1" or st["ack"] != "0":
            bad.append("SYN bit %r, ACK bit %r in the packet pane" % (st["syn"], st["ack"]))
        if st["hl"] != [47]:
            bad.append("the highlighted bytes are %r, not [47] (the flags' byte: 14 + 20 + 13)" % st["hl"])
        if not st["flagsHl"]:
            bad.append("the flags row is not highlighted")
        if len(st["picHl"]) != 8:
            bad.append("the picture lights %d boxes for the flags, not the 8 control bits" % len(st["picHl"]))
        if st["pic"] < 3:
            bad.append("%d header pictures, want Ethernet, IPv4 and TCP" % st["pic"])
        # a byte clicked lights its field: byte 36 is the TCP destination port's first
        if click_at("document.querySelector('#hex .b[data-o=\"36\"]')"):
            st2 = js("""(function(){var r=document.querySelector('#dissect tr.hl'); return r && r.getAttribute('data-key');})()""")
            if st2 != "tcp.dstport":
                bad.append("clicking byte 36 lit %r, not tcp.dstport" % st2)
        else:
            bad.append("no byte 36 in the hex pane")
    # to the end with the keyboard
    js("document.activeElement && document.activeElement.blur && document.activeElement.blur()")
    key("End", "End", 35)
    end = js("({title: document.getElementById('step-title').textContent, text: document.getElementById('narration').textContent, next: document.getElementById('next').disabled, chips: Array.from(document.querySelectorAll('.chip.now')).map(function(c){return c.getAttribute('data-state')})})")
    print("after End:", json.dumps({"title": end["title"], "next": end["next"], "chips": end["chips"]}, ensure_ascii=False))
    key("ArrowLeft", "ArrowLeft", 37)
    tw = js("document.getElementById('step-title').textContent")
    if "TIME_WAIT → CLOSED" not in tw:
        bad.append("the step before the summary is %r, not the TIME_WAIT → CLOSED step" % tw)
    if "TIME_WAIT -> CLOSED" not in end["text"]:
        bad.append("the last step (%r) does not say TIME_WAIT -> CLOSED" % end["title"])
    if not end["next"]:
        bad.append("at the end, 'next' is still enabled")
    if "CLOSE" not in " ".join(end["chips"]):
        bad.append("at the end the client's connection is not shown CLOSED: %r" % end["chips"])
    # Korean
    key("l", "KeyL", 76)
    ko = js("document.getElementById('narration').textContent + '|' + document.documentElement.lang")
    if not ko.endswith("|ko") or not any("\uac00" <= ch <= "\ud7a3" for ch in ko):
        bad.append("the language switch does not show Korean")
    key("l", "KeyL", 76)
    key("Home", "Home", 36)
    # screenshots: desktop, then a phone
    def shot(name, w, h, mobile):
        send("Emulation.setDeviceMetricsOverride", {"width": w, "height": h, "deviceScaleFactor": 1,
                                                     "mobile": mobile}, session=sid)
        js("window.scrollTo(0, 0); new Promise(function(r){requestAnimationFrame(function(){requestAnimationFrame(r)})})")
        over = js("document.documentElement.scrollWidth - window.innerWidth")
        fill = js("[window.innerWidth, Math.round(document.querySelector('main').getBoundingClientRect().width)]")
        print("%s: window %d px wide, the page's main column %d px" % (name, fill[0], fill[1]))
        if fill[1] < fill[0] - 24:
            print(js("Array.from(document.querySelectorAll('body *')).filter(function(e){return !e.closest('#ladder') && !e.closest('.pic') && !e.closest('#hex') && e.getBoundingClientRect().right > %d}).slice(0,8).map(function(e){return e.tagName+'#'+e.id+'.'+e.className+' '+Math.round(e.getBoundingClientRect().right)}).join(' | ')" % (fill[1] + 2)))
            bad.append("%s: the page uses %d of the window's %d px" % (name, fill[1], fill[0]))
        png = base64.b64decode(send("Page.captureScreenshot", {"format": "png"}, session=sid)["data"])
        path = os.path.join(outdir, name)
        open(path, "wb").write(png)
        return path, png, over
    click_at(syn + ".querySelector('line.hit')")
    shots = [shot("desktop.png", 1280, 900, False)]
    key("l", "KeyL", 76)
    shots.append(shot("desktop-ko.png", 1280, 900, False))
    key("l", "KeyL", 76)
    shots.append(shot("phone.png", 390, 844, True))
except Exception as e:
    bad.append("driving chromium: %s: %s" % (type(e).__name__, e))
    shots = []
finally:
    if page_:
        page_.close()

def colours(png):
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(png):
        ln, typ = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + ln]
        if typ == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), "PNG type %d/%d" % (depth, ctype)
            bpp = 3 if ctype == 2 else 4
        elif typ == b"IDAT":
            idat += body
        pos += 12 + ln
    raw, stride, prev, seen, i = zlib.decompress(idat), w * bpp, None, set(), 0
    for _ in range(h):
        ft, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        prev = prev or bytearray(stride)
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if ft == 1: line[x] = (line[x] + a) & 255
            elif ft == 2: line[x] = (line[x] + b) & 255
            elif ft == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        seen.update(bytes(line[x:x + 3]) for x in range(0, stride, bpp * 7))
        prev = line
    return len(seen), w, h

for path, png, over in shots:
    n, w, h = colours(png)
    print("screenshot %s: %dx%d, %d colours, %d px wider than the window" % (path, w, h, n, over))
    if n < 20:
        bad.append("%s is blank (%d colours)" % (path, n))
    if over > 1:
        bad.append("%s: the page is %d px wider than the window (sideways scrolling)" % (path, over))

# what the page said to its console, and whether it reached for the network
if page_:
    bad += page_.problems()
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
EOF
[ $rc -eq 0 ] || fail "the page in Chromium (exit $rc)"
echo "screenshots: $OUTDIR/desktop.png $OUTDIR/desktop-ko.png $OUTDIR/phone.png"
echo "test_demo_html: ok"
