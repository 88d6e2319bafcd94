/* Verify (核销) a coupon by typing its code: look it up, then verify once. */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $, fmt } = C;
  const STATE = { used: "该券已核销", expired: "该券已过期", cancelled: "该券已取消" };

  function panel(kind, ...children) {
    const box = $("#result");
    box.className = `result-panel ${kind}`;
    box.replaceChildren(...children);
  }

  function details(coupon) {
    return el("div", { class: "grid cols-3" },
      el("div", {}, el("div", { class: "small muted" }, "商品"), el("strong", {}, coupon.title)),
      coupon.short_code ? el("div", {}, el("div", { class: "small muted" }, "券码"), el("span", { class: "mono" }, coupon.short_code)) : null,
      el("div", {}, el("div", { class: "small muted" }, "状态"), C.badge(coupon.status)),
      el("div", {}, el("div", { class: "small muted" }, "积分"), String(coupon.points_price)),
      el("div", {}, el("div", { class: "small muted" }, "有效期至"), fmt.time(coupon.expires_at)),
      coupon.used_at ? el("div", {}, el("div", { class: "small muted" }, "核销时间"), fmt.time(coupon.used_at)) : null);
  }

  async function verify(code) {
    try {
      const result = await C.post("/merchant/coupons/verify", { code }, { idempotent: true });
      panel("ok", el("h2", { id: "verify-ok" }, "✓ 核销成功"), el("p", {}, `核销时间 ${fmt.time(result.coupon.used_at)}`));
      $("#code").value = "";
      $("#code").focus();
      loadToday();
    } catch (err) {
      panel("bad", el("h2", {}, "✗ 核销失败"), el("p", { id: "verify-error" }, err.message));
    }
  }

  async function lookup(event) {
    event.preventDefault();
    const code = $("#code").value.replace(/\s+/g, "");
    if (!code) return;
    try {
      const coupon = await C.post("/merchant/coupons/lookup", { code });
      const children = [details(coupon)];
      if (coupon.status === "issued") {
        const button = el("button", { class: "primary", id: "confirm-verify" }, "确认核销");
        button.addEventListener("click", () => { button.disabled = true; verify(code); });
        children.push(el("div", { class: "dialog-actions" }, button));
        panel("info", ...children);
        button.focus();
      } else {
        panel("bad", el("h2", {}, STATE[coupon.status] || "该券不可使用"), ...children);
      }
    } catch (err) {
      panel("bad", el("h2", {}, err.status === 404 ? "未找到该券" : "查询失败"), el("p", {}, err.message));
    }
  }

  async function loadToday() {
    const page = await C.get("/merchant/coupons?status=used&limit=50");
    const today = new Date().toLocaleDateString("zh-CN", { timeZone: "Asia/Shanghai" });
    const rows = page.items.filter((c) => c.used_at && new Date(c.used_at).toLocaleDateString("zh-CN", { timeZone: "Asia/Shanghai" }) === today);
    $("#today").replaceChildren(C.table([
      { title: "核销时间", render: (c) => fmt.time(c.used_at) },
      { title: "商品", key: "title" },
      { title: "券码", render: (c) => el("span", { class: "mono" }, c.short_code) },
      { title: "积分", num: true, key: "points_price" },
    ], rows, "今天还没有核销"));
  }

  C.start(async () => {
    $("#verify-form").addEventListener("submit", lookup);
    $("#reload").addEventListener("click", () => loadToday().catch(C.fail));
    await loadToday();
  });
})();
