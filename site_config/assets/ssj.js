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
