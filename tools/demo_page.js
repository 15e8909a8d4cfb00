/* demo_page.js - the walkthrough page of `ustack demo --html`: everything it shows comes
 * from the JSON the demo wrote (#demo-data): the capture's frames, taken apart by the
 * demo's own dissector, the narration of each step in English and Korean, the client's
 * tables at the end of each step, and each TCP connection's state changes. No fetch, no
 * library: the page works from file:// with no network. */
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('demo-data').textContent);
  var lang = D.lang === 'ko' ? 'ko' : 'en';
  var UI = {
    en: {
      title: D.scenario === 'mail' ? 'ustack demo: a mail goes out, layer by layer' :
        'ustack demo: a web page, layer by layer',
      ladder: 'Ladder (click an arrow)', packet: 'Packet', bytes: 'Bytes (click a byte)',
      picture: 'Header pictures (32 bits a row, as the RFCs draw them)', tables: 'Tables',
      netstat: 'netstat of the client, at the end of this step',
      neigh: 'Neighbour (ARP) cache of the client, at the end of this step',
      neigh6: 'Neighbour caches (ARP, NDP) of the client, at the end of this step', conns: 'TCP connections: states over time',
      field: 'Field', value: 'Value', meaning: 'Meaning', step: 'step', frame: 'frame',
      noframe: 'No frame on the wire in this step: the narration says what happened.',
      nosock: '(no sockets)', noneigh: '(empty)', lost: ' ✗ lost', retrans: ' (again)',
      keys: 'Keys: → or n next · ← or p previous · space play/pause · Home/End · l language · click an arrow, a field or a byte',
      flags: 'Flags (URG ACK PSH RST SYN FIN)', at: 'at', ms: 'ms'
    },
    ko: {
      title: D.scenario === 'mail' ? 'ustack demo: 메일 한 통이 계층을 따라 나가는 길' :
        'ustack demo: 웹 페이지 하나가 계층을 지나는 길',
      ladder: '사다리 그림 (화살표를 누르세요)', packet: '패킷', bytes: '바이트 (바이트를 누르세요)',
      picture: '헤더 그림 (RFC처럼 한 줄에 32비트)', tables: '표',
      netstat: '이 단계가 끝났을 때 클라이언트의 netstat',
      neigh: '이 단계가 끝났을 때 클라이언트의 이웃(ARP) 캐시',
      neigh6: '이 단계가 끝났을 때 클라이언트의 이웃 캐시(ARP, NDP)', conns: 'TCP 연결: 시간에 따른 상태',
      field: '필드', value: '값', meaning: '뜻', step: '단계', frame: '프레임',
      noframe: '이 단계에는 선로에 나간 프레임이 없습니다: 무슨 일이 있었는지는 설명을 보세요.',
      nosock: '(소켓 없음)', noneigh: '(비어 있음)', lost: ' ✗ 유실', retrans: ' (재전송)',
      keys: '키: → 또는 n 다음 · ← 또는 p 이전 · 스페이스 재생/멈춤 · Home/End · l 언어 · 화살표, 필드, 바이트를 누르세요',
      flags: '플래그 (URG ACK PSH RST SYN FIN)', at: '시각', ms: 'ms'
    }
  };
  var $ = function (id) { return document.getElementById(id); };
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  var SVG = 'http://www.w3.org/2000/svg';
  function sv(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /* --- frames: bytes, fields (with the flags as the demo writes them) --- */
  var FLAG6 = ['URG', 'ACK', 'PSH', 'RST', 'SYN', 'FIN'];
  D.frames.forEach(function (f) {
    f.bytes = [];
    for (var i = 0; i + 1 < f.hex.length; i += 2) f.bytes.push(parseInt(f.hex.substr(i, 2), 16));
    f.fl = f.fields.map(function (a) {
      return { layer: a[0], key: a[1], label: a[2], label_ko: a[3], off: a[4], bit: a[5], bits: a[6],
        text: a[7], about: a[8], about_ko: a[9] };
    });
    f.ly = f.layers.map(function (a) {
      return { kind: a[0], name: a[1], title: a[2], title_ko: a[3], off: a[4], hdr: a[5], len: a[6] };
    });
    /* the six control bits of RFC 793, as the narration prints them: one row of the TCP layer */
    var syn = null;
    f.fl.forEach(function (x, i) { if (x.key === 'tcp.flags.urg') syn = i; });
    if (syn !== null) {
      var u = f.fl[syn], bits = '', names = [];
      for (var k = 0; k < 6; k++) {
        var b = (f.bytes[u.off] >> (5 - k)) & 1;
        bits += b;
        if (b) names.push(FLAG6[k]);
      }
      f.fl.splice(syn - 2, 0, { layer: u.layer, key: 'tcp.flags', label: UI.en.flags, label_ko: UI.ko.flags,
        off: u.off, bit: 0, bits: 8, text: bits + (names.length ? ' (' + names.join(' ') + ')' : ''),
        about: 'the control bits, as the demo prints them: [' + bits + ']',
        about_ko: '데모가 찍는 그대로의 제어 비트: [' + bits + ']', summary: true });
    }
    f.isTcp = syn !== null;
  });
  function fieldEnd(x) { return x.off + Math.ceil((x.bit + x.bits) / 8); }

  /* --- stops: each frame of each step, or the step itself when it has none --- */
  var stops = [];
  D.steps.forEach(function (s, si) {
    var any = false;
    D.frames.forEach(function (f, fi) {
      if (f.step === s.step) { stops.push({ s: si, f: fi }); any = true; }
    });
    if (!any) stops.push({ s: si, f: -1 });
  });
  var cur = 0, selField = -1, timer = null;

  /* --- the ladder --- */
  var cols = [];
  (function () {
    var used = {};
    D.frames.forEach(function (f) { if (f.from >= 0) used[f.from] = 1; if (f.to >= 0) used[f.to] = 1; });
    var client = -1;
    D.hosts.forEach(function (h, i) { if (h.name === 'client') client = i; });
    if (client >= 0) cols.push(client);
    D.hosts.forEach(function (h, i) { if (i !== client && used[i]) cols.push(i); });
  })();
  var colX = {}, W = 120, X0 = 70, ROW = 26, Y0 = 46;
  cols.forEach(function (h, i) { colX[h] = X0 + i * W; });

  function shortLine(f) {
    var l = f.line.replace(/\s+/g, ' ');
    var m = /^TCP (\S+) +\[([01]{6})\].*len=(\d+)/.exec(l);
    if (m) {
      var http = /"([^"]*)"$/.exec(l);
      return m[1] + (m[3] !== '0' ? ' len=' + m[3] : '') + (http ? ' ' + http[1].slice(0, 18) : '');
    }
    m = /^ARP request\s+who-has (\S+)/.exec(l);
    if (m) return 'ARP who-has ' + m[1];
    m = /^ARP reply\s+(\S+) is-at/.exec(l);
    if (m) return 'ARP ' + m[1] + ' is-at';
    m = /^NDP NS (\(DAD\) )?who-has (\S+)/.exec(l);
    if (m) return 'NS who-has ' + m[2];
    m = /^NDP NA\s+(\S+) is-at/.exec(l);
    if (m) return 'NA ' + m[1] + ' is-at';
    m = /^DNS (query|answer)\s+id=(\S+)\s+(\S+)( \S+)?/.exec(l);
    if (m) return 'DNS ' + m[1] + ' ' + (m[1] === 'query' ? m[3] : '') ;
    return l.slice(0, 24);
  }

  function buildLadder() {
    var n = D.frames.length;
    var width = X0 + (cols.length - 1) * W + 130, height = Y0 + n * ROW + 20;
    var s = sv('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height,
      role: 'img', 'aria-label': 'ladder diagram' });
    cols.forEach(function (h) {
      var x = colX[h];
      s.appendChild(sv('text', { x: x, y: 16, class: 'hname' }, D.hosts[h].name));
      s.appendChild(sv('text', { x: x, y: 30, class: 'hname', style: 'font-weight:normal;font-size:10px' },
        (D.hosts[h].addr[0] || '').replace(/\/\d+$/, '')));
      s.appendChild(sv('line', { x1: x, y1: 36, x2: x, y2: height - 6, class: 'col' }));
    });
    var lastStep = null;
    D.frames.forEach(function (f, i) {
      var y = Y0 + i * ROW + 14;
      if (f.step !== lastStep) {
        lastStep = f.step;
        s.appendChild(sv('line', { x1: 0, y1: y - 14, x2: width, y2: y - 14, stroke: '#e3e7ec' }));
        s.appendChild(sv('text', { x: 2, y: y - 3, class: 'steplabel' }, stepNo(f.step)));
      }
      var g = sv('g', { class: 'arrow' + (f.lost && f.to >= 0 && f.to !== f.from ? ' lost' : ''), 'data-i': i, 'data-line': f.line,
        tabindex: '-1' });
      g.appendChild(sv('title', {}, '#' + f.no + (f.t !== null ? '  +' + f.t.toFixed(3) + ' ms  ' : '  ') + f.line));
      var x1 = colX[f.from], x2 = colX[f.to], xmax = X0 + (cols.length - 1) * W;
      if (x1 === undefined) x1 = x2 === undefined ? X0 : x2 - 40;
      var nobody = x2 === undefined || x2 === x1;
      if (nobody) x2 = x1 >= xmax ? x1 - 40 : x1 + 40;   /* nobody took it (an announcement) */
      g.appendChild(sv('line', { x1: Math.min(x1, x2), y1: y, x2: Math.max(x1, x2), y2: y, class: 'hit' }));
      var lost = f.lost && !nobody;
      var tip = lost ? (x1 + x2) / 2 : x2;
      g.appendChild(sv('line', { x1: x1, y1: y, x2: tip, y2: y }));
      var d = x2 >= x1 ? -6 : 6;
      if (!lost) g.appendChild(sv('path', { d: 'M' + (tip + d) + ' ' + (y - 4) + ' L' + tip + ' ' + y + ' L' + (tip + d) + ' ' + (y + 4) }));
      else g.appendChild(sv('path', { d: 'M' + (tip - 4) + ' ' + (y - 4) + ' l8 8 m0 -8 l-8 8', style: 'stroke:#c62828' }));
      var tx = Math.min(x1, x2) + 4;
      if (tx > xmax - 60) tx = xmax - 60;
      g.appendChild(sv('text', { x: tx, y: y - 3 }, '#' + f.no + ' ' + shortLine(f) + (f.retrans ? ' ↻' : '')));
      g.addEventListener('click', function () { stopAt(stopOfFrame(i)); });
      s.appendChild(g);
    });
    $('ladder').appendChild(s);
  }
  function stepNo(step) {
    if (step < 0) return '·';
    for (var i = 0; i < D.steps.length; i++) if (D.steps[i].step === step) return D.steps[i].title.split(/\s+/)[0];
    return '';
  }
  function stopOfFrame(fi) {
    for (var i = 0; i < stops.length; i++) if (stops[i].f === fi) return i;
    return cur;
  }

  /* --- the packet pane --- */
  function fieldsOf(f) { return f ? f.fl : []; }
  function lab(x) { return lang === 'ko' && x.label_ko ? x.label_ko : x.label; }
  function about(x) { return (lang === 'ko' ? x.about_ko : x.about) || ''; }

  function renderPacket(f) {
    var dis = $('dissect'), hex = $('hex'), pic = $('picture');
    dis.textContent = ''; hex.textContent = ''; pic.textContent = '';
    if (!f) { $('frame-line').textContent = UI[lang].noframe; return; }
    $('frame-line').textContent = '#' + f.no + (f.t !== null ? '  +' + f.t.toFixed(3) + ' ms  ' : '  ') +
      (f.from >= 0 ? D.hosts[f.from].name : '?') + ' → ' + (f.to >= 0 ? D.hosts[f.to].name : '?') + '   ' +
      f.line + (f.lost ? UI[lang].lost : '') + (f.retrans ? UI[lang].retrans : '');
    f.ly.forEach(function (L, li) {
      var det = el('details', { open: '', class: 'L' + L.kind });
      det.appendChild(el('summary', null, (lang === 'ko' ? L.title_ko : L.title) + '  [' + L.off + '-' +
        (L.off + L.len - 1) + ']'));
      var t = el('table', { class: 'fields' });
      var hr = el('tr');
      [UI[lang].field, UI[lang].value, UI[lang].meaning].forEach(function (h) { hr.appendChild(el('th', null, h)); });
      t.appendChild(hr);
      f.fl.forEach(function (x, xi) {
        if (x.layer !== li) return;
        var tr = el('tr', { 'data-f': xi, 'data-key': x.key });
        tr.appendChild(el('td', null, lab(x)));
        tr.appendChild(el('td', { class: 'val' }, x.text));
        tr.appendChild(el('td', { class: 'about' }, about(x)));
        tr.addEventListener('click', function () { selectField(xi); });
        tr.addEventListener('mouseenter', function () { showField(xi); });
        tr.addEventListener('mouseleave', function () { showField(selField); });
        t.appendChild(tr);
      });
      det.appendChild(t);
      dis.appendChild(det);
    });
    /* hex: 16 bytes a line, each byte tinted by its layer */
    var layerAt = function (o) {
      var k = -1;
      f.ly.forEach(function (L, li) { if (o >= L.off && o < L.off + L.len) k = li; });
      return k;
    };
    for (var o = 0; o < f.bytes.length; o += 16) {
      var line = el('div');
      line.appendChild(el('span', { class: 'off' }, ('000' + o.toString(16)).slice(-4)));
      var asc = '';
      for (var j = o; j < o + 16 && j < f.bytes.length; j++) {
        var li = layerAt(j);
        var b = el('span', { class: 'b' + (li >= 0 ? ' L' + f.ly[li].kind : ''), 'data-o': j },
          ('0' + f.bytes[j].toString(16)).slice(-2));
        b.addEventListener('click', byteClick);
        line.appendChild(b);
        asc += f.bytes[j] >= 32 && f.bytes[j] < 127 ? String.fromCharCode(f.bytes[j]) : '.';
      }
      line.appendChild(el('span', { class: 'asc' }, asc));
      hex.appendChild(line);
    }
    renderPictures(f);
  }

  function byteClick(ev) {
    var f = curFrame(), o = +ev.currentTarget.getAttribute('data-o'), best = -1;
    f.fl.forEach(function (x, xi) {
      if (x.summary) return;
      if (o >= x.off && o < fieldEnd(x) && (best < 0 || x.bits <= f.fl[best].bits)) best = xi;
    });
    if (best >= 0) selectField(best);
  }

  /* the header pictures: one table per header, 32 columns, a cell per field per row */
  function renderPictures(f) {
    var pic = $('picture');
    f.ly.forEach(function (L, li) {
      if (L.kind === 7 || !L.hdr) return;
      var t = el('table');
      t.appendChild(el('caption', null, lang === 'ko' ? L.title_ko : L.title));
      var hr = el('tr');
      for (var b = 0; b < 32; b++) hr.appendChild(el('th', null, b % 10));
      t.appendChild(hr);
      var total = L.hdr * 8;
      var own = [];
      f.fl.forEach(function (x, xi) { if (x.layer === li && !x.summary) own.push(xi); });
      for (var r0 = 0; r0 < total; r0 += 32) {
        var tr = el('tr');
        var b2 = 0, rb = Math.min(32, total - r0);
        while (b2 < rb) {
          var abs = r0 + b2, hit = -1;
          own.forEach(function (xi) {
            var x = f.fl[xi], s = (x.off - L.off) * 8 + x.bit;
            if (abs >= s && abs < s + x.bits && hit < 0) hit = xi;
          });
          var span = 1, first = true;
          if (hit >= 0) {
            var x = f.fl[hit], s0 = (x.off - L.off) * 8 + x.bit;
            span = Math.min(s0 + x.bits, r0 + rb) - abs;
            first = abs === s0;
          }
          var td = el('td', { colspan: span });
          if (hit >= 0) {
            td.setAttribute('data-f', hit);
            var xx = f.fl[hit];
            td.appendChild(el('span', { class: 'lab' }, first ? lab(xx) : '…'));
            td.appendChild(el('span', { class: 'v' }, first ? xx.text : '…'));
            td.title = lab(xx) + ': ' + xx.text;
            (function (h) { td.addEventListener('click', function () { selectField(h); }); })(hit);
          }
          tr.appendChild(td);
          b2 += span;
        }
        t.appendChild(tr);
      }
      var wrap = el('div', { class: 'pic' });
      wrap.appendChild(t);
      pic.appendChild(wrap);
    });
  }

  function showField(xi) {
    var f = curFrame();
    document.querySelectorAll('.hl').forEach(function (e) { e.classList.remove('hl'); });
    if (!f || xi < 0 || !f.fl[xi]) return;
    var x = f.fl[xi];
    for (var o = x.off; o < fieldEnd(x); o++) {
      var b = document.querySelector('#hex .b[data-o="' + o + '"]');
      if (b) b.classList.add('hl');
    }
    document.querySelectorAll('[data-f="' + xi + '"]').forEach(function (e) { e.classList.add('hl'); });
    if (x.summary)      /* the flags: light each bit's box of the picture */
      f.fl.forEach(function (y, yi) {
        if (!y.summary && y.layer === x.layer && y.off === x.off && y.bits === 1)
          document.querySelectorAll('#picture [data-f="' + yi + '"]').forEach(function (e) { e.classList.add('hl'); });
      });
  }
  function selectField(xi) { selField = xi; showField(xi); }

  /* --- the tables --- */
  function table(head, rows, empty) {
    if (!rows.length) return el('p', { class: 'muted' }, empty);
    var t = el('table'), hr = el('tr');
    head.forEach(function (h) { hr.appendChild(el('th', null, h)); });
    t.appendChild(hr);
    rows.forEach(function (r) {
      var tr = el('tr');
      r.forEach(function (c) { tr.appendChild(el('td', null, c)); });
      t.appendChild(tr);
    });
    return t;
  }
  function renderTables(s, f) {
    $('netstat').textContent = '';
    $('netstat').appendChild(table(['Proto', 'Recv-Q', 'Send-Q', 'Local Address', 'Foreign Address', 'State', 'fd'],
      s.netstat, UI[lang].nosock));
    $('neigh').textContent = '';
    $('neigh').appendChild(table(['Address', 'HWaddress', 'State'], s.neigh, UI[lang].noneigh));
    var box = $('conns');
    box.textContent = '';
    D.conns.forEach(function (c) {
      var div = el('div', { class: 'conn' });
      div.appendChild(el('div', { class: 'name' }, D.hosts[c.host].name + ': ' + c.name));
      var chips = el('div', { class: 'chips' });
      var now = -1;
      c.states.forEach(function (st, k) {
        var past = f && f.t !== null ? st[0] <= f.t + 1e-6 : st[3] <= s.step;
        if (past) now = k;
      });
      c.states.forEach(function (st, k) {
        var label = (k === 0 ? st[1] + ' → ' : '') + st[2] + '  +' + st[0].toFixed(1) + ' ms';
        chips.appendChild(el('span', { class: 'chip' + (k === now ? ' now' : k > now ? ' future' : ''),
          'data-state': st[2] }, label));
      });
      div.appendChild(chips);
      box.appendChild(div);
    });
  }

  /* --- moving through the walkthrough --- */
  function curFrame() { var st = stops[cur]; return st && st.f >= 0 ? D.frames[st.f] : null; }
  function stopAt(i) {
    if (i < 0 || i >= stops.length) return;
    var changedFrame = !stops[cur] || stops[cur].f !== stops[i].f || !$('hex').firstChild;
    cur = i;
    var st = stops[i], s = D.steps[st.s], f = curFrame();
    $('step-title').textContent = lang === 'ko' ? s.title_ko : s.title;
    /* the terminal's ━━━ rules around a heading: the page has its own heading */
    $('narration').textContent = (lang === 'ko' ? s.ko : s.en).replace(/^━+\n/gm, '');
    $('where').textContent = UI[lang].step + ' ' + (st.s + 1) + '/' + D.steps.length +
      (f ? ' · ' + UI[lang].frame + ' #' + f.no : '') + ' · ' + (i + 1) + '/' + stops.length;
    document.querySelectorAll('#ladder .arrow').forEach(function (g) {
      var fi = +g.getAttribute('data-i');
      g.classList.toggle('cur', fi === st.f);
    });
    if (changedFrame || true) {
      renderPacket(f);
      selField = -1;
      if (f) {
        var want = f.isTcp ? 'tcp.flags' : null, pick = -1;
        f.fl.forEach(function (x, xi) { if (x.key === want && pick < 0) pick = xi; });
        if (pick < 0) f.fl.forEach(function (x, xi) { if (x.layer === f.ly.length - 1 && pick < 0) pick = xi; });
        selectField(pick);
      }
    }
    renderTables(s, f);
    var g = document.querySelector('#ladder .arrow.cur');
    if (g && g.scrollIntoView) g.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    $('prev').disabled = i === 0;
    $('next').disabled = i === stops.length - 1;
  }
  function play() {
    if (timer) { clearInterval(timer); timer = null; $('play').setAttribute('aria-pressed', 'false'); $('play').textContent = '▶'; return; }
    if (cur === stops.length - 1) stopAt(0);
    $('play').setAttribute('aria-pressed', 'true');
    $('play').textContent = '||';
    timer = setInterval(function () {
      if (cur >= stops.length - 1) { play(); return; }
      stopAt(cur + 1);
    }, 1600);
  }
  function setLang(l) {
    lang = l;
    document.documentElement.lang = l;
    $('lang-en').setAttribute('aria-pressed', l === 'en');
    $('lang-ko').setAttribute('aria-pressed', l === 'ko');
    var u = UI[l];
    document.title = u.title;
    $('title').textContent = u.title;
    $('ladder-h').textContent = u.ladder;
    $('packet-h').textContent = u.packet;
    $('hex-h').textContent = u.bytes;
    $('picture-h').textContent = u.picture;
    $('tables-h').textContent = u.tables;
    $('netstat-h').textContent = u.netstat;
    $('neigh-h').textContent = D.ipv6 ? u.neigh6 : u.neigh;
    $('conns-h').textContent = u.conns;
    $('keys').textContent = u.keys;
    var keep = selField;
    stopAt(cur);
    if (keep >= 0) selectField(keep);
  }

  $('first').addEventListener('click', function () { stopAt(0); });
  $('prev').addEventListener('click', function () { stopAt(cur - 1); });
  $('next').addEventListener('click', function () { stopAt(cur + 1); });
  $('last').addEventListener('click', function () { stopAt(stops.length - 1); });
  $('play').addEventListener('click', play);
  $('lang-en').addEventListener('click', function () { setLang('en'); });
  $('lang-ko').addEventListener('click', function () { setLang('ko'); });
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var k = e.key;
    if (k === 'ArrowRight' || k === 'n' || k === 'j') stopAt(cur + 1);
    else if (k === 'ArrowLeft' || k === 'p' || k === 'k') stopAt(cur - 1);
    else if (k === 'Home') stopAt(0);
    else if (k === 'End') stopAt(stops.length - 1);
    else if (k === ' ' && !(e.target && e.target.tagName === 'BUTTON')) play();
    else if (k === 'l') setLang(lang === 'en' ? 'ko' : 'en');
    else return;
    e.preventDefault();
  });

  buildLadder();
  setLang(lang);
  stopAt(0);
})();
