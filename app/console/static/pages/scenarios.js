/* Scenarios and methodology versions: caps, evidence, on/off, new versions (never edits). */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $, fmt } = C;
  const EVIDENCE = { qr: "扫码", photo: "拍照", werun: "微信步数", partner: "合作方" };
  let current = null;
  // The rule in Chinese, its code (what the API and a new version take) below it.
  const ruleCell = (text) => el("div", { dataset: { rule: text } }, el("div", {}, C.rule(text)),
    el("div", { class: "small muted mono" }, text));

  function localToIso(value) {
    return value ? new Date(value).toISOString() : null;
  }

  async function showVersions(scenario) {
    current = scenario;
    $("#versions-card").classList.remove("hidden");
    $("#versions-title").textContent = `方法学版本 · ${scenario.name}（${scenario.code}，单位：${C.unit(scenario.unit)}）`;
    const versions = (await C.get(`/admin/scenarios/${scenario.code}/versions`)).items;
    $("#version-list").replaceChildren(C.table([
      { title: "版本", render: (v) => `v${v.version}` },
      { title: "排放因子", num: true, render: (v) => `${v.g_co2e_per_unit} 克 CO₂e/${C.unit(scenario.unit)}` },
      { title: "积分规则", render: (v) => ruleCell(v.points_rule) },
      { title: "生效时间", render: (v) => fmt.time(v.valid_from) },
      { title: "出处", render: (v) => el("span", { class: "small" }, v.source) },
    ], [...versions].reverse()));
    $("#versions-card").scrollIntoView({ behavior: "smooth" });
  }

  async function render() {
    const scenarios = (await C.get("/admin/scenarios")).items;
    $("#scenario-list").replaceChildren(C.table([
      { title: "场景", render: (s) => el("div", {}, el("strong", {}, s.name), el("div", { class: "small muted mono" }, s.code)) },
      { title: "排放因子", num: true, render: (s) => `${s.g_co2e_per_unit} 克 CO₂e/${C.unit(s.unit)}` },
      { title: "积分规则", render: (s) => ruleCell(s.points_rule) },
      { title: "每日上限", num: true, render: (s) => `${s.daily_cap} ${C.unit(s.unit)}` },
      { title: "凭证", render: (s) => s.evidence.map((e) => EVIDENCE[e] || e).join("、") || "-" },
      { title: "版本", render: (s) => `v${s.methodology_version}` },
      { title: "状态", render: (s) => C.badge(s.active ? "active" : "paused", s.active ? "开放" : "关闭") },
      { title: "操作", render: (s) => {
        const versions = el("button", { class: "small" }, "版本");
        versions.addEventListener("click", () => showVersions(s).catch(C.fail));
        const cap = el("button", { class: "small" }, "改上限");
        cap.addEventListener("click", async () => {
          const value = prompt(`「${s.name}」每日上限（${C.unit(s.unit)}）`, String(s.daily_cap));
          if (!value) return;
          try { await C.patch(`/admin/scenarios/${s.code}`, { daily_cap: Number(value) }); render().catch(C.fail); } catch (err) { C.fail(err); }
        });
        const toggle = el("button", { class: s.active ? "danger small" : "small" }, s.active ? "关闭" : "开放");
        toggle.addEventListener("click", async () => {
          try { await C.patch(`/admin/scenarios/${s.code}`, { active: !s.active }); render().catch(C.fail); } catch (err) { C.fail(err); }
        });
        return el("div", { class: "toolbar" }, versions, cap, toggle);
      } },
    ], scenarios));
  }

  C.start(async () => {
    $("#close-versions").addEventListener("click", () => $("#versions-card").classList.add("hidden"));
    $("#version-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const d = C.formData(event.target);
      const body = { g_co2e_per_unit: Number(d.g_co2e_per_unit), points_rule: d.points_rule.trim(), source: d.source.trim() };
      if (d.valid_from) body.valid_from = localToIso(d.valid_from);
      try {
        const v = await C.post(`/admin/scenarios/${current.code}/versions`, body);
        C.toast(`已发布 v${v.version}`, "ok");
        event.target.reset();
        await render();
        await showVersions(current);
      } catch (err) { C.fail(err); }
    });
    await render();
  });
})();
