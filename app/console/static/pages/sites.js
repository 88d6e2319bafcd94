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
    const buttons = [print, toggle, rotate];
    if (site.quantity_source === "station") {
      const key = el("button", { class: "small" }, "称重站密钥");
      key.addEventListener("click", async () => {
        if (!confirm(`查看「${site.name}」称重站的签名密钥？此操作会记入审计日志，请只在给称重设备配置时使用。`)) return;
        try {
          const k = await C.post(`/admin/sites/${site.id}/station-key`, {});
          window.prompt(`称重站密钥（v${k.key_version}），请配置到设备中：\n小票格式：${k.receipt_format}`, k.secret);
        } catch (err) { C.fail(err); }
      });
      buttons.push(key);
    }
    return el("div", { class: "toolbar" }, ...buttons);
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
        const body = { name: d.name.trim(), scenario: d.scenario, quantity_source: d.quantity_source || "scan",
          per_user_daily_limit: C.intOrNull(d.per_user_daily_limit) || 1, rotation_seconds: C.intOrNull(d.rotation_seconds) || 0 };
        if (body.quantity_source === "fixed" && d.quantity_per_scan) body.quantity_per_scan = Number(d.quantity_per_scan);
        const site = await C.post("/admin/sites", body);
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
        { title: "计量", render: (s) => ({ scan: "每次 1 次 / 居民填写", fixed: `每次 ${s.quantity_per_scan}`, station: "称重站小票" })[s.quantity_source] || s.quantity_source },
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
