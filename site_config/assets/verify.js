/* 在浏览器中重新抽取 / Re-run a published draw in the browser (algorithm ssj-draw/1, draw.md).
 *
 * Reads the public draw record embedded in the task page (<script type="application/json"
 * id="ssj-draw">), recomputes with WebCrypto (SHA-256, HMAC-SHA256) and BigInt, and shows
 * each check with PASS/FAIL. No request is made: everything needed is on the page.
 */
(function () {
  "use strict";
  var te = new TextEncoder();
  var subtle = window.crypto && window.crypto.subtle;

  function utf8(s) { return te.encode(String(s).normalize("NFC")); }

  function concat(parts) {
    var n = 0, i, off = 0;
    for (i = 0; i < parts.length; i++) n += parts[i].length;
    var out = new Uint8Array(n);
    for (i = 0; i < parts.length; i++) { out.set(parts[i], off); off += parts[i].length; }
    return out;
  }

  /* ENC(f1, …, fn): each field's UTF-8 (NFC) bytes after a 4-byte big-endian length. */
  function enc(fields) {
    var parts = [];
    fields.forEach(function (f) {
      var b = utf8(typeof f === "number" ? String(f) : f);
      var len = new Uint8Array(4);
      new DataView(len.buffer).setUint32(0, b.length, false);
      parts.push(len, b);
    });
    return concat(parts);
  }

  function hex(buf) {
    var b = new Uint8Array(buf), s = "";
    for (var i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16);
    return s;
  }

  function unhex(s) {
    var out = new Uint8Array(s.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
    return out;
  }

  function sha256(bytes) { return subtle.digest("SHA-256", bytes).then(hex); }

  /* Compare (ticket, id UTF-8 bytes): tickets are equal-length lowercase hex, so text order is numeric order. */
  function cmpBytes(a, b) {
    var n = Math.min(a.length, b.length);
    for (var i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  }
  function cmpKey(a, b) {
    if (a.t !== b.t) return a.t < b.t ? -1 : 1;
    return cmpBytes(utf8(a.id), utf8(b.id));
  }

  /* Canonical JSON = Python json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False). */
  function codePoints(s) { return Array.from(s).map(function (c) { return c.codePointAt(0); }); }
  function canonical(v) {
    if (v === null || typeof v !== "object") return JSON.stringify(v);
    if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
    var keys = Object.keys(v).sort(function (a, b) { return cmpBytes(codePoints(a), codePoints(b)); });
    return "{" + keys.map(function (k) { return JSON.stringify(k) + ":" + canonical(v[k]); }).join(",") + "}";
  }

  /* An exact ratio: "0.25" or "1/3" → [numerator, denominator] as BigInt. */
  function ratio(text) {
    if (text.indexOf("/") >= 0) {
      var p = text.split("/");
      return [BigInt(p[0]), BigInt(p[1])];
    }
    var q = text.split("."), frac = q[1] || "";
    return [BigInt(q[0] + frac), 10n ** BigInt(frac.length)];
  }
  function sampleSize(N, text, minPer) {
    var r = ratio(text), bn = BigInt(N);
    var n = (bn * r[0] + r[1] - 1n) / r[1];
    if (bn > 0n && r[0] > 0n && n < BigInt(minPer)) n = BigInt(minPer);
    if (n > bn) n = bn;
    return Number(n);
  }

  function Verifier(rec) {
    this.rec = rec;
    this.lines = [];
    this.ok = true;
  }
  Verifier.prototype.check = function (cond, zh, en, detail) {
    this.lines.push({ ok: !!cond, zh: zh, en: en, detail: detail || "" });
    if (!cond) this.ok = false;
    return !!cond;
  };
  Verifier.prototype.skip = function (zh, en) { this.lines.push({ ok: null, zh: zh, en: en, detail: "" }); };

  Verifier.prototype.ticketer = function (seedHex) {
    var task = this.rec.task;
    return subtle.importKey("raw", unhex(seedHex), { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
      .then(function (key) {
        return function (purpose, fields) {
          return subtle.sign("HMAC", key, enc([purpose, task].concat(fields))).then(hex);
        };
      });
  };

  Verifier.prototype.run = function (progress) {
    var self = this, rec = this.rec, T;
    var step = Promise.resolve();
    // 1. commitment, when the whole manifest is public
    if (rec.manifest) {
      step = sha256(te.encode(canonical(rec.manifest))).then(function (c) {
        self.check(c === rec.commitment, "承诺值 C = SHA-256(清单)", "commitment C = SHA-256(manifest)", c);
      });
    } else {
      self.skip("清单含不公开的分层依据，承诺值由审计机关用完整登记册核验",
                "the manifest holds private stratum keys; an auditor checks C against the registry");
    }
    // 2. seed from C and the sources, in manifest order
    return step.then(function () {
      var f = ["ssj-draw/1/seed", rec.commitment];
      rec.sources.forEach(function (s) { f.push(s[0], s[1]); });
      return sha256(enc(f));
    }).then(function (seed) {
      self.check(seed === rec.seed, "随机种子 = SHA-256(ENC(承诺值, 随机源取值))", "seed from C and the sources", seed);
      return self.ticketer(seed);
    }).then(function (t) {
      T = t;
      progress("号签 / tickets");
      return self.strata(T);
    }).then(function () {
      progress("处理顺序 / order");
      return self.order(T);
    }).then(function () {
      progress("排序名单 / ranked lists");
      return self.ranked(T);
    }).then(function () {
      self.matching();
      return self.ok;
    });
  };

  /* Every stratum's size n = ceil(N·r). Which stratum a target is in is private (it would reveal
     its risk class), and so are the selection tickets (their size hints at the stratum's ratio):
     only the totals can be matched here; an auditor checks the selection against C. */
  Verifier.prototype.strata = function () {
    var self = this, rec = this.rec;
    var ids = rec.selected.slice().sort();
    return Promise.resolve().then(function () {
      var total = 0;
      rec.strata.forEach(function (s) {
        var n = sampleSize(s.N, s.ratio, rec.min_per_stratum);
        total += s.n;
        self.check(n === s.n, s.label + "：N=" + s.N + "，比例 " + s.ratio + " → 抽取 " + n + " 户",
                   "stratum size n = ceil(N·r)", "公布 / published n=" + s.n);
      });
      self.check(total === ids.length, "各层抽取数之和等于抽中对象数（" + total + "）",
                 "the strata's n add up to the selected targets", ids.length + " selected");
      self.skip("各层的成员（信用风险分类）和抽取号签依法不公开，层内抽取由审计机关核验",
                "stratum membership and selection tickets are private; an auditor checks the selection");
    });
  };

  Verifier.prototype.order = function (T) {
    var self = this, rec = this.rec;
    var sel = rec.selected.slice().sort();
    return Promise.all(sel.map(function (id) { return T("order", [id]); })).then(function (ts) {
      var order = sel.map(function (id, i) { return { t: ts[i], id: id }; }).sort(cmpKey)
        .map(function (k) { return k.id; });
      self.computedOrder = order;
      self.check(order.join("\n") === rec.order.join("\n"), "检查顺序按 T(\"order\", 对象)", "processing order");
    });
  };

  Verifier.prototype.ranked = function (T) {
    var self = this, rec = this.rec, bad = [];
    var xs = Object.keys(rec.ranked).sort();
    var chain = Promise.resolve();
    xs.forEach(function (x) {
      chain = chain.then(function () {
        var list = rec.ranked[x];
        return Promise.all(list.map(function (i) { return T("pair", [x, i]); })).then(function (ts) {
          var keys = list.map(function (i, k) { return { t: ts[k], id: i }; });
          for (var k = 1; k < keys.length; k++) if (cmpKey(keys[k - 1], keys[k]) >= 0) { bad.push(x); break; }
        });
      });
    });
    return chain.then(function () {
      self.check(bad.length === 0, "每户的排序名单按 T(\"pair\", 对象, 人员) 排列（" + xs.length + " 户）",
                 "ranked lists in pair-ticket order", bad.join(", "));
    });
  };

  /* Matching (spec (b)) and the recusal replay, from the ranked lists, units and caps. */
  Verifier.prototype.matching = function () {
    var rec = this.rec, units = rec.units, caps = rec.caps, slots = rec.slots;
    if (rec.unit_sizes) {
      var per = {};
      slots.forEach(function (u) { per[u] = (per[u] || 0) + 1; });
      var S = this.computedOrder.length, okCaps = true;
      Object.keys(per).forEach(function (u) {
        var m = rec.unit_sizes[u] || 0;
        var cap = m ? Math.ceil(S * per[u] / m) + rec.cap_slack : 0;
        if (cap !== caps[u]) okCaps = false;
      });
      this.check(okCaps, "负载上限 cap = ⌈S/M⌉ + 余量", "caps = ceil(S/M) + slack", JSON.stringify(caps));
    }
    var loads = {}, log = [];
    Object.keys(units).forEach(function (i) { loads[i] = 0; });
    function fill(x, unit, taken) {
      var over = null, list = rec.ranked[x] || [];
      for (var k = 0; k < list.length; k++) {
        var i = list[k];
        if (units[i] !== unit || taken.indexOf(i) >= 0) continue;
        if (loads[i] < caps[unit]) return i;
        if (over === null) over = i;
      }
      log.push(over !== null ? ["overflow", x, over] : ["infeasible", x, unit]);
      return over;
    }
    var assign = {};
    this.computedOrder.forEach(function (x) {
      var on = [];
      slots.forEach(function (u) {
        var who = fill(x, u, on);
        if (who !== null) loads[who] += 1;
        on.push(who);
      });
      assign[x] = on;
    });
    var same = function (a, b) { return JSON.stringify(a) === JSON.stringify(b); };
    this.check(same(sortObj(assign), sortObj(rec.initial_assignments)), "初次匹配的执法检查人员",
               "initial inspector assignments");
    var recused = [], okEvents = true;
    rec.events.forEach(function (ev) {
      var x = ev[0], leaver = ev[1], on = assign[x];
      if (!on || on.indexOf(leaver) < 0) { okEvents = false; return; }
      var slot = on.indexOf(leaver);
      recused.push([x, leaver]);
      loads[leaver] -= 1;
      on[slot] = null;
      var gone = recused.filter(function (p) { return p[0] === x; }).map(function (p) { return p[1]; });
      var who = fill(x, slots[slot], on.concat(gone));
      if (who !== null) loads[who] += 1;
      on[slot] = who;
    });
    this.check(okEvents && same(sortObj(assign), sortObj(rec.assignments)),
               "按回避记录重放后的检查人员（" + rec.events.length + " 条回避）",
               "assignments after replaying the recusal log");
    if (rec.log) this.check(same(log, rec.log), "超负载与无法匹配记录", "overflow / infeasible log");
  };

  function sortObj(o) {
    var out = {};
    Object.keys(o).sort().forEach(function (k) { out[k] = o[k]; });
    return out;
  }

  function show(box, v, status) {
    var ul = document.createElement("ul");
    v.lines.forEach(function (l) {
      var li = document.createElement("li");
      var mark = l.ok === null ? "—" : (l.ok ? "✔" : "✘");
      li.className = l.ok === null ? "ssj-skip" : (l.ok ? "ssj-pass" : "ssj-fail");
      li.textContent = mark + " " + l.zh + " / " + l.en + (l.detail ? "：" + l.detail : "");
      ul.appendChild(li);
    });
    box.replaceChildren(ul);
    status.textContent = v.ok ? "PASS 通过" : "FAIL 不通过";
    status.className = "ssj-verdict " + (v.ok ? "ssj-pass" : "ssj-fail");
  }

  function init() {
    var btn = document.getElementById("ssj-verify");
    var data = document.getElementById("ssj-draw");
    if (!btn || !data) return;
    var box = document.getElementById("ssj-verify-log");
    var status = document.getElementById("ssj-verify-status");
    btn.addEventListener("click", function () {
      if (!subtle || typeof BigInt === "undefined") {
        status.textContent = "此浏览器不支持 WebCrypto 或 BigInt / this browser lacks WebCrypto or BigInt";
        return;
      }
      btn.disabled = true;
      status.className = "ssj-verdict";
      status.textContent = "正在计算… / computing…";
      var v = new Verifier(JSON.parse(data.textContent));
      v.run(function (what) { status.textContent = "正在计算：" + what; }).then(function () {
        show(box, v, status);
      }, function (err) {
        v.check(false, "计算出错", "error", String(err));
        show(box, v, status);
      }).then(function () { btn.disabled = false; });
    });
  }

  window.ssjDraw = { Verifier: Verifier, enc: enc, canonical: canonical, sampleSize: sampleSize };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
