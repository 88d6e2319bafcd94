/* Monthly settlement: coupons verified in a month and what the scheme owes (CSV too). */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $, fmt } = C;

  function thisMonth() {
    const parts = new Date().toLocaleDateString("en-CA", { timeZone: "Asia/Shanghai" }).split("-");
    return `${parts[0]}-${parts[1]}`;
  }

  async function load() {
    const month = $("#month").value || thisMonth();
    const s = await C.get(`/merchant/settlement?month=${month}`);
    const kpi = (label, value) => el("div", { class: "kpi" }, el("div", { class: "label" }, label), el("div", { class: "value" }, value));
    $("#totals").replaceChildren(kpi("核销券数", fmt.int(s.coupons)), kpi("对应积分", fmt.int(s.points)), kpi("应结算金额", fmt.yuan(s.settlement_fen)));
    $("#by-offer").replaceChildren(C.table([
      { title: "商品", key: "offer_title" },
      { title: "券数", num: true, key: "coupons" },
      { title: "积分", num: true, render: (r) => fmt.int(r.points) },
      { title: "结算金额", num: true, render: (r) => fmt.yuan(r.settlement_fen) },
    ], s.by_offer, "本月没有核销"));
    $("#lines").replaceChildren(C.table([
      { title: "核销时间", render: (r) => fmt.time(r.used_at) },
      { title: "商品", key: "offer_title" },
      { title: "券码", render: (r) => el("span", { class: "mono" }, r.short_code) },
      { title: "核销人", render: (r) => (r.verified_by ? r.verified_by_name || `用户 ${r.verified_by}` : "-") },
      { title: "积分", num: true, key: "points_price" },
      { title: "结算价", num: true, render: (r) => fmt.yuan(r.settlement_value_fen) },
    ], s.items, "本月没有核销"));
  }

  C.start(async (me) => {
    if (!me.roles.includes("merchant_owner")) {
      $("#content").replaceChildren(el("div", { class: "card" }, "月度结算仅店主可查看。"));
      return;
    }
    $("#month").value = thisMonth();
    $("#month-form").addEventListener("submit", (event) => { event.preventDefault(); load().catch(C.fail); });
    $("#csv").addEventListener("click", () => {
      const month = $("#month").value || thisMonth();
      C.download(`/merchant/settlement?month=${month}`, `settlement-${month}.csv`, "text/csv").catch(C.fail);
    });
    await load();
  });
})();
