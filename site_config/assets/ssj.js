/* On every page: the 关怀版 switch (its choice is applied before the first paint by an inline
   script in the head; see site_config/overrides/main.html). */
(function () {
  var KEY = "ssj-care", root = document.documentElement, button = document.getElementById("ssj-care");
  if (!button) return;
  function show() { button.setAttribute("aria-pressed", root.classList.contains(KEY) ? "true" : "false"); }
  button.addEventListener("click", function () {
    var on = !root.classList.contains(KEY);
    root.classList.toggle(KEY, on);
    try { if (on) localStorage.setItem(KEY, "1"); else localStorage.removeItem(KEY); } catch (e) { /* private mode */ }
    show();
  });
  show();
})();

/* Opened from disk (file://), the browser will not load the search index: say so instead of a blank page. */
(function () {
  var box = document.getElementById("ssj-search");
  if (!box || location.protocol !== "file:") return;
  var p = document.createElement("p");
  p.className = "ssj-file-notice admonition warning";
  p.setAttribute("role", "status");
  p.textContent = "从本地文件打开时，浏览器不允许加载搜索索引。请在项目目录运行 ssj serve，再打开 http://127.0.0.1:8000/search/ 。" +
    " / Search cannot run from a file:// page: run `ssj serve` and open http://127.0.0.1:8000/search/.";
  box.parentNode.insertBefore(p, box);
})();

/* The theme's sidebar scrolls when its list is taller than the window: let the keyboard reach it then. */
(function () {
  function mark() {
    document.querySelectorAll(".md-sidebar__scrollwrap").forEach(function (el) {
      if (el.scrollHeight > el.clientHeight + 1) {
        el.tabIndex = 0;
        if (!el.hasAttribute("aria-label")) el.setAttribute("aria-label", "侧边导航 / side navigation");
        el.setAttribute("role", "region");
      } else {
        el.removeAttribute("tabindex");
      }
    });
  }
  mark();
  window.addEventListener("load", mark);
  window.addEventListener("resize", mark);
})();
