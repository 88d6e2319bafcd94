/* Holders (持有机构): add an organisation, give it console logins, see what it holds. */
(function () {
  "use strict";
  const C = window.Console;
  const R = window.Registry;
  const { el, $, fmt } = C;
  let list;
  let holders = [];

  async function showHoldings(h) {
    const path = `/admin/registry/holders/${h.id}/holdings`;
    const items = (await C.get(path)).items;
    $("#holdings-card").classList.remove("hidden");
    $("#holdings-title").textContent = `「${h.name}」的持有`;
    $("#holdings-tools").replaceChildren(R.csvButton(path, `registry-holder-${h.id}-holdings.csv`));
    $("#holdings-list").replaceChildren(C.table([
      { title: "批次", render: (x) => el("a", { href: `/console/batches?batch=${x.batch_id}` }, `#${x.batch_id}`) },
      { title: "序列号", render: (x) => el("span", { class: "mono" }, x.serial) },
      { title: "项目", key: "programme" },
      { title: "监测期", render: R.period },
      { title: "持有量", num: true, render: (x) => R.kg(x.quantity) },
    ], items, "该机构目前没有持有"));
    $("#holdings-card").scrollIntoView({ behavior: "smooth" });
  }

  async function refreshSelect() {
    holders = await R.all("/admin/registry/holders");
    R.fillSelect($("#l-holder"), holders.map((h) => [h.id, `${h.name}（${h.code}）`]));
  }

  C.start(async () => {
    $("#holder-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const d = C.formData(event.target);
      try {
        const h = await C.post("/admin/registry/holders", { code: d.code.trim(), name: d.name.trim(), kind: d.kind });
        C.toast(`已添加持有机构「${h.name}」`, "ok");
        event.target.reset();
        await refreshSelect();
        $("#l-holder").value = String(h.id);
        list.reload();
      } catch (err) { C.fail(err); }
    });
    $("#login-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const d = C.formData(event.target);
      try {
        const made = await C.post(`/admin/registry/holders/${d.holder_id}/logins`, { username: d.username.trim(), password: d.password });
        const holder = holders.find((h) => String(h.id) === d.holder_id);
        $("#login-created").textContent = `已为「${holder ? holder.name : `#${d.holder_id}`}」创建账号 ${made.username}，可在 /console/login 登录。`;
        $("#login-created").classList.remove("hidden");
        event.target.reset();
      } catch (err) { C.fail(err); }
    });
    $("#holder-tools").prepend(R.csvButton("/admin/registry/holders", "registry-holders.csv"));
    $("#reload").addEventListener("click", () => list.reload());
    await refreshSelect();
    const box = $("#holder-list");
    let rows = [];
    list = C.pager(box, (cursor) => C.get(`/admin/registry/holders?limit=50${cursor ? `&cursor=${cursor}` : ""}`),
      (items, reset) => {
        rows = reset ? items : rows.concat(items);
        box.replaceChildren(C.table([
          { title: "ID", key: "id" },
          { title: "代码", render: (h) => el("span", { class: "mono" }, h.code) },
          { title: "名称", key: "name" },
          { title: "类型", render: (h) => R.HOLDER_KINDS[h.kind] || h.kind },
          { title: "状态", render: (h) => C.badge(h.active ? "active" : "paused", h.active ? "正常" : "停用") },
          { title: "创建时间", render: (h) => fmt.time(h.created_at) },
          { title: "操作", render: (h) => {
            const see = el("button", { class: "small" }, "查看持有");
            see.addEventListener("click", () => showHoldings(h).catch(C.fail));
            return see;
          } },
        ], rows.map((h) => ({ ...h, __data: { id: h.id } })), "还没有持有机构"));
      });
    await list.reload();
  });
})();
