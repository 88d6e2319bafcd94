/* Offer review: approve or reject (with a reason) what merchants submit. */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $, fmt } = C;
  let status = "pending_review";
  let list;
  let merchants = new Map();

  async function loadMerchants() {
    const page = await C.get("/admin/merchants?limit=100");
    merchants = new Map(page.items.map((m) => [m.id, m.name]));
  }

  function actions(offer) {
    if (offer.status !== "pending_review") return offer.review_note ? el("span", { class: "small muted" }, offer.review_note) : "";
    const approve = el("button", { class: "primary small", dataset: { action: "approve" } }, "通过上架");
    const reject = el("button", { class: "danger small", dataset: { action: "reject" } }, "驳回");
    approve.addEventListener("click", async () => {
      approve.disabled = reject.disabled = true;
      try {
        await C.post(`/admin/offers/${offer.id}/approve`, {});
        C.toast(`「${offer.title}」已上架`, "ok");
        list.reload();
      } catch (err) { approve.disabled = reject.disabled = false; C.fail(err); }
    });
    reject.addEventListener("click", async () => {
      const reason = (prompt("驳回理由（商户可见）") || "").trim();
      if (!reason) return;
      try {
        await C.post(`/admin/offers/${offer.id}/reject`, { reason });
        C.toast("已驳回", "ok");
        list.reload();
      } catch (err) { C.fail(err); }
    });
    return el("div", { class: "toolbar" }, approve, reject);
  }

  C.start(async () => {
    await loadMerchants();
    const box = $("#offer-list");
    let rows = [];
    list = C.pager(box, (cursor) => C.get(`/admin/offers?limit=50${status ? `&status=${status}` : ""}${cursor ? `&cursor=${cursor}` : ""}`),
      (items, reset) => {
        rows = reset ? items : rows.concat(items);
        box.replaceChildren(C.table([
          { title: "ID", key: "id" },
          { title: "商户", render: (o) => merchants.get(o.merchant_id) || `#${o.merchant_id}` },
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
    await list.reload();
  });
})();
