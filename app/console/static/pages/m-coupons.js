/* Redemptions: my merchant's coupons, newest first, by status. */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $, fmt } = C;
  let status = "";
  let list;
  C.start(async () => {
    const box = $("#coupon-list");
    let rows = [];
    list = C.pager(box, (cursor) => C.get(`/merchant/coupons?limit=50${status ? `&status=${status}` : ""}${cursor ? `&cursor=${cursor}` : ""}`),
      (items, reset) => {
        rows = reset ? items : rows.concat(items);
        box.replaceChildren(C.table([
          { title: "兑换时间", render: (c) => fmt.time(c.created_at) },
          { title: "商品", key: "title" },
          { title: "券码", render: (c) => c.short_code ? el("span", { class: "mono" }, c.short_code) : el("span", { class: "muted small", title: "券码由顾客出示，核销后才显示" }, "核销后显示") },
          { title: "积分", num: true, key: "points_price" },
          { title: "结算价", num: true, render: (c) => fmt.yuan(c.settlement_value_fen) },
          { title: "状态", render: (c) => C.badge(c.status) },
          { title: "有效期至", render: (c) => fmt.time(c.expires_at) },
          { title: "核销时间", render: (c) => fmt.time(c.used_at) },
        ], rows, "还没有兑换记录"));
      });
    C.statusFilter((picked) => { status = picked; list.reload(); });
    $("#reload").addEventListener("click", () => list.reload());
    await list.reload();
  });
})();
