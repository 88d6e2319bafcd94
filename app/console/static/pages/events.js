/* Zero-carbon events (零碳活动), every organiser's: stage, total, overdue, and a link to
 * each event's public page (its certificate). */
(function () {
  "use strict";
  const C = window.Console;
  const R = window.Registry;
  const E = window.Events;
  const { el, $ } = C;

  C.start(async () => {
    const holders = new Map((await R.all("/admin/registry/holders")).map((h) => [h.id, h.name]));
    const box = $("#event-list");
    let rows = [];
    const list = C.pager(box, (cursor) => C.get(`/admin/events?limit=50${cursor ? `&cursor=${cursor}` : ""}`), (items, reset) => {
      rows = reset ? items : rows.concat(items);
      box.replaceChildren(C.table([
        { title: "编号", render: (e) => el("span", { class: "mono small" }, e.public_id) },
        { title: "名称", key: "name" },
        { title: "主办方", render: (e) => holders.get(e.holder_id) || `#${e.holder_id}` },
        { title: "类型", render: (e) => E.KINDS[e.kind] || e.kind },
        { title: "日期", render: E.dates },
        { title: "阶段", render: (e) => el("span", {}, E.stageBadge(e.stage), e.overdue ? [" ", C.badge("rejected", "逾期未抵消")] : "") },
        { title: "排放总量", num: true, render: (e) => (e.accounted_at ? `${E.kg3(e.total_kg)} kg` : "未核算") },
        { title: "核查", render: (e) => (e.checked_at ? "第三方核查" : "自我声明") },
        { title: "公示页", render: (e) => E.publicLink(e, "查看") },
      ], rows.map((e) => ({ ...e, __data: { id: e.id, public: e.public_id } })), "还没有活动"));
    });
    $("#reload").addEventListener("click", () => list.reload());
    await list.reload();
  });
})();
