"""lib_cdp.py - the demo's page for its tests (test_demo_html.sh, test_demo_ipv6.sh):
page_data() checks the frames it embeds against the capture; Page drives headless
Chromium over its DevTools protocol on a pipe.

    page = Page(chromium, profile_dir, "/path/demo.html")   # loaded, 1280 x 900
    page.js("document.title"); page.click_at("document.querySelector('#next')")
    page.key("End", "End", 35); page.send("Page.captureScreenshot", {...}, session=page.sid)
    page.close(); problems = page.problems()   # exceptions, console errors, network use

Commands go to the child's fd 3 and replies come on its fd 4, NUL-terminated JSON; the
browser runs with no proxy and every name unresolvable, so a page that reached for the
network would fail, and problems() says so."""
import json, os, re, select, subprocess, time


def page_data(page_path, pcap_json_path):
    """The demo page's embedded data, once its frames are checked to be the capture's
    byte for byte (pcap_json: `tshark -T json -x`) and the page refers to no network
    resource. Raises AssertionError saying what differs."""
    page = open(page_path, encoding="utf-8").read()
    m = re.search(r'<script type="application/json" id="demo-data">(.*?)</script>', page, re.S)
    assert m, "the page has no data block"
    data = json.loads(m.group(1))
    wire = [p["_source"]["layers"]["frame_raw"][0] for p in json.load(open(pcap_json_path))]
    frames = [f["hex"] for f in data["frames"]]
    assert len(frames) == len(wire), "the page has %d frames, the capture %d" % (len(frames), len(wire))
    for i, (a, b) in enumerate(zip(frames, wire)):
        assert a == b, "frame %d differs from the capture:\n page %s\n pcap %s" % (i + 1, a[:120], b[:120])
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:|//)', page), "the page refers to the network"
    data["_page_bytes"] = len(page)
    return data


class Page:
    def __init__(self, chromium, profile, path, width=1280, height=900):
        cmd_r, self._cmd_w = os.pipe()
        self._res_r, res_w = os.pipe()

        def child():
            a, b = os.dup(cmd_r), os.dup(res_w)     # above 4: neither dup2 clobbers the other
            os.dup2(a, 3)
            os.dup2(b, 4)
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
             "--no-default-browser-check", "--user-data-dir=" + profile,
             "--remote-debugging-pipe", "--disable-extensions", "--disable-sync",
             "--disable-background-networking", "--disable-component-update",
             "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
             "--mute-audio", "--hide-scrollbars", "about:blank"],
            pass_fds=(3, 4, cmd_r, res_w), preexec_fn=child,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(cmd_r)
        os.close(res_w)
        self._buf, self._id, self.events, self.sid = b"", 0, [], None
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.sid = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for dom in ("Page", "Runtime", "Log", "Network"):
            self.send(dom + ".enable", session=self.sid)
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                  "deviceScaleFactor": 1, "mobile": False}, session=self.sid)
        self.send("Page.navigate", {"url": "file://" + os.path.abspath(path)}, session=self.sid)
        self.wait_event("Page.loadEventFired")

    def _read(self, deadline):
        while b"\0" not in self._buf:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("chromium did not answer in time")
            r, _, _ = select.select([self._res_r], [], [], left)
            if r:
                chunk = os.read(self._res_r, 1 << 20)
                if not chunk:
                    raise EOFError("chromium closed its pipe")
                self._buf += chunk
        m, self._buf = self._buf.split(b"\0", 1)
        return json.loads(m)

    def send(self, method, params=None, session=None, timeout=30):
        """A command's result; events read meanwhile are kept in self.events."""
        self._id += 1
        m = {"id": self._id, "method": method, "params": params or {}}
        if session:
            m["sessionId"] = session
        os.write(self._cmd_w, json.dumps(m).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            r = self._read(deadline)
            if r.get("id") == self._id:
                if "error" in r:
                    raise RuntimeError("%s: %s" % (method, r["error"]))
                return r.get("result", {})
            self.events.append(r)

    def wait_event(self, name, timeout=30):
        deadline = time.time() + timeout
        for i, e in enumerate(self.events):
            if e.get("method") == name:
                return self.events.pop(i)
        while True:
            r = self._read(deadline)
            if r.get("method") == name:
                return r
            self.events.append(r)

    def js(self, expr):
        """The value of a page expression (promises awaited)."""
        r = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                      "awaitPromise": True}, session=self.sid)
        if "exceptionDetails" in r:
            raise RuntimeError("page script failed: %s" % r["exceptionDetails"].get("text"))
        return r["result"].get("value")

    def click_at(self, element_expr):
        """A left click in the middle of the element the expression names; False if none."""
        box = self.js("(function(){var e=%s; if(!e) return null; e.scrollIntoView({block:'center'});"
                      "var r=e.getBoundingClientRect(); return [r.left+r.width/2, r.top+r.height/2];})()"
                      % element_expr)
        if not box:
            return False
        for t in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": t, "x": box[0], "y": box[1],
                      "button": "left", "clickCount": 1}, session=self.sid)
        return True

    def key(self, k, code, vk):
        for t in ("keyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", {"type": t, "key": k, "code": code,
                      "windowsVirtualKeyCode": vk}, session=self.sid)

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def problems(self):
        """What the page did wrong: exceptions, console errors and warnings, log errors,
        requests for anything but the file itself, data: or about:blank."""
        bad = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                bad.append("exception: %s" % d.get("exception", {}).get("description", d.get("text")))
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
                bad.append("console %s: %s" % (p["type"], " ".join(
                    str(a.get("value", a.get("description"))) for a in p.get("args", []))))
            elif m == "Log.entryAdded" and p["entry"].get("level") in ("error", "warning"):
                bad.append("log %s: %s" % (p["entry"]["level"], p["entry"].get("text")))
            elif m == "Network.requestWillBeSent":
                u = p["request"]["url"]
                if not (u.startswith("file://") or u.startswith("data:") or u == "about:blank"):
                    bad.append("the page asked the network for %s" % u)
        return bad
