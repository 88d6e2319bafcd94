/* Zero-carbon events' shared labels and widgets (零碳活动): kinds, stages, emission
 * sources, factor statuses and units in Chinese, kg with 3 decimals, a factor's badge,
 * an event's facts and its accounting lines as a table. Loaded after console.js (and
 * registry.js) on the pages that list "events.js" in app/console/pages.py.
 */
(function () {
  "use strict";
  const C = window.Console;
  const { el, fmt } = C;

  const KINDS = { meeting: "会议", forum: "论坛", match: "赛事", exhibition: "展览", show: "演出" };
  const STAGES = {
    planned: ["筹备中", ""], held: ["已举办", "amber"], accounted: ["已核算", "blue"], offset: ["已碳中和", "green"],
  };
  const CATEGORIES = {
    electricity: "电力", fuel: "化石燃料", travel: "交通出行", lodging: "住宿", catering: "餐饮",
    materials: "物料", waste: "废弃物",
  };
  const FACTOR_STATUS = {
    published: ["官方发布", "green"], derived: ["按标准推算", "amber"], illustrative: ["示意值", ""],
  };
  const UNITS = { "passenger-km": "人·公里", "room-night": "间夜", meal: "人次", m3: "m³" };

  const unit = (u) => UNITS[u] || u;
  /** 3305.06 -> "3,305.060" (the API's kg carry at most 3 decimals). */
  const kg3 = (n) => Number(n || 0).toLocaleString("zh-CN", { minimumFractionDigits: 3, maximumFractionDigits: 3 });
  const num = (n) => Number(n).toLocaleString("zh-CN", { maximumFractionDigits: 6 });

  function stageBadge(stage) {
    const [text, color] = STAGES[stage] || [stage, ""];
    return el("span", { class: `badge ${color}`, dataset: { stage } }, text);
  }
  function factorBadge(status) {
    const [text, color] = FACTOR_STATUS[status] || [status, ""];
    return el("span", { class: `badge ${color}`, dataset: { factorStatus: status } }, text);
  }
  const dates = (e) => (e.starts_on === e.ends_on ? e.starts_on : `${e.starts_on} ~ ${e.ends_on}`);
  const publicPath = (e) => `/registry/events/${encodeURIComponent(e.public_id)}`;
  function publicLink(e, text = "公示页") {
    return el("a", { href: publicPath(e), target: "_blank", rel: "noopener", dataset: { public: e.public_id } }, text);
  }

  /** The sum of the lines' kg, in grams as integers (no float drift over many lines). */
  function linesKg(lines) {
    return lines.reduce((grams, l) => grams + Math.round(l.emissions_kg * 1000), 0) / 1000;
  }

  /** An event's accounting lines; `onDelete(line)` adds a 删除 button to organiser lines. */
  function linesTable(lines, onDelete) {
    const columns = [
      { title: "排放源", render: (l) => el("div", {}, CATEGORIES[l.category] || l.category,
        el("div", { class: "small muted" }, l.origin === "attendees" ? `参会者出行：${l.note}` : l.note)) },
      { title: "排放因子", render: (l) => el("div", {}, l.factor.name,
        el("div", { class: "mono small muted" }, `${l.factor.code} · v${l.factor.version}`)) },
      { title: "因子状态", render: (l) => factorBadge(l.factor.status) },
      { title: "活动数据", num: true, render: (l) => `${num(l.quantity)} ${unit(l.factor.unit)}` },
      { title: "因子 (kgCO2e/单位)", num: true, render: (l) => `${num(l.factor.kg_per_unit)} / ${unit(l.factor.unit)}` },
      { title: "排放量 (kg)", num: true, render: (l) => kg3(l.emissions_kg) },
      { title: "出处", render: (l) => el("div", { class: "small muted source" }, l.factor.source || "-") },
    ];
    if (onDelete) {
      columns.push({ title: "操作", render: (l) => {
        if (l.origin !== "organiser") return "";
        const button = el("button", { class: "small danger", dataset: { deleteLine: l.id } }, "删除");
        button.addEventListener("click", () => onDelete(l));
        return button;
      } });
    }
    return C.table(columns, lines.map((l) => ({ ...l, __data: { line: l.id, factor: l.factor.code } })), "还没有核算条目");
  }

  /** Emissions per source as one row: the source's kg, and the total. */
  function sourcesTable(bySource, total) {
    return C.table(
      [...bySource.map((s) => ({ title: CATEGORIES[s.category] || s.category, num: true,
        render: () => kg3(s.emissions_kg) })), { title: "合计 (kg)", num: true, render: () => kg3(total) }],
      bySource.length ? [{}] : [], "还没有排放源");
  }

  const fact = (label, value) => el("div", {}, el("div", { class: "label" }, label), el("div", { class: "value" }, value ?? "-"));

  /** The facts of a public view ({event, organiser, total_kg, required_kg, retired_kg, ...});
   * `factorNames` (code -> name) names the default travel assumption. */
  function facts(view, factorNames = new Map()) {
    const e = view.event;
    const accounted = Boolean(e.accounted_at);
    return [
      fact("主办方", view.organiser), fact("类型", KINDS[e.kind] || e.kind), fact("日期", dates(e)),
      fact("地点", e.venue || "-"), fact("预计参会人数", `${fmt.int(e.expected_attendees)} 人`),
      fact("未记录出行的参会者", `按${factorNames.get(e.default_mode_factor) || e.default_mode_factor}，往返 ${num(e.default_trip_km)} 公里估算`),
      fact("核算完成", fmt.time(e.accounted_at)),
      fact("核算方式", view.checked ? `第三方核查：${view.verifier}（${fmt.time(e.checked_at)}）`
        : view.verifier ? `自我声明（已提交 ${view.verifier} 核查）` : "自我声明"),
      fact("排放总量", accounted ? `${kg3(view.total_kg)} kg（${(Math.round(view.total_kg) / 1000).toFixed(3)} t）` : `暂计 ${kg3(linesKg(view.lines))} kg`),
      fact("应抵消 / 已抵消", accounted ? `${fmt.int(view.required_kg)} / ${fmt.int(view.retired_kg)} kg` : "-"),
      fact("逾期", view.overdue ? C.badge("rejected", "逾期未抵消") : "否"),
    ];
  }

  /** The retirements that offset an event, with serials and certificate links. */
  function retirementsTable(retirements) {
    return C.table([
      { title: "注销时间", render: (r) => fmt.time(r.retired_at) },
      { title: "数量", num: true, render: (r) => `${fmt.int(r.quantity)} kg` },
      { title: "序列号", render: (r) => el("div", {}, r.serials.map((s) => el("div", { class: "mono small" }, s))) },
      { title: "注销证书", render: (r) => window.Registry.certificateLink(r.certificate_id) },
    ], retirements.map((r) => ({ ...r, __data: { certificate: r.certificate_id } })), "尚未注销抵消");
  }

  window.Events = {
    KINDS, STAGES, CATEGORIES, FACTOR_STATUS, unit, kg3, num, stageBadge, factorBadge, dates,
    publicPath, publicLink, linesKg, linesTable, sourcesTable, facts, fact, retirementsTable,
  };
})();
