/* Carbon-sink projects (碳汇项目): methodologies with their sources, create a project, add
 * trees (a table form or a CSV paste) or plots, record a finished year's measurements,
 * mark a tree dead (its adoptions move to a spare tree), and the project's registry
 * programme: its batches, assembled, verified and issued on the batches page. */
(function () {
  "use strict";
  const C = window.Console;
  const R = window.Registry;
  const { el, $, fmt } = C;
  const KINDS = { forest: "森林", grassland: "草地", wetland: "湿地" };
  const BASIS = { tree: "每株每年", hectare: "每公顷每年" };
  const STATUS = { published: "官方发布", derived: "按标准推算", illustrative: "示意值" };
  let methodologies = [];
  let holders = new Map();
  let list;
  let current = null;

  const fact = (label, value) => el("div", {}, el("div", { class: "label" }, label), el("div", { class: "value" }, value ?? "-"));
  const lastYear = () => Number(new Date().toLocaleDateString("en-CA", { timeZone: "Asia/Shanghai" }).slice(0, 4)) - 1;
  const kgYear = (m) => `${m.kg_per_year} kgCO2e/${m.basis === "tree" ? "株" : "公顷"}·年`;

  function pickKind() {
    const kind = $("#p-kind").value;
    R.fillSelect($("#p-methodology"), methodologies.filter((m) => m.kind === kind).map((m) =>
      [`${m.code}|${m.version}`, `${m.name}（${m.code} v${m.version}，${kgYear(m)}）`]), null);
  }

  function treeRow() {
    const row = el("tr", {},
      el("td", {}, el("input", { name: "code", required: true, minlength: "2", maxlength: "32", "aria-label": "树木编号" })),
      el("td", {}, el("input", { name: "species", required: true, maxlength: "64", "aria-label": "树种" })),
      el("td", {}, el("input", { name: "planted_year", type: "number", min: "1900", max: "2100", step: "1", required: true,
        value: String(lastYear()), "aria-label": "种植年份" })),
      el("td", {}, el("input", { name: "spare", type: "checkbox", "aria-label": "备用树" })),
      el("td", {}));
    const remove = el("button", { type: "button", class: "small" }, "移除");
    remove.addEventListener("click", () => row.remove());
    row.lastChild.append(remove);
    $("#tree-rows").append(row);
  }

  /** "T001,樟子松,2020,1" lines (an optional header) -> trees; throws with the line number. */
  function parseTrees(text) {
    const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    if (lines.length && /^code\s*,/i.test(lines[0])) lines.shift();
    return lines.map((line, i) => {
      const [code, species, year, spare = ""] = line.split(/\s*[,，]\s*/);
      if (!code || !species || !/^\d{4}$/.test(year || "")) throw new Error(`第 ${i + 1} 行格式应为 code,species,planted_year,spare`);
      return { code, species, planted_year: Number(year), spare: /^(1|true|yes|是|y)$/i.test(spare) };
    });
  }

  async function addTrees(trees) {
    const made = await C.post(`/admin/sinks/projects/${current.id}/trees`, { trees });
    C.toast(`已登记 ${made.items.length} 棵树`, "ok");
    await show(current.id);
    list.reload();
  }

  async function markDead(tree) {
    if (!confirm(`确认树木 ${tree.code} 已死亡？其认领将转到备用树，并通知认领居民。`)) return;
    try {
      const moved = (await C.post(`/admin/sinks/trees/${tree.id}/dead`, {})).items;
      const panel = $("#dead-result");
      panel.dataset.tree = tree.code;
      panel.textContent = moved.length
        ? `${tree.code} 已标记死亡；认领已转至备用树 ${moved.map((t) => t.code).join("、")}，已通知认领居民。`
        : `${tree.code} 已标记死亡；没有需要转移的认领。`;
      panel.classList.remove("hidden");
      await loadTrees();
    } catch (err) { C.fail(err); }
  }

  async function loadTrees() {
    const trees = (await C.get(`/admin/sinks/projects/${current.id}/trees`)).items;
    $("#tree-list").replaceChildren(C.table([
      { title: "编号", render: (t) => el("span", { class: "mono" }, t.code) },
      { title: "树种", key: "species" },
      { title: "种植年份", key: "planted_year" },
      { title: "状态", render: (t) => (t.status === "alive" ? C.badge("approved", "存活") : C.badge("rejected", "死亡")) },
      { title: "备用树", render: (t) => (t.spare ? C.badge("queued", "备用") : "-") },
      { title: "本年认领", render: (t) => (t.adopted ? C.badge("issued", "已认领") : "-") },
      { title: "操作", render: (t) => {
        if (t.status !== "alive") return "";
        const dead = el("button", { class: "small danger", dataset: { dead: t.code } }, "标记死亡");
        dead.addEventListener("click", () => markDead(t));
        return dead;
      } },
    ], trees.map((t) => ({ ...t, __data: { tree: t.code } })), "还没有登记树木"));
  }

  async function loadBatches() {
    const pid = current.programme_id;
    const batches = (await R.all("/admin/registry/batches")).filter((b) => b.programme.id === pid);
    $("#batch-list").replaceChildren(C.table([
      { title: "批次", render: (b) => el("a", { href: `/console/batches?batch=${b.id}` }, `#${b.id} 第 ${b.seq} 批`) },
      { title: "监测期", render: R.period },
      { title: "碳汇量", num: true, render: (b) => fmt.g(b.carbon_g) },
      { title: "状态", render: (b) => R.batchBadge(b.status) },
      { title: "签发", render: (b) => (b.serial ? el("span", { class: "mono small" }, `${b.serial}（${R.kg(b.units)}）`) : "-") },
    ], batches, "还没有监测批次"));
    updateAssembleLink();
  }

  function updateAssembleLink() {
    const year = C.intOrNull($("#m-year").value) || lastYear();
    $("#assemble-link").href = `/console/batches?programme=${current.programme_id}&start=${year}-01-01&end=${year}-12-31`;
    $("#assemble-link").textContent = `按 ${year} 年度去组批 →`;
  }

  async function show(projectId) {
    const projects = await R.all("/admin/sinks/projects");
    current = projects.find((p) => p.id === projectId);
    if (!current) { C.toast("项目不存在", "error"); return; }
    const p = current;
    const m = p.methodology;
    $("#project-detail").classList.remove("hidden");
    $("#project-detail").dataset.id = String(p.id);
    $("#detail-title").replaceChildren(`${p.name}（${p.code}）`);
    $("#detail-tools").replaceChildren(el("a", { class: "button small", href: `/console/batches?programme=${p.programme_id}` }, "核算批次"));
    $("#detail-facts").replaceChildren(
      fact("类型", KINDS[p.kind] || p.kind), fact("地区", p.region || "-"),
      fact("所有者", holders.get(p.owner_holder_id) || `#${p.owner_holder_id}`),
      fact("方法学", `${m.name} v${m.version}（${kgYear(m)}，${STATUS[m.status] || m.status}）`),
      fact("预估年碳汇（事前，不签发）", `${p.estimated_kg_per_year} kg`),
      fact("认领价", `${fmt.int(p.adoption_points)} 积分/株/年`),
      fact("登记项目", `#${p.programme_id}（碳汇）`), fact("介绍", p.description || "-"));
    const trees = m.basis === "tree";
    $("#tree-section").classList.toggle("hidden", !trees);
    $("#plot-section").classList.toggle("hidden", trees);
    $("#dead-result").classList.add("hidden");
    if (trees) {
      await loadTrees();
      if (!$("#tree-rows").children.length) treeRow();
    }
    await loadBatches();
  }

  C.start(async () => {
    methodologies = (await C.get("/admin/sinks/methodologies")).items;
    $("#methodology-list").replaceChildren(C.table([
      { title: "代码", render: (x) => el("span", { class: "mono" }, `${x.code} v${x.version}`) },
      { title: "名称", key: "name" },
      { title: "类型", render: (x) => KINDS[x.kind] || x.kind },
      { title: "固碳量", num: true, render: (x) => `${x.kg_per_year} kg（${BASIS[x.basis] || x.basis}）` },
      { title: "状态", render: (x) => C.badge(x.status === "published" ? "approved" : "queued", STATUS[x.status] || x.status) },
      { title: "出处", render: (x) => el("div", { class: "small muted source" }, x.source) },
    ], methodologies, "没有方法学"));
    const orgs = await R.all("/admin/registry/holders");
    holders = new Map(orgs.map((h) => [h.id, h.name]));
    R.fillSelect($("#p-owner"), orgs.map((h) => [h.id, `${h.name}（${h.code}）`]));
    $("#p-kind").addEventListener("change", pickKind);
    pickKind();
    $("#project-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const d = C.formData(event.target);
      const [code, version] = d.methodology.split("|");
      try {
        const p = await C.post("/admin/sinks/projects", { code: d.code.trim(), name: d.name.trim(), kind: d.kind,
          owner_holder_id: C.intOrNull(d.owner_holder_id), methodology: code, methodology_version: Number(version),
          region: d.region.trim(), description: d.description.trim(), adoption_points: C.intOrNull(d.adoption_points) ?? 0 });
        C.toast(`已新建项目「${p.name}」，并备案登记项目 #${p.programme_id}`, "ok");
        list.reload();
        await show(p.id);
        $("#project-detail").scrollIntoView({ behavior: "smooth" });
      } catch (err) { C.fail(err); }
    });
    $("#add-row").addEventListener("click", treeRow);
    $("#tree-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const trees = Array.from($("#tree-rows").children, (row) => ({
        code: row.querySelector("[name=code]").value.trim(), species: row.querySelector("[name=species]").value.trim(),
        planted_year: Number(row.querySelector("[name=planted_year]").value), spare: row.querySelector("[name=spare]").checked }));
      if (!trees.length) return;
      addTrees(trees).then(() => { $("#tree-rows").replaceChildren(); treeRow(); }).catch(C.fail);
    });
    $("#tree-csv-form").addEventListener("submit", (event) => {
      event.preventDefault();
      let trees;
      try { trees = parseTrees($("#t-csv").value); } catch (err) { C.toast(err.message, "error"); return; }
      if (trees.length) addTrees(trees).then(() => { $("#t-csv").value = ""; }).catch(C.fail);
    });
    $("#plot-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const d = C.formData(event.target);
      C.post(`/admin/sinks/projects/${current.id}/plots`, { code: d.code.trim(), area_m2: C.intOrNull(d.area_m2), location: d.location.trim() })
        .then((plot) => { C.toast(`已登记地块 ${plot.code}（${fmt.int(plot.area_m2)} 平方米）`, "ok"); event.target.reset(); show(current.id); })
        .catch(C.fail);
    });
    $("#m-year").value = String(lastYear());
    $("#m-year").addEventListener("input", updateAssembleLink);
    $("#measure-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const year = C.intOrNull($("#m-year").value);
      const measured = {};
      for (const line of $("#m-measured").value.split(/\r?\n/).map((l) => l.trim()).filter(Boolean)) {
        const [code, kgText] = line.split(/\s*[,，]\s*/);
        if (!code || !/^\d+(\.\d{1,3})?$/.test(kgText || "")) { C.toast(`实测值格式应为 编号,千克：${line}`, "error"); return; }
        measured[code] = Number(kgText);
      }
      try {
        const r = await C.post(`/admin/sinks/projects/${current.id}/measurements`, { year, measured_kg: measured });
        const panel = $("#measure-result");
        panel.textContent = `已登记 ${year} 年度监测结果 ${r.added} 条（已登记过的不重复）。下一步：在核算批次页按 ${year} 年度组批并提交核查。`;
        panel.classList.remove("hidden");
        updateAssembleLink();
      } catch (err) { C.fail(err); }
    });
    $("#reload").addEventListener("click", () => list.reload());
    const box = $("#project-list");
    let rows = [];
    list = C.pager(box, (cursor) => C.get(`/admin/sinks/projects?limit=50${cursor ? `&cursor=${cursor}` : ""}`), (items, reset) => {
      rows = reset ? items : rows.concat(items);
      box.replaceChildren(C.table([
        { title: "代码", render: (p) => el("span", { class: "mono" }, p.code) },
        { title: "名称", key: "name" },
        { title: "类型", render: (p) => KINDS[p.kind] || p.kind },
        { title: "所有者", render: (p) => holders.get(p.owner_holder_id) || `#${p.owner_holder_id}` },
        { title: "方法学", render: (p) => `${p.methodology.name} v${p.methodology.version}` },
        { title: "预估年碳汇", num: true, render: (p) => `${p.estimated_kg_per_year} kg（预估）` },
        { title: "认领价", num: true, render: (p) => `${fmt.int(p.adoption_points)} 积分` },
        { title: "操作", render: (p) => {
          const open = el("button", { class: "small" }, "详情");
          open.addEventListener("click", () => show(p.id).then(() => $("#project-detail").scrollIntoView({ behavior: "smooth" })).catch(C.fail));
          return el("div", { class: "toolbar" }, open, el("a", { class: "button small", href: `/console/batches?programme=${p.programme_id}` }, "核算批次"));
        } },
      ], rows.map((p) => ({ ...p, __data: { id: p.id } })), "还没有碳汇项目"));
    });
    await list.reload();
    if (R.param("project")) await show(R.param("project"));
  });
})();
