/* My holdings (我的持有): my units per batch, with the way to transfer or retire them. */
(function () {
  "use strict";
  const C = window.Console;
  const R = window.Registry;
  const { el, $ } = C;

  const kpi = (label, value, id) => el("div", { class: "kpi" }, el("div", { class: "label" }, label), el("div", { class: "value", id }, value));

  async function load() {
    const [me, holdings] = await Promise.all([C.get("/holder/me"), C.get("/holder/holdings")]);
    const items = holdings.items;
    const total = items.reduce((sum, x) => sum + x.quantity, 0);
    $("#holder-kpis").replaceChildren(kpi("机构", me.holder.name), kpi("持有合计", R.kg(total), "held-total"),
      kpi("涉及批次", String(items.length)));
    $("#holdings-list").replaceChildren(C.table([
      { title: "批次", render: (x) => `#${x.batch_id}` },
      { title: "序列号", render: (x) => el("span", { class: "mono" }, x.serial) },
      { title: "项目", key: "programme" },
      { title: "监测期", render: R.period },
      { title: "持有量", num: true, render: (x) => R.kg(x.quantity) },
      { title: "操作", render: (x) => el("div", { class: "toolbar" },
        el("a", { class: "button small", href: `/console/h-transfer?batch=${x.batch_id}` }, "转让"),
        el("a", { class: "button small", href: `/console/h-retire?batch=${x.batch_id}` }, "注销")) },
    ], items.map((x) => ({ ...x, __data: { batch: x.batch_id } })), "目前没有持有的减排量"));
  }

  C.start(async () => {
    $("#holdings-tools").prepend(R.csvButton("/holder/holdings", "holdings.csv"));
    $("#reload").addEventListener("click", () => load().catch(C.fail));
    await load();
  });
})();
