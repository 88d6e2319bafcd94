/* Dashboard: GET /admin/stats drawn with Chart.js (vendored, served by the app). */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $, $$, fmt } = C;
  const PALETTE = ["#1f9d63", "#2f6fd6", "#d98b16", "#9b59b6", "#e0565b", "#17a2b8",
    "#7f8c2d", "#e67e22", "#34495e", "#c0392b", "#16a085", "#8e44ad"];
  const charts = {};
  let days = 30;

  Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
  Chart.defaults.color = "#66756d";
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation.duration = 400;
  if (matchMedia("(prefers-reduced-motion: reduce)").matches) Chart.defaults.animation = false;
  Chart.register({
    id: "emptyState",  // says so instead of drawing a bare grid
    afterDraw(chart) {
      const hasData = chart.data.datasets.some((ds) => ds.data.some((v) => v));
      if (hasData || !chart.chartArea) return;
      const { ctx, chartArea: a } = chart;
      ctx.save();
      ctx.fillStyle = "#9aa8a0";
      ctx.font = `14px ${Chart.defaults.font.family}`;
      ctx.textAlign = "center";
      ctx.fillText("所选时间内暂无数据", (a.left + a.right) / 2, (a.top + a.bottom) / 2);
      ctx.restore();
    },
  });

  const alpha = (hex, a) => hex + Math.round(a * 255).toString(16).padStart(2, "0");
  const shortDates = (dates) => dates.map((d) => d.slice(5));

  function draw(id, config) {
    const canvas = $(`#${id}`);
    if (charts[id]) charts[id].destroy();
    delete canvas.dataset.drawn;
    const done = () => { canvas.dataset.drawn = "1"; };
    config.options = config.options || {};
    if (Chart.defaults.animation) config.options.animation = { onComplete: done };
    charts[id] = new Chart(canvas, config);
    if (!Chart.defaults.animation) done();
  }

  function kpi(label, value, hint, color = "") {
    return el("div", { class: `kpi ${color}` }, el("div", { class: "label" }, label),
      el("div", { class: "value" }, value), hint ? el("div", { class: "hint" }, hint) : null);
  }

  function renderKpis(s) {
    $("#kpis").replaceChildren(
      kpi("居民", fmt.int(s.users), `近 ${days} 天新增 ${fmt.int(s.residents.new.reduce((a, b) => a + b, 0))}`),
      kpi("已通过打卡", fmt.int(s.checkins), `待审核 ${fmt.int(s.checkins_pending)}`, "blue"),
      kpi("累计减碳", fmt.g(s.carbon_g), "已通过的打卡"),
      kpi("积分发放", fmt.int(s.points_issued), `调整净额 ${fmt.int(s.points_adjusted)}`, "blue"),
      kpi("积分兑换", fmt.int(s.points_redeemed), `上架商品 ${fmt.int(s.offers_live)}`, "amber"),
      kpi("积分过期", fmt.int(s.points_expired), null, "red"),
      kpi("未兑积分（负债）", fmt.int(s.points_outstanding), "居民当前持有", "amber"),
    );
  }

  function renderCharts(s) {
    const labels = shortDates(s.dates);
    draw("chart-residents", {
      data: { labels, datasets: [
        { type: "bar", label: "新增居民", data: s.residents.new, backgroundColor: alpha(PALETTE[0], 0.55), yAxisID: "y" },
        { type: "line", label: "日活", data: s.residents.active, borderColor: PALETTE[1], backgroundColor: PALETTE[1], tension: 0.3, yAxisID: "y" },
        { type: "line", label: "居民总数", data: s.residents.total, borderColor: PALETTE[2], borderDash: [5, 4], pointRadius: 0, tension: 0.2, yAxisID: "y2" },
      ] },
      options: { interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "人/天" } },
          y2: { position: "right", beginAtZero: true, ticks: { precision: 0 }, grid: { drawOnChartArea: false }, title: { display: true, text: "总数" } } } },
    });
    draw("chart-points", {
      data: { labels, datasets: [
        { type: "bar", label: "发放", data: s.points.issued, backgroundColor: alpha(PALETTE[0], 0.75), maxBarThickness: 14 },
        { type: "bar", label: "兑换", data: s.points.redeemed, backgroundColor: alpha(PALETTE[2], 0.8), maxBarThickness: 14 },
        { type: "bar", label: "过期", data: s.points.expired, backgroundColor: alpha(PALETTE[4], 0.8), maxBarThickness: 14 },
        { type: "line", label: "未兑余额（负债）", data: s.points.outstanding, borderColor: PALETTE[1], backgroundColor: alpha(PALETTE[1], 0.08), fill: true, tension: 0.25, yAxisID: "y2", pointRadius: 0 },
      ] },
      options: { interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "积分/天" } },
          y2: { position: "right", beginAtZero: true, ticks: { precision: 0 }, grid: { drawOnChartArea: false }, title: { display: true, text: "余额" } } } },
    });
    const active = s.scenarios.filter((sc) => sc.checkins_total > 0);
    const shown = active.length ? active : s.scenarios.slice(0, 1);
    draw("chart-checkins", {
      type: "bar",
      data: { labels, datasets: shown.map((sc, i) => ({ label: sc.name, data: sc.checkins, backgroundColor: PALETTE[i % PALETTE.length], stack: "n" })) },
      options: { interaction: { mode: "index", intersect: false }, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "次" } } } },
    });
    draw("chart-carbon", {
      type: "line",
      data: { labels, datasets: shown.map((sc, i) => ({ label: sc.name, data: sc.carbon_g.map((g) => g / 1000), borderColor: PALETTE[i % PALETTE.length], backgroundColor: alpha(PALETTE[i % PALETTE.length], 0.25), fill: true, tension: 0.3, pointRadius: 0 })) },
      options: { interaction: { mode: "index", intersect: false }, scales: { y: { stacked: true, beginAtZero: true, title: { display: true, text: "千克" } } } },
    });
    const merchants = s.coupons_by_merchant;
    draw("chart-merchants", {
      type: "bar",
      data: { labels: merchants.map((m) => m.name), datasets: [
        { label: "兑换（券）", data: merchants.map((m) => m.redeemed), backgroundColor: PALETTE[2], maxBarThickness: 22 },
        { label: "核销（券）", data: merchants.map((m) => m.verified), backgroundColor: PALETTE[0], maxBarThickness: 22 },
      ] },
      options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    const campaigns = s.campaigns;
    draw("chart-campaigns", {
      type: "line",
      data: { labels, datasets: campaigns.length ? campaigns.flatMap((c, i) => [
        { label: `${c.name}（已用）`, data: c.burn, borderColor: PALETTE[i % PALETTE.length], backgroundColor: alpha(PALETTE[i % PALETTE.length], 0.15), fill: true, tension: 0.2, pointRadius: 0 },
        { label: `${c.name}（预算）`, data: labels.map(() => c.budget_points), borderColor: PALETTE[i % PALETTE.length], borderDash: [6, 4], pointRadius: 0, borderWidth: 1 },
      ]) : [] },
      options: { interaction: { mode: "index", intersect: false }, scales: { y: { beginAtZero: true, title: { display: true, text: "积分" } } } },
    });
  }

  function renderScenarioTable(s) {
    const rows = s.scenarios.filter((r) => r.checkins_total > 0)
      .sort((a, b) => b.carbon_g_total - a.carbon_g_total);
    const quiet = s.scenarios.length - rows.length;
    $("#scenario-table").replaceChildren(C.table([
      { title: "场景", render: (r) => `${r.name}（${r.code}）` },
      { title: `近 ${days} 天打卡`, num: true, render: (r) => fmt.int(r.checkins_total) },
      { title: `近 ${days} 天减碳`, num: true, render: (r) => fmt.g(r.carbon_g_total) },
    ], rows, `近 ${days} 天没有已通过的打卡`), quiet && rows.length
      ? el("p", { class: "small muted" }, `其余 ${quiet} 个场景近 ${days} 天没有打卡`) : "");
  }

  async function load() {
    $("#refresh").disabled = true;
    try {
      const s = await C.get(`/admin/stats?days=${days}`);
      renderKpis(s);
      renderCharts(s);
      renderScenarioTable(s);
      $("#generated").textContent = `数据时间 ${fmt.time(s.generated_at)}`;
      document.body.dataset.loaded = "1";
    } finally {
      $("#refresh").disabled = false;
    }
  }

  C.start(async () => {
    $$("#range button").forEach((button) => button.addEventListener("click", () => {
      $$("#range button").forEach((b) => b.classList.toggle("on", b === button));
      days = parseInt(button.dataset.days, 10);
      load().catch(C.fail);
    }));
    $("#refresh").addEventListener("click", () => load().catch(C.fail));
    $$("[data-csv]").forEach((button) => button.addEventListener("click", () =>
      C.download(`/admin/stats/tables/${button.dataset.csv}?days=${days}&format=csv`,
        `stats-${button.dataset.csv}.csv`).catch(C.fail)));
    await load();
  });
})();
