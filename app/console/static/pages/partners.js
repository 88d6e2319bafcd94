/* Partners (合作方): register a partner system, rotate its secret (shown once), and see
 * its recent webhook calls with what each came to (docs/decisions/0943). */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $, $$, fmt } = C;
  let list;
  let scenarioNames = new Map();
  let eventsList = null;
  const OUTCOME = { credited: ["已入账", "green"], duplicate: ["重复（已忽略）", ""], refused: ["已拒绝", "red"] };

  function outcome(e) {
    const [text, color] = OUTCOME[e.outcome] || [e.outcome, ""];
    return el("span", { class: `badge ${color}`, dataset: { outcome: e.outcome } }, text);
  }

  function showEvents(p) {
    $("#events-card").classList.remove("hidden");
    $("#events-title").textContent = `最近事件 · ${p.name}（${p.code}）`;
    const box = $("#events-list");
    let rows = [];
    eventsList = C.pager(box, (cursor) => C.get(`/admin/partners/${p.id}/events?limit=50${cursor ? `&cursor=${cursor}` : ""}`),
      (items, reset) => {
        rows = reset ? items : rows.concat(items);
        box.replaceChildren(C.table([
          { title: "收到时间", render: (e) => el("span", { class: "nowrap" }, fmt.time(e.received_at)) },
          { title: "event_id", render: (e) => el("span", { class: "mono small" }, e.event_id || "-") },
          { title: "结果", render: outcome },
          { title: "HTTP", num: true, key: "status_code" },
          { title: "说明", render: (e) => (e.outcome === "refused"
            ? el("div", {}, e.message, el("div", { class: "mono small muted" }, e.reason))
            : e.record_id ? `打卡记录 ${e.record_id}：${(C.STATUS[e.record_status] || [e.record_status])[0]}，${fmt.int(e.points)} 积分，减碳 ${fmt.g(e.carbon_g)}` : "-") },
        ], rows.map((e) => Object.assign(e, { __data: { id: String(e.id) } })), "还没有收到调用"));
      });
    $("#events-card").scrollIntoView({ behavior: "smooth" });
    return eventsList.reload();
  }

  function actions(p) {
    const rotate = el("button", { class: "small", dataset: { action: "rotate" } }, "更换密钥");
    rotate.addEventListener("click", async () => {
      if (!confirm(`为「${p.name}」生成新密钥？旧密钥立即失效，合作方须马上换用新密钥签名。`)) return;
      rotate.disabled = true;
      try {
        const result = await C.post(`/admin/partners/${p.id}/rotate-secret`, {});
        C.showOnce($("#partner-secret"), `「${p.name}」的新密钥（X-Partner-Id: ${p.code}）`, result.secret);
        $("#partner-secret").scrollIntoView({ behavior: "smooth" });
      } catch (err) { C.fail(err); } finally { rotate.disabled = false; }
    });
    const events = el("button", { class: "small", dataset: { action: "events" } }, "最近事件");
    events.addEventListener("click", () => showEvents(p).catch(C.fail));
    return el("div", { class: "toolbar" }, rotate, events);
  }

  C.start(async () => {
    const scenarios = (await C.get("/admin/scenarios")).items;
    scenarioNames = new Map(scenarios.map((s) => [s.code, s.name]));
    const accepting = scenarios.filter((s) => s.evidence.includes("partner"));
    $("#p-scenarios").replaceChildren(...accepting.map((s) => el("label", {},
      el("input", { type: "checkbox", name: "scenarios", value: s.code }), `${s.name}`)));
    C.loaded($("#p-scenarios"));
    $("#partner-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const form = event.target;
      const picked = $$("#p-scenarios input:checked").map((i) => i.value);
      if (!picked.length) { C.toast("请至少选择一个场景", "error"); return; }
      const button = $("#create-partner");
      button.disabled = true;
      try {
        const result = await C.post("/admin/partners", {
          code: form.code.value.trim(), name: form.name.value.trim(), scenarios: picked,
          claims_reductions: $("#p-claims").checked,
        });
        C.showOnce($("#partner-secret"), `已添加「${result.partner.name}」。X-Partner-Id: ${result.partner.code}，签名密钥：`, result.secret);
        form.reset();
        list.reload();
      } catch (err) { C.fail(err); } finally { button.disabled = false; }
    });
    $("#reload").addEventListener("click", () => list.reload());
    $("#events-reload").addEventListener("click", () => eventsList && eventsList.reload());
    $("#events-close").addEventListener("click", () => $("#events-card").classList.add("hidden"));
    const box = $("#partner-list");
    let rows = [];
    list = C.pager(box, (cursor) => C.get(`/admin/partners?limit=50${cursor ? `&cursor=${cursor}` : ""}`),
      (items, reset) => {
        rows = reset ? items : rows.concat(items);
        box.replaceChildren(C.table([
          { title: "名称", key: "name" },
          { title: "代码", render: (p) => el("span", { class: "mono" }, p.code) },
          { title: "场景", render: (p) => p.scenarios.map((c) => scenarioNames.get(c) || c).join("、") },
          { title: "自行核算减排量", render: (p) => (p.claims_reductions ? "是" : "否") },
          { title: "状态", render: (p) => (p.active ? C.badge("active", "启用") : C.badge("paused", "停用")) },
          { title: "添加时间", render: (p) => fmt.time(p.created_at) },
          { title: "操作", render: actions },
        ], rows.map((p) => Object.assign(p, { __data: { id: String(p.id), code: p.code } })), "还没有合作方"));
      });
    await list.reload();
  });
})();
