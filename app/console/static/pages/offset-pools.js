/* Personal offsets (一元碳汇): offer a holder's units to residents at points per kg; open or
 * close each offer; what each can still sell (the holder's units of its kind). */
(function () {
  "use strict";
  const C = window.Console;
  const R = window.Registry;
  const { el, $, fmt } = C;
  const KINDS = { sink: "碳汇", reduction: "核证减排量", any: "不限" };
  let holders = new Map();

  async function load() {
    const pools = (await C.get("/admin/registry/offset-pools")).items;
    $("#pool-list").replaceChildren(C.table([
      { title: "ID", key: "id" },
      { title: "名称", key: "name" },
      { title: "类型", render: (p) => KINDS[p.kind] || p.kind },
      { title: "价格", num: true, render: (p) => `${fmt.int(p.points_per_kg)} 积分/kg` },
      { title: "提供机构", render: (p) => holders.get(p.holder_id) || `#${p.holder_id}` },
      { title: "可售量", num: true, render: (p) => R.kg(p.available_kg) },
      { title: "状态", render: (p) => (p.active ? C.badge("active", "开放中") : C.badge("paused", "已关闭")) },
      { title: "操作", render: (p) => {
        const toggle = el("button", { class: p.active ? "small danger" : "small", dataset: { toggle: p.id } }, p.active ? "关闭" : "开放");
        toggle.addEventListener("click", async () => {
          toggle.disabled = true;
          try {
            await C.patch(`/admin/registry/offset-pools/${p.id}`, { active: !p.active });
            C.toast(`「${p.name}」已${p.active ? "关闭" : "开放"}`, "ok");
            await load();
          } catch (err) { C.fail(err); toggle.disabled = false; }
        });
        return toggle;
      } },
    ], pools.map((p) => ({ ...p, __data: { id: p.id } })), "还没有一元碳汇项目"));
  }

  C.start(async () => {
    const orgs = await R.all("/admin/registry/holders");
    holders = new Map(orgs.map((h) => [h.id, h.name]));
    R.fillSelect($("#pool-holder"), orgs.map((h) => [h.id, `${h.name}（${h.code}）`]));
    $("#pool-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const d = C.formData(event.target);
      try {
        const p = await C.post("/admin/registry/offset-pools", { name: d.name.trim(), kind: d.kind,
          points_per_kg: C.intOrNull(d.points_per_kg), holder_id: C.intOrNull(d.holder_id) });
        C.toast(`已新建「${p.name}」（默认开放）`, "ok");
        $("#pool-name").value = "";
        await load();
      } catch (err) { C.fail(err); }
    });
    $("#reload").addEventListener("click", () => load().catch(C.fail));
    await load();
  });
})();
