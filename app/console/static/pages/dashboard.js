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

  const alpha = (hex, a) => hex + Math.round(a * 255).toString(16).padStart(2, "0");
  const shortDates = (dates) => dates.map((d) => d.slice(5));

  function draw(id, config) {
    if (charts[id]) charts[id].destroy();
    charts[id] = new Chart($(`#${id}`), config);
    $(`#${id}`).dataset.ready = "1";
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
        scales: { y: { beginAtZero: true, title: { display: true, text: "人/天" } },
          y2: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "总数" } } } },
    });
    draw("chart-points", {
      data: { labels, datasets: [
        { type: "bar", label: "发放", data: s.points.issued, backgroundColor: alpha(PALETTE[0], 0.7), stack: "flow" },
        { type: "bar", label: "兑换", data: s.points.redeemed.map((v) => -v), backgroundColor: alpha(PALETTE[2], 0.75), stack: "flow" },
        { type: "bar", label: "过期", data: s.points.expired.map((v) => -v), backgroundColor: alpha(PALETTE[4], 0.75), stack: "flow" },
        { type: "line", label: "未兑余额", data: s.points.outstanding, borderColor: PALETTE[1], backgroundColor: alpha(PALETTE[1], 0.08), fill: true, tension: 0.25, yAxisID: "y2", pointRadius: 0 },
      ] },
      options: { interaction: { mode: "index", intersect: false },
        plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${fmt.int(Math.abs(c.raw))}` } } },
        scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: "积分/天" } },
          y2: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "余额" } } } },
    });
    const active = s.scenarios.filter((sc) => sc.checkins_total > 0);
    const shown = active.length ? active : s.scenarios.slice(0, 1);
    draw("chart-checkins", {
      type: "bar",
      data: { labels, datasets: shown.map((sc, i) => ({ label: sc.name, data: sc.checkins, backgroundColor: PALETTE[i % PALETTE.length], stack: "n" })) },
      options: { interaction: { mode: "index", intersect: false }, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: "次" } } } },
    });
    draw("chart-carbon", {
      type: "line",
      data: { labels, datasets: shown.map((sc, i) => ({ label: sc.name, data: sc.carbon_g.map((g) => g / 1000), borderColor: PALETTE[i % PALETTE.length], backgroundColor: alpha(PALETTE[i % PALETTE.length], 0.25), fill: true, tension: 0.3, pointRadius: 0 })) },
      options: { interaction: { mode: "index", intersect: false }, scales: { y: { stacked: true, beginAtZero: true, title: { display: true, text: "千克" } } } },
    });
    const merchants = s.coupons_by_merchant;
    draw("chart-merchants", {
      type: "bar",
      data: { labels: merchants.length ? merchants.map((m) => m.name) : ["暂无"], datasets: [
        { label: "兑换（券）", data: merchants.map((m) => m.redeemed), backgroundColor: PALETTE[2] },
        { label: "核销（券）", data: merchants.map((m) => m.verified), backgroundColor: PALETTE[0] },
      ] },
      options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    const campaigns = s.campaigns;
    draw("chart-campaigns", {
      type: "line",
      data: { labels, datasets: campaigns.length ? campaigns.flatMap((c, i) => [
        { label: `${c.name}（已用）`, data: c.burn, borderColor: PALETTE[i % PALETTE.length], backgroundColor: alpha(PALETTE[i % PALETTE.length], 0.15), fill: true, tension: 0.2, pointRadius: 0 },
        { label: `${c.name}（预算）`, data: labels.map(() => c.budget_points), borderColor: PALETTE[i % PALETTE.length], borderDash: [6, 4], pointRadius: 0, borderWidth: 1 },
      ]) : [{ label: "暂无活动", data: labels.map(() => 0), borderColor: "#ccc" }] },
      options: { interaction: { mode: "index", intersect: false }, scales: { y: { beginAtZero: true, title: { display: true, text: "积分" } } } },
    });
  }

  function renderScenarioTable(s) {
    const rows = [...s.scenarios].sort((a, b) => b.carbon_g_total - a.carbon_g_total);
    $("#scenario-table").replaceChildren(C.table([
      { title: "场景", render: (r) => `${r.name}（${r.code}）` },
      { title: `近 ${days} 天打卡`, num: true, render: (r) => fmt.int(r.checkins_total) },
      { title: `近 ${days} 天减碳`, num: true, render: (r) => fmt.g(r.carbon_g_total) },
    ], rows));
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
