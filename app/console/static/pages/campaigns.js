/* Campaigns: create (window, scenarios, multiplier/bonus, budget, limits), pause/resume,
 * and watch each campaign's budget burn. */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $, $$, fmt } = C;
  let list;
  let names = new Map();

  const pad = (n) => String(n).padStart(2, "0");
  function localInput(date) {
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
  }

  function burn(c) {
    const pct = Math.min(100, Math.round((100 * c.budget_used) / c.budget_points));
    const bar = el("div");
    bar.style.width = `${pct}%`;
    return el("div", { class: "budget" },
      el("div", { class: "small" }, `${fmt.int(c.budget_used)} / ${fmt.int(c.budget_points)}（${pct}%）`),
      el("div", { class: "progress thin" }, bar));
  }

  function state(c) {
    const now = Date.now();
    if (c.status === "paused") return C.badge("paused", "已暂停");
    if (new Date(c.starts_at).getTime() > now) return C.badge("queued", "未开始");
    if (new Date(c.ends_at).getTime() <= now) return C.badge("expired", "已结束");
    return C.badge("active", "进行中");
  }

  function actions(c) {
    const paused = c.status === "paused";
    const button = el("button", { class: paused ? "small" : "danger small" }, paused ? "恢复" : "暂停");
    button.addEventListener("click", async () => {
      try { await C.post(`/admin/campaigns/${c.id}/${paused ? "resume" : "pause"}`, undefined); list.reload(); } catch (err) { C.fail(err); }
    });
    return button;
  }

  C.start(async () => {
    const scenarios = (await C.get("/admin/scenarios")).items;
    names = new Map(scenarios.map((s) => [s.code, s.name]));
    $("#c-scenarios").replaceChildren(...scenarios.filter((s) => s.active).map((s) =>
      el("label", {}, el("input", { type: "checkbox", name: "scenarios", value: s.code }), s.name)));
    const now = new Date();
    $("#c-start").value = localInput(now);
    $("#c-end").value = localInput(new Date(now.getTime() + 7 * 86400000));
    $("#campaign-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const d = C.formData(event.target);
      const chosen = $$("#c-scenarios input:checked").map((i) => i.value);
      if (!chosen.length) { C.toast("请至少选择一个场景", "error"); return; }
      const body = {
        name: d.name.trim(), scenarios: chosen,
        starts_at: new Date(d.starts_at).toISOString(), ends_at: new Date(d.ends_at).toISOString(),
        multiplier: Number(d.multiplier || 1), bonus_points: C.intOrNull(d.bonus_points) || 0,
        budget_points: C.intOrNull(d.budget_points),
      };
      if (d.first_n) body.first_n = C.intOrNull(d.first_n);
      if (d.per_resident_limit) body.per_resident_limit = C.intOrNull(d.per_resident_limit);
      try {
        const created = await C.post("/admin/campaigns", body);
        C.toast(`活动「${created.name}」已创建`, "ok");
        list.reload();
      } catch (err) { C.fail(err); }
    });
    const box = $("#campaign-list");
    let rows = [];
    list = C.pager(box, (cursor) => C.get(`/admin/campaigns?limit=50${cursor ? `&cursor=${cursor}` : ""}`), (items, reset) => {
      rows = reset ? items : rows.concat(items);
      box.replaceChildren(C.table([
        { title: "ID", key: "id" },
        { title: "活动", render: (c) => el("strong", {}, c.name) },
        { title: "时间", render: (c) => el("span", { class: "small" }, `${fmt.time(c.starts_at)} ~ ${fmt.time(c.ends_at)}`) },
        { title: "场景", render: (c) => c.scenarios.map((s) => names.get(s) || s).join("、") },
        { title: "规则", render: (c) => [c.multiplier > 1 ? `×${c.multiplier}` : null, c.bonus_points ? `+${c.bonus_points}/次` : null,
          c.first_n ? `前 ${c.first_n} 次` : null, c.per_resident_limit ? `每人 ${c.per_resident_limit} 次` : null].filter(Boolean).join("，") },
        { title: "已奖励", num: true, render: (c) => `${fmt.int(c.awards_count)} 次` },
        { title: "预算消耗", render: burn },
        { title: "状态", render: state },
        { title: "操作", render: actions },
      ], rows.map((c) => Object.assign(c, { __data: { id: String(c.id), used: String(c.budget_used) } })), "还没有活动"));
    });
    $("#reload").addEventListener("click", () => list.reload());
    await list.reload();
  });
})();
