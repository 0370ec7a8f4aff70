// 站内搜索 / Site search: Pagefind shards merged in the browser, offline (no CDN).
//
// The page holds <div id="ssj-search" data-bundle="../pagefind/"></div> (the Pagefind folder,
// relative to the page; or data-root="../", the site root) and loads this file. index.py writes
// pagefind/shards.json: the shards, the directory shard and the filter values.
// - Relevance order: one Pagefind instance, the other shards merged with mergeIndex.
// - Date order: Pagefind's merged results are ordered by score only, so each shard is
//   queried alone (through the mergeFilter "分片") and the sorted lists are merged here
//   by the date meta, loading only the results that are shown.
// - Company lookup: the light directory shard (names and codes) is searched first; a
//   USCC or registration number is searched as the single word index.py indexed it as.

const PAGE = 20;
const CODE_RE = /^(?:[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}|\d{15})$/i;
const SORTS = [["", "相关度 Relevance"], ["desc", "日期（新→旧）Newest"], ["asc", "日期（旧→新）Oldest"]];

const box = document.getElementById("ssj-search");
// data-bundle: the pagefind folder (or data-root: the site root), relative to the page
const bundleRoot = new URL(box?.dataset.bundle || `${box?.dataset.root || "../"}pagefind/`, location.href);
const rootURL = new URL("../", bundleRoot);
const bundleURL = (name) => new URL(`${name}/`, bundleRoot).pathname;

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

async function main() {
  if (!box) return;
  const manifest = await (await fetch(new URL("shards.json", bundleRoot))).json();
  const names = manifest.shards.map((s) => s.name);
  const params = new URLSearchParams(location.search);

  const input = el("input", { type: "search", name: "q", id: "ssj-q", autocomplete: "off",
    placeholder: "企业名称、统一社会信用代码或关键词 / name, USCC or keyword", "aria-label": "搜索 Search" });
  input.value = params.get("q") || "";
  const selects = {};
  const controls = el("div", { class: "ssj-search-filters" });
  for (const [key, values] of Object.entries(manifest.filters)) {
    const sel = el("select", { name: key, "data-filter": key, "aria-label": key });
    sel.append(el("option", { value: "" }, `${key}：全部`));
    for (const [v, n] of Object.entries(values)) sel.append(el("option", { value: v }, `${v}（${n}）`));
    sel.value = params.get(key) || "";
    selects[key] = sel;
    controls.append(el("label", {}, sel));
  }
  const sort = el("select", { name: "sort", id: "ssj-sort", "aria-label": "排序 Sort" });
  for (const [v, label] of SORTS) sort.append(el("option", { value: v }, label));
  sort.value = params.get("sort") || "";
  controls.append(el("label", {}, sort));
  const form = el("form", { role: "search", class: "ssj-search-form" }, input,
    el("button", { type: "submit", class: "md-button md-button--primary" }, "搜索 Search"), controls);
  const status = el("p", { class: "ssj-search-status", "aria-live": "polite" });
  const companies = el("ul", { class: "ssj-search-companies", id: "ssj-companies" });
  const results = el("ol", { class: "ssj-search-results", id: "ssj-results" });
  const more = el("button", { type: "button", class: "md-button", hidden: "" }, "更多结果 More");
  box.append(form, status, companies, results, more);

  let full = null;
  let directory = null;
  let run = 0;
  let pull = null;
  let total = 0;

  function render(list, data, excerpts = true) {
    for (const d of data) {
      const title = d.meta.title || d.url;
      list.append(el("li", {}, el("a", { href: d.url }, title),
        d.meta.code ? el("span", { class: "ssj-code" }, ` ${d.meta.code}`) : "",
        excerpts && d.excerpt ? el("p", {}, ...excerptNodes(d.excerpt)) : ""));
    }
  }

  async function search() {
    const mine = ++run;
    const q = input.value.trim();
    const filters = {};
    for (const [k, s] of Object.entries(selects)) if (s.value) filters[k] = s.value;
    const p = new URLSearchParams();
    if (q) p.set("q", q);
    for (const [k, v] of Object.entries(filters)) p.set(k, v);
    if (sort.value) p.set("sort", sort.value);
    history.replaceState(null, "", `${location.pathname}${p.toString() ? "?" + p : ""}`);
    companies.replaceChildren();
    results.replaceChildren();
    more.hidden = true;
    if (!q && !Object.keys(filters).length) { status.textContent = ""; return; }
    status.textContent = "正在搜索… Searching…";

    if (q && manifest.directory) {
      directory ??= await loadPagefind(manifest.directory, manifest, []);
      const term = CODE_RE.test(q) ? manifest.code_prefix + q.toLowerCase() : q;
      const r = await directory.search(term);
      if (mine !== run) return;
      render(companies, await Promise.all(r.results.slice(0, 8).map((x) => x.data())), false);
    }
    full ??= await loadPagefind(names[0], manifest, names.slice(1));
    const term = q || null;
    if (!sort.value) {
      const r = await full.search(term, { filters });
      total = r.results.length;
      let i = 0;
      pull = async (n) => { const part = r.results.slice(i, i + n); i += n; return Promise.all(part.map((x) => x.data())); };
    } else {
      const lists = await Promise.all(names.map((name, i) => {
        const only = i === 0 ? { none: names.slice(1) } : name;
        return full.search(term, { filters: { ...filters, [manifest.filter]: only }, sort: { date: sort.value } });
      }));
      total = lists.reduce((n, r) => n + r.results.length, 0);
      pull = dateMerger(lists.map((r) => r.results), sort.value);
    }
    if (mine !== run) return;
    status.textContent = `找到 ${total} 条结果 / ${total} results`;
    await showMore(mine);
  }

  async function showMore(mine) {
    const data = await pull(PAGE);
    if (mine !== run) return;
    render(results, data);
    more.hidden = results.children.length >= total;
  }

  form.addEventListener("submit", (e) => { e.preventDefault(); search(); });
  for (const s of [...Object.values(selects), sort]) s.addEventListener("change", search);
  more.addEventListener("click", () => showMore(run));
  if (input.value || [...Object.values(selects)].some((s) => s.value)) search();
}

main();
