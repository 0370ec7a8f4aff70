// 站内搜索 / Site search, offline (no CDN), in two labelled sections:
// 1. 企业 / Companies: the name index written by nameindex.py (/names/): a part of a name
//    (two characters or more) → the companies whose names contain it, exact substrings
//    first, shorter names first; a USCC or registration number → its company. Postings of
//    the query's character bigrams and of every active filter (部门, 区域, 年度, 结果, 行业)
//    are intersected, then the substring is confirmed on the names; filters alone list the
//    companies having every value. Only the shards a query needs are fetched.
// 2. 其他页面 / Other pages: Pagefind full text over the shards listed in
//    pagefind/shards.json (one instance, the others merged with mergeIndex): every page but
//    the company pages, which only the name index holds. Date order: Pagefind's merged
//    results are ordered by score only, so each shard is queried alone (through the
//    mergeFilter "分片") and the sorted lists are merged here by the date meta.
// The filter menus offer the values of both indexes, with the pages and companies counted together.
//
// The page holds <div id="ssj-search" data-bundle="../pagefind/"></div> (the Pagefind folder,
// relative to the page; or data-root="../", the site root) and loads this file.
// window.ssjSearch.names is the name index (tests and bench/bench_search.py query it).

const PAGE = 20;
const COMPANY_PAGE = 10;
const CODE_RE = /^(?:[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}|\d{15})$/;
const SORTS = [["", "相关度 Relevance"], ["desc", "日期（新→旧）Newest"], ["asc", "日期（旧→新）Oldest"]];

const box = document.getElementById("ssj-search");
// data-bundle: the pagefind folder (or data-root: the site root), relative to the page
const bundleRoot = new URL(box?.dataset.bundle || `${box?.dataset.root || "../"}pagefind/`, location.href);
const rootURL = new URL("../", bundleRoot);
const bundleURL = (name) => new URL(`${name}/`, bundleRoot).pathname;

// As nameindex.normalise / fnv / bigrams: NFKC, lower case, no spaces; FNV-1a over code points.
const normalise = (s) => s.normalize("NFKC").toLowerCase().replace(/\s+/g, "");
function fnv(s) {
  let h = 2166136261;
  for (const ch of s) h = Math.imul(h ^ ch.codePointAt(0), 16777619) >>> 0;
  return h;
}
function bigrams(s) {
  const cs = Array.from(s);
  return [...new Set(cs.slice(1).map((c, i) => cs[i] + c))];
}
const undelta = (deltas) => { let id = 0; return deltas.map((d) => (id += d)); };
function intersect(a, b) {
  const out = [];
  for (let i = 0, j = 0; i < a.length && j < b.length;) {
    if (a[i] < b[j]) i++;
    else if (a[i] > b[j]) j++;
    else { out.push(a[i]); i++; j++; }
  }
  return out;
}

class NameIndex {
  constructor(root) {
    this.root = root;
    this.files = new Map();
  }

  json(path) {
    if (!this.files.has(path)) {
      this.files.set(path, fetch(new URL(`names/${path}`, this.root)).then((r) => {
        if (!r.ok) throw new Error(`${r.status} names/${path}`);
        return r.json();
      }));
    }
    return this.files.get(path);
  }

  async manifest() {
    this.man ??= await this.json("index.json");
    return this.man;
  }

  async row(id) {
    const m = await this.manifest();
    const t = await this.json(`${m.base}t/${Math.floor(id / m.table)}.json`);
    const [code, name, region, outcome, date] = t[id % m.table];
    return { id, code, name, region: m.regions[region], latest: outcome >= 0 ? m.outcomes[outcome] : "",
      date, url: new URL(`targets/${code}/`, this.root).pathname };
  }

  async posting(gram) {
    const m = await this.manifest();
    const heavy = m.heavy[gram];
    const deltas = heavy ? await this.json(`${m.base}h/${heavy[0]}.json`)
      : (await this.json(`${m.base}g/${fnv(gram) % m.gram_shards}.json`))[gram] || [];
    return undelta(deltas);
  }

  // The ids of the companies having this filter value (none for a value no company has).
  async having(key, value) {
    const m = await this.manifest();
    const at = m.filters?.[key]?.[value];
    return at ? undelta((await this.json(`${m.base}f/${at[0]}.json`))[key][value]) : [];
  }

  // A lister over the companies matching q and having every filter value ({filter: value}),
  // null when q is too short or there is neither q nor a filter: `count` (exact, or an upper
  // bound while `approx`), `near` (names holding every bigram of q, not contiguous) and
  // `next(n)`, the next n rows: exact substrings first, then the near ones.
  async find(q, filters = {}) {
    const m = await this.manifest();
    const code = q.trim().toUpperCase();
    const isCode = CODE_RE.test(code);
    const nq = normalise(q);
    const grams = isCode ? [] : bigrams(nq);
    if (nq && !grams.length && !isCode) return null;
    const light = grams.filter((g) => !(g in m.heavy));
    const lists = await Promise.all([
      ...Object.entries(filters).map(([k, v]) => this.having(k, v)),
      ...(light.length ? light : grams).map((g) => this.posting(g)),
      ...(isCode ? [this.json(`${m.base}c/${fnv(code) % m.code_shards}.json`)
        .then((shard) => (code in shard ? [shard[code]] : []))] : []),
    ]);
    if (!lists.length) return null;
    lists.sort((a, b) => a.length - b.length);
    const ids = lists.slice(1).reduce(intersect, lists[0]);
    // one bigram fetched as a whole query is its own proof; longer ones are confirmed on the names
    return this.lister(ids, grams.length > 1 ? nq : null);
  }

  lister(ids, confirm) {
    let i = 0;
    const near = []; // all bigrams, not contiguous: shown after every exact match
    const it = {
      count: ids.length, near: 0, approx: Boolean(confirm),
      next: async (n) => {
        const out = [];
        while (out.length < n && i < ids.length) {
          const batch = ids.slice(i, i + n - out.length);
          i += batch.length;
          for (const r of await Promise.all(batch.map((id) => this.row(id)))) {
            if (!confirm || normalise(r.name).includes(confirm)) out.push(r);
            else { it.count--; it.near++; near.push({ ...r, near: true }); }
          }
        }
        if (i >= ids.length) {
          it.approx = false;
          while (out.length < n && near.length) out.push(near.shift());
        }
        it.done = i >= ids.length && !near.length;
        return out;
      },
    };
    return it;
  }

  // The codes of the first k companies for q (tests and the bench).
  async top(q, k = 3) {
    const l = await this.find(q);
    return l ? (await l.next(k)).map((r) => r.code) : [];
  }
}

// Pagefind matches Chinese character by character: within each step of results, the pages
// holding every term as typed come first (通泰, before 通福镇 … 泰和); stable otherwise.
function holdersFirst(data, terms) {
  const holds = (d) => { const c = (d.content || "").normalize("NFKC").toLowerCase(); return terms.every((t) => c.includes(t)); };
  return terms.length ? [...data].sort((a, b) => holds(b) - holds(a)) : data;
}

const names = new NameIndex(rootURL);
window.ssjSearch = { names, normalise, holdersFirst };

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

// Pagefind excerpts carry <mark>; keep only text and <mark>, never other markup.
function excerptNodes(html) {
  const tpl = document.createElement("template");
  tpl.innerHTML = html;
  const out = [];
  for (const n of tpl.content.childNodes) {
    if (n.nodeType === Node.TEXT_NODE) out.push(n.textContent);
    else if (n.nodeName === "MARK") out.push(el("mark", {}, n.textContent));
    else out.push(n.textContent || "");
  }
  return out;
}

// The name with the query marked (when the name holds it as typed, after NFKC).
function markedName(name, q) {
  const n = name.normalize("NFKC");
  const at = q ? n.toLowerCase().indexOf(q) : -1;
  if (at < 0 || n.length !== name.length) return [name];
  return [name.slice(0, at), el("mark", {}, name.slice(at, at + q.length)), name.slice(at + q.length)];
}

function fact(label, value) {
  return el("div", {}, el("dt", {}, label), el("dd", {}, value));
}

function companyItem(r, q) {
  const latest = r.date ? `${r.date} ${r.latest}` : "尚无已公示结果 none yet";
  return el("li", r.near ? { class: "ssj-near" } : {},
    el("a", { href: r.url }, ...markedName(r.name, q)), r.near ? " （相近 near）" : "",
    el("dl", { class: "ssj-company-facts" },
      fact(r.code.length === 15 ? "注册号" : "统一社会信用代码", r.code),
      fact("区域", r.region), fact("最近检查结果", latest)));
}

async function loadPagefind(name, manifest, merge) {
  const pf = await import(new URL(`${name}/pagefind.js`, bundleRoot).href);
  await pf.options({ baseUrl: rootURL.pathname, excerptLength: 30 });
  for (const s of merge) {
    await pf.mergeIndex(bundleURL(s), { mergeFilter: { [manifest.filter]: s } });
  }
  return pf;
}

// Lazily merge per-shard lists sorted by date: loads at most shown + shards results.
function dateMerger(lists, dir) {
  const cursors = lists.map((l) => ({ list: l, i: 0, head: null }));
  const headOf = async (c) => {
    if (c.head === null && c.i < c.list.length) c.head = await c.list[c.i].data();
    return c.head;
  };
  return async function next(n) {
    const out = [];
    while (out.length < n) {
      let best = null;
      for (const c of cursors) {
        const h = await headOf(c);
        if (!h) continue;
        const d = h.meta.date || "";
        if (!best || (dir === "asc" ? d < best.d : d > best.d)) best = { c, d };
      }
      if (!best) break;
      out.push(best.c.head);
      best.c.head = null;
      best.c.i += 1;
    }
    return out;
  };
}

function section(id, zh, en, ...children) {
  const h = el("h2", { id: `${id}-h` }, `${zh} `, el("small", {}, en));
  return el("section", { class: "ssj-search-section", id, "aria-labelledby": `${id}-h`, hidden: "" }, h, ...children);
}

async function main() {
  if (!box) return;
  let manifest = null; // the Pagefind shards; a site without them still finds companies
  try {
    const r = await fetch(new URL("shards.json", bundleRoot));
    if (r.ok) manifest = await r.json();
  } catch { /* no full-text index */ }
  const shardNames = manifest ? manifest.shards.map((s) => s.name) : [];
  const params = new URLSearchParams(location.search);
  const counts = {}; // filter → value → pages (Pagefind) + companies (name index)
  const nameFilters = await names.manifest().then((m) => m.filters || {}, () => ({}));
  for (const [key, values] of [...Object.entries(manifest?.filters || {}), ...Object.entries(nameFilters)]) {
    counts[key] ??= {};
    for (const [v, n] of Object.entries(values)) counts[key][v] = (counts[key][v] || 0) + (Array.isArray(n) ? n[1] : n);
  }

  const input = el("input", { type: "search", name: "q", id: "ssj-q", autocomplete: "off",
    placeholder: "企业名称的一部分、统一社会信用代码或关键词 / part of a name, USCC or keyword", "aria-label": "搜索 Search" });
  input.value = params.get("q") || "";
  const selects = {};
  const controls = el("div", { class: "ssj-search-filters" });
  for (const [key, values] of Object.entries(counts)) {
    if (!Object.keys(values).length) continue;
    const sel = el("select", { name: key, "data-filter": key, "aria-label": key });
    sel.append(el("option", { value: "" }, `${key}：全部`));
    for (const v of Object.keys(values).sort()) sel.append(el("option", { value: v }, `${v}（${values[v]}）`));
    sel.value = params.get(key) || "";
    selects[key] = sel;
    controls.append(el("label", {}, sel));
  }
  const sort = el("select", { name: "sort", id: "ssj-sort", "aria-label": "排序 Sort" });
  for (const [v, label] of SORTS) sort.append(el("option", { value: v }, label));
  sort.value = params.get("sort") || "";
  if (manifest) controls.append(el("label", {}, sort));
  const form = el("form", { role: "search", class: "ssj-search-form" }, input,
    el("button", { type: "submit", class: "md-button md-button--primary" }, "搜索 Search"), controls);
  const cStatus = el("p", { class: "ssj-company-status", "aria-live": "polite" });
  const companies = el("ol", { class: "ssj-search-companies", id: "ssj-companies" });
  const cMore = el("button", { type: "button", class: "md-button", hidden: "" }, "更多企业 More companies");
  const cSection = section("ssj-company-section", "企业", "companies", cStatus, companies, cMore);
  const status = el("p", { class: "ssj-search-status", "aria-live": "polite" });
  const results = el("ol", { class: "ssj-search-results", id: "ssj-results" });
  const more = el("button", { type: "button", class: "md-button", hidden: "" }, "更多页面 More pages");
  const pSection = section("ssj-pages-section", "其他页面", "other pages (full text)", status, results, more);
  box.append(form, cSection, pSection);

  let full = null;
  let run = 0;
  let typing = 0; // the search a pause in typing starts
  let searched = ""; // what the last search was for: a pause without a change searches nothing again
  let listed = ""; // the query whose companies are listed ("more companies" goes on with it, not with newer typing)
  let pull = null;
  let total = 0;
  let seen = 0; // Pagefind results shown
  let lister = null;
  let terms = []; // the query's terms, normalised
  let marked = null; // normalised query, marked in the company names

  function render(list, data) {
    for (const d of data) {
      list.append(el("li", {}, el("a", { href: d.url }, d.meta.title || d.url),
        d.excerpt ? el("p", {}, ...excerptNodes(d.excerpt)) : ""));
    }
  }

  function companyStatus(q, filtered) {
    const n = lister.count;
    const which = filtered ? "符合筛选条件的企业" : "企业";
    const what = !q ? which : lister.code ? `代码为 ${q.toUpperCase()} 的${which}` : `名称含「${q}」的${which}`;
    cStatus.textContent = n === 0 ? `没有${what} / no company found`
      : `${what}：${lister.approx ? "最多 " : ""}${n} 家 / ${lister.approx ? "at most " : ""}${n} ${n === 1 ? "company" : "companies"}`;
    if (lister.near && !lister.approx) cStatus.textContent += `；另有 ${lister.near} 家名称含这些字但不相连 / ${lister.near} more with these characters apart`;
  }

  async function searchCompanies(mine, q, filters) {
    companies.replaceChildren();
    cMore.hidden = true;
    lister = null;
    marked = null;
    const filtered = Object.keys(filters).length > 0;
    cSection.hidden = !q && !filtered;
    if (cSection.hidden) return;
    cStatus.textContent = "正在查找企业… Looking up companies…";
    let found;
    try {
      found = await names.find(q, filters);
    } catch (e) {
      cStatus.textContent = `企业名称索引无法读取 / the company name index cannot be read (${e.message})`;
      return;
    }
    if (mine !== run) return;
    if (!found) {
      cStatus.textContent = "企业名称请输入至少两个字 / type at least two characters of a company name";
      return;
    }
    lister = found;
    lister.code = CODE_RE.test(q.toUpperCase());
    lister.filtered = filtered;
    marked = lister.code ? null : normalise(q);
    await moreCompanies(mine, q);
  }

  async function moreCompanies(mine, q) {
    const rows = await lister.next(COMPANY_PAGE);
    if (mine !== run) return;
    for (const r of rows) companies.append(companyItem(r, marked));
    companyStatus(q, lister.filtered);
    cMore.hidden = lister.done;
  }

  async function searchPages(mine, q, filters) {
    results.replaceChildren();
    more.hidden = true;
    pSection.hidden = !manifest || (!q && !Object.keys(filters).length);
    if (pSection.hidden) return;
    status.textContent = "正在搜索全文… Searching the full text…";
    const term = q || null;
    // a value no page has (行业: only companies have one) matches no page; Pagefind would ignore the filter
    const known = Object.entries(filters).every(([k, v]) => manifest.filters[k]?.[v]);
    if (known) full ??= await loadPagefind(shardNames[0], manifest, shardNames.slice(1));
    let next;
    if (!known) {
      total = 0;
      next = async () => [];
    } else if (!sort.value) {
      const r = await full.search(term, { filters });
      total = r.results.length;
      let i = 0;
      next = async (n) => { const part = r.results.slice(i, i + n); i += n; return Promise.all(part.map((x) => x.data())); };
    } else {
      const lists = await Promise.all(shardNames.map((name, i) => {
        const only = i === 0 ? { none: shardNames.slice(1) } : name;
        return full.search(term, { filters: { ...filters, [manifest.filter]: only }, sort: { date: sort.value } });
      }));
      total = lists.reduce((n, r) => n + r.results.length, 0);
      next = dateMerger(lists.map((r) => r.results), sort.value);
    }
    seen = 0;
    terms = q.split(/\s+/).map(normalise).filter(Boolean);
    pull = next;
    if (mine !== run) return;
    await showMore(mine);
  }

  async function showMore(mine) {
    const data = await pull(PAGE);
    if (mine !== run) return;
    seen += data.length;
    render(results, sort.value ? data : holdersFirst(data, terms));
    more.hidden = seen >= total;
    status.textContent = `全文找到 ${total} 条结果 / ${total} results`;
  }

  function wanted() {
    const filters = {};
    for (const [k, s] of Object.entries(selects)) if (s.value) filters[k] = s.value;
    return { q: input.value.trim(), filters };
  }

  async function search() {
    clearTimeout(typing);
    const mine = ++run;
    const { q, filters } = wanted();
    searched = JSON.stringify([q, filters, sort.value]);
    listed = q;
    const p = new URLSearchParams();
    if (q) p.set("q", q);
    for (const [k, v] of Object.entries(filters)) p.set(k, v);
    if (sort.value) p.set("sort", sort.value);
    history.replaceState(null, "", `${location.pathname}${p.toString() ? "?" + p : ""}`);
    status.textContent = "正在搜索… Searching…";
    await searchCompanies(mine, q, filters);
    if (mine !== run) return;
    await searchPages(mine, q, filters);
  }

  form.addEventListener("submit", (e) => { e.preventDefault(); search(); });
  // results as one types, after a pause (not while an input method is still composing a character)
  const later = () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      const { q, filters } = wanted();
      if (JSON.stringify([q, filters, sort.value]) !== searched) search();
    }, 400);
  };
  input.addEventListener("input", (e) => { if (!e.isComposing) later(); });
  input.addEventListener("compositionend", later);
  for (const s of [...Object.values(selects), sort]) s.addEventListener("change", search);
  more.addEventListener("click", () => showMore(run));
  cMore.addEventListener("click", () => moreCompanies(run, listed));
  if (input.value || [...Object.values(selects)].some((s) => s.value)) search();
}

main();
