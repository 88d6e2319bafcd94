/* Buffer (缓冲账户): the buffer's units per batch, what covers records found false later. */
(function () {
  "use strict";
  const C = window.Console;
  const R = window.Registry;
  const { el, $ } = C;

  async function load() {
    const items = (await C.get("/admin/registry/buffer")).items;
    const total = items.reduce((sum, x) => sum + x.quantity, 0);
    $("#buffer-kpis").replaceChildren(
      el("div", { class: "kpi" }, el("div", { class: "label" }, "缓冲账户合计"), el("div", { class: "value", id: "buffer-total" }, R.kg(total))),
      el("div", { class: "kpi blue" }, el("div", { class: "label" }, "涉及批次"), el("div", { class: "value" }, String(items.length))));
    $("#buffer-list").replaceChildren(C.table([
      { title: "批次", render: (x) => el("a", { href: `/console/batches?batch=${x.batch_id}` }, `#${x.batch_id}`) },
      { title: "序列号", render: (x) => el("span", { class: "mono" }, x.serial) },
      { title: "项目", key: "programme" },
      { title: "监测期", render: R.period },
      { title: "缓冲量", num: true, render: (x) => R.kg(x.quantity) },
      { title: "操作", render: (x) => el("a", { href: `/console/movements?batch=${x.batch_id}` }, "作废…") },
    ], items.map((x) => ({ ...x, __data: { batch: x.batch_id } })), "缓冲账户为空"));
  }

  C.start(async () => {
    $("#buffer-tools").prepend(R.csvButton("/admin/registry/buffer", "registry-buffer.csv"));
    $("#reload").addEventListener("click", () => load().catch(C.fail));
    await load();
  });
})();
