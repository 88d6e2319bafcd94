/* Audit log: who (by name) did what (in Chinese) to which object, and what changed. */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $, fmt } = C;
  let filters = {};
  let list;

  const action = (code) => el("div", { dataset: { action: code } },
    C.actionLabel(code) ? el("div", {}, C.actionLabel(code)) : null,
    el("div", { class: "mono small muted" }, code));

  C.start(async () => {
    const box = $("#audit-list");
    let rows = [];
    const q = new URLSearchParams(location.search);
    for (const key of ["action", "target", "actor_id"]) {
      if (q.get(key)) { filters[key] = q.get(key); $(`[name=${key}]`).value = q.get(key); }
    }
    list = C.pager(box, (cursor) => {
      const query = new URLSearchParams({ limit: "50", ...filters });
      if (cursor) query.set("cursor", cursor);
      return C.get(`/admin/audit-log?${query}`);
    }, (items, reset) => {
      rows = reset ? items : rows.concat(items);
      box.replaceChildren(C.table([
        { title: "时间", render: (e) => el("span", { class: "nowrap" }, fmt.time(e.created_at)) },
        { title: "操作人", render: (e) => C.person(e.actor_id, "系统") },
        { title: "动作", render: (e) => action(e.action) },
        { title: "对象", render: (e) => C.target(e.target) },
        { title: "变化", render: (e) => C.diff(e.before, e.after, e.target) },
      ], rows.map((e) => Object.assign(e, { __data: { id: String(e.id) } })), "没有审计记录"));
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
