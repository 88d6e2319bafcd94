/* Audit log: who did what to which object, with the state before and after. */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $, fmt } = C;
  let filters = {};
  let list;

  const json = (value) => (value === null || value === undefined ? el("span", { class: "muted" }, "-")
    : el("pre", { class: "json" }, JSON.stringify(value, null, 1)));

  C.start(async () => {
    const box = $("#audit-list");
    let rows = [];
    list = C.pager(box, (cursor) => {
      const q = new URLSearchParams({ limit: "50", ...filters });
      if (cursor) q.set("cursor", cursor);
      return C.get(`/admin/audit-log?${q}`);
    }, (items, reset) => {
      rows = reset ? items : rows.concat(items);
      box.replaceChildren(C.table([
        { title: "时间", render: (e) => el("span", { class: "nowrap" }, fmt.time(e.created_at)) },
        { title: "操作人", render: (e) => (e.actor_id ? `#${e.actor_id}` : "系统") },
        { title: "动作", render: (e) => el("span", { class: "mono small" }, e.action) },
        { title: "对象", render: (e) => el("span", { class: "mono small" }, e.target) },
        { title: "之前", render: (e) => json(e.before) },
        { title: "之后", render: (e) => json(e.after) },
      ], rows, "没有审计记录"));
    });
    $("#filter-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const d = C.formData(event.target);
      filters = Object.fromEntries(Object.entries(d).filter(([, v]) => v.trim() !== "").map(([k, v]) => [k, v.trim()]));
      list.reload();
    });
    $("#clear").addEventListener("click", () => { filters = {}; setTimeout(() => list.reload()); });
    await list.reload();
  });
})();
