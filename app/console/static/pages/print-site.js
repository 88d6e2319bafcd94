/* A printable page for one site's QR code (image fetched with the operator's token). */
(function () {
  "use strict";
  const C = window.Console;
  const { $ } = C;
  const siteId = document.body.dataset.siteId;
  $("#print").addEventListener("click", () => window.print());
  C.start(async () => {
    let site = null;
    let cursor = null;
    do {  // find the site in the (paged) list: there is no single-site endpoint
      const page = await C.get(`/admin/sites?limit=100${cursor ? `&cursor=${cursor}` : ""}`);
      site = page.items.find((s) => String(s.id) === siteId) || null;
      cursor = page.next_cursor;
    } while (!site && cursor);
    if (!site) { $("#site-name").textContent = "点位不存在"; return; }
    const scenarios = (await C.get("/admin/scenarios")).items;
    const scenario = scenarios.find((s) => s.code === site.scenario);
    $("#site-name").textContent = site.name;
    $("#site-scenario").textContent = scenario ? `${scenario.name} · 每次约减碳 ${scenario.g_co2e_per_unit} 克` : site.scenario;
    $("#site-meta").textContent = `点位 #${site.id} · 密钥版本 v${site.key_version}` + (site.rotation_seconds ? ` · 动态码每 ${site.rotation_seconds} 秒刷新（请在屏幕上展示）` : "");
    $("#qr").src = await C.blobUrl(`/admin/sites/${site.id}/qr?format=png`);
    document.body.dataset.loaded = "1";
  });
})();
