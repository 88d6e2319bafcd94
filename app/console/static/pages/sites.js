/* QR sites: create, (de)activate, rotate the key (retires printed codes), print the QR. */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $, fmt } = C;
  let list;
  let scenarioNames = new Map();

  function actions(site) {
    const print = el("a", { class: "button small", href: `/console/sites/${site.id}/print` }, "打印二维码");
    const toggle = el("button", { class: "small" }, site.active ? "停用" : "启用");
    toggle.addEventListener("click", async () => {
      try { await C.patch(`/admin/sites/${site.id}`, { active: !site.active }); list.reload(); } catch (err) { C.fail(err); }
    });
    const rotate = el("button", { class: "danger small" }, "更换密钥");
    rotate.addEventListener("click", async () => {
      if (!confirm(`更换「${site.name}」的密钥后，已打印的二维码将全部失效，需要重新打印。继续？`)) return;
      try { await C.post(`/admin/sites/${site.id}/rotate-key`, {}); C.toast("已更换，请重新打印", "ok"); list.reload(); } catch (err) { C.fail(err); }
    });
    return el("div", { class: "toolbar" }, print, toggle, rotate);
  }

  C.start(async () => {
    const scenarios = (await C.get("/admin/scenarios")).items;
    scenarioNames = new Map(scenarios.map((s) => [s.code, s.name]));
    $("#s-scenario").replaceChildren(...scenarios.filter((s) => s.evidence.includes("qr"))
      .map((s) => el("option", { value: s.code }, `${s.name}（${s.code}）`)));
    $("#site-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const d = C.formData(event.target);
      try {
        const site = await C.post("/admin/sites", { name: d.name.trim(), scenario: d.scenario,
          per_user_daily_limit: C.intOrNull(d.per_user_daily_limit) || 1, rotation_seconds: C.intOrNull(d.rotation_seconds) || 0 });
        C.toast(`点位「${site.name}」已创建`, "ok");
        event.target.reset();
        list.reload();
      } catch (err) { C.fail(err); }
    });
    const box = $("#site-list");
    let rows = [];
    list = C.pager(box, (cursor) => C.get(`/admin/sites?limit=50${cursor ? `&cursor=${cursor}` : ""}`), (items, reset) => {
      rows = reset ? items : rows.concat(items);
      box.replaceChildren(C.table([
        { title: "ID", key: "id" },
        { title: "名称", key: "name" },
        { title: "场景", render: (s) => scenarioNames.get(s.scenario) || s.scenario },
        { title: "每人每天", num: true, key: "per_user_daily_limit" },
        { title: "二维码", render: (s) => (s.rotation_seconds ? `动态码 ${s.rotation_seconds} 秒` : `静态码 v${s.key_version}`) },
        { title: "状态", render: (s) => C.badge(s.active ? "active" : "paused", s.active ? "启用" : "停用") },
        { title: "创建时间", render: (s) => fmt.time(s.created_at) },
        { title: "操作", render: actions },
      ], rows, "还没有点位"));
    });
    $("#reload").addEventListener("click", () => list.reload());
    await list.reload();
  });
})();
