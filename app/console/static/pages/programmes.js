/* Programmes (减排项目): register one scenario under one methodology version; the list. */
(function () {
  "use strict";
  const C = window.Console;
  const R = window.Registry;
  const { el, $, fmt } = C;
  let versions = [];
  let list;

  async function pickScenario(code) {
    versions = code ? (await C.get(`/admin/scenarios/${code}/versions`)).items : [];
    R.fillSelect($("#p-version"), [...versions].reverse().map((v) =>
      [v.version, `v${v.version}（${v.g_co2e_per_unit} 克/单位）`]));
    showVersion();
  }

  function showVersion() {
    const v = versions.find((x) => String(x.version) === $("#p-version").value);
    $("#p-version-info").textContent = v ? `生效 ${fmt.time(v.valid_from)}；出处：${v.source}` : "";
  }

  C.start(async () => {
    const scenarios = (await C.get("/admin/scenarios")).items;
    R.fillSelect($("#p-scenario"), scenarios.map((s) => [s.code, `${s.name}（${s.code}）`]), "选择场景");
    $("#p-scenario").addEventListener("change", (e) => pickScenario(e.target.value).catch(C.fail));
    $("#p-version").addEventListener("change", showVersion);
    $("#programme-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const d = C.formData(event.target);
      try {
        const p = await C.post("/admin/registry/programmes",
          { scenario: d.scenario, methodology_version: C.intOrNull(d.methodology_version) });
        C.toast(`已备案「${p.name}」（${p.code}）`, "ok");
        list.reload();
      } catch (err) { C.fail(err); }
    });
    $("#programme-tools").prepend(R.csvButton("/admin/registry/programmes", "registry-programmes.csv"));
    $("#reload").addEventListener("click", () => list.reload());
    const box = $("#programme-list");
    let rows = [];
    list = C.pager(box, (cursor) => C.get(`/admin/registry/programmes?limit=50${cursor ? `&cursor=${cursor}` : ""}`),
      (items, reset) => {
        rows = reset ? items : rows.concat(items);
        box.replaceChildren(C.table([
          { title: "代码", render: (p) => el("span", { class: "mono" }, p.code) },
          { title: "名称", key: "name" },
          { title: "场景", render: (p) => (p.kind === "sink" ? "碳汇项目" : el("span", { class: "mono small" }, p.scenario)) },
          { title: "方法学版本", render: (p) => (p.kind === "sink" ? "-" : `v${p.methodology_version}`) },
          { title: "排放因子", num: true, render: (p) => (p.kind === "sink" ? "-" : `${p.factor_g_per_unit} 克/单位`) },
          { title: "出处", render: (p) => el("span", { class: "small" }, p.source) },
          { title: "备案时间", render: (p) => fmt.time(p.created_at) },
          { title: "操作", render: (p) => el("a", { href: `/console/batches?programme=${p.id}` }, "核算批次") },
        ], rows, "还没有备案的减排项目"));
      });
    await list.reload();
  });
})();
