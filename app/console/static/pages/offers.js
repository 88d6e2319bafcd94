/* Offers: approve or reject (with a reason) what merchants submit; take a live offer down
 * (下架, with a reason the merchant sees; only an operator puts it back) and relist it. */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $, fmt } = C;
  let status = "pending_review";
  let list;
  let merchants = new Map();
  const merchantId = C.intOrNull(new URLSearchParams(location.search).get("merchant_id"));

  async function loadMerchants() {
    const page = await C.get("/admin/merchants?limit=100");
    merchants = new Map(page.items.map((m) => [m.id, m]));
  }

  function button(label, cls, action, run) {
    const node = el("button", { class: `${cls} small`, dataset: { action } }, label);
    node.addEventListener("click", async () => {
      node.disabled = true;
      try { if (await run() !== false) list.reload(); } catch (err) { C.fail(err); } finally { node.disabled = false; }
    });
    return node;
  }

  function takeDown(offer) {
    return button("下架", "danger", "take-down", async () => {
      const reason = (prompt(`下架「${offer.title}」的原因（商户可见）\n下架后居民立即无法兑换；已兑出的券仍可使用；商户不能自行恢复。`) || "").trim();
      if (!reason) return false;
      await C.post(`/admin/offers/${offer.id}/pause`, { reason });
      C.toast(`「${offer.title}」已下架`, "ok");
      return true;
    });
  }

  function actions(offer) {
    const note = offer.review_note ? el("div", { class: "small muted" }, offer.review_note) : null;
    if (offer.status === "pending_review") {
      const approve = button("通过上架", "primary", "approve", async () => {
        await C.post(`/admin/offers/${offer.id}/approve`, {});
        C.toast(`「${offer.title}」已上架`, "ok");
      });
      const reject = button("驳回", "danger", "reject", async () => {
        const reason = (prompt("驳回理由（商户可见）") || "").trim();
        if (!reason) return false;
        await C.post(`/admin/offers/${offer.id}/reject`, { reason });
        C.toast("已驳回", "ok");
        return true;
      });
      return el("div", { class: "toolbar" }, approve, reject, takeDown(offer));
    }
    if (offer.status === "live" || offer.status === "paused") return el("div", {}, el("div", { class: "toolbar" }, takeDown(offer)), note);
    if (offer.status === "taken_down") {
      const relist = button("恢复上架", "", "relist", async () => {
        if (!confirm(`恢复「${offer.title}」？已审核的商品将立即重新上架。`)) return false;
        await C.post(`/admin/offers/${offer.id}/resume`, {});
        C.toast(`「${offer.title}」已恢复`, "ok");
        return true;
      });
      return el("div", {}, el("div", { class: "toolbar" }, relist), note);
    }
    return note || "";
  }

  function merchantCell(offer) {
    const m = merchants.get(offer.merchant_id);
    if (!m) return `商户 ${offer.merchant_id}`;
    return el("div", {}, m.name, m.status === "frozen" ? el("div", {}, C.badge("frozen", "商户已冻结")) : null);
  }

  C.start(async () => {
    await loadMerchants();
    if (merchantId) {
      $("#merchant-filter").textContent = `只看商户「${(merchants.get(merchantId) || {}).name || merchantId}」的商品`;
      $("#merchant-filter").classList.remove("hidden");
    }
    const box = $("#offer-list");
    let rows = [];
    list = C.pager(box, (cursor) => {
      const q = new URLSearchParams({ limit: "50" });
      if (status) q.set("status", status);
      if (merchantId) q.set("merchant_id", String(merchantId));
      if (cursor) q.set("cursor", cursor);
      return C.get(`/admin/offers?${q}`);
    }, (items, reset) => {
      rows = reset ? items : rows.concat(items);
      box.replaceChildren(C.table([
        { title: "ID", key: "id" },
        { title: "商户", render: merchantCell },
        { title: "商品", render: (o) => el("div", {}, el("strong", {}, o.title), el("div", { class: "small muted" }, o.description)) },
        { title: "积分", num: true, render: (o) => fmt.int(o.points_price) },
        { title: "库存", num: true, render: (o) => `${fmt.int(o.stock_left)}/${fmt.int(o.stock_total)}` },
        { title: "每人限兑", num: true, key: "per_user_limit" },
        { title: "有效期", render: (o) => (o.valid_days ? `兑换后 ${o.valid_days} 天` : `${fmt.date(o.valid_from)} ~ ${fmt.date(o.valid_until)}`) },
        { title: "结算价", num: true, render: (o) => fmt.yuan(o.settlement_value_fen) },
        { title: "状态", render: (o) => C.badge(o.status) },
        { title: "操作", render: actions },
      ], rows.map((o) => Object.assign(o, { __data: { id: String(o.id) } })), "没有符合条件的商品"));
    });
    C.statusFilter((picked) => { status = picked; list.reload(); });
    $("#reload").addEventListener("click", () => list.reload());
    if (merchantId) { status = ""; C.$$("#status-filter button").forEach((b) => b.classList.toggle("on", b.dataset.status === "")); }
    await list.reload();
  });
})();
