/* Merchant offers: create, edit (pause first), pause/resume, change stock. */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $, $$, fmt } = C;
  let list;
  let isOwner = false;

  function fill(offer) {
    $("#offer-form-title").textContent = `编辑商品 #${offer.id}`;
    $("#o-id").value = offer.id;
    $("#o-title").value = offer.title;
    $("#o-price").value = offer.points_price;
    $("#o-stock").value = offer.stock_total;
    $("#o-limit").value = offer.per_user_limit;
    $("#o-days").value = offer.valid_days || "";
    $("#o-fen").value = (offer.settlement_value_fen / 100).toFixed(2);
    $("#o-desc").value = offer.description;
    $("#o-submit").textContent = "保存修改";
    $("#o-cancel").classList.remove("hidden");
    $("#offer-form").scrollIntoView({ behavior: "smooth" });
  }
  function resetForm() {
    $("#offer-form").reset();
    $("#o-id").value = "";
    $("#offer-form-title").textContent = "发布新商品";
    $("#o-submit").textContent = "提交审核";
    $("#o-cancel").classList.add("hidden");
  }

  async function submit(event) {
    event.preventDefault();
    const d = C.formData(event.target);
    const body = {
      title: d.title.trim(), description: d.description.trim(), points_price: C.intOrNull(d.points_price),
      stock: C.intOrNull(d.stock), per_user_limit: C.intOrNull(d.per_user_limit) || 1,
      valid_days: C.intOrNull(d.valid_days), settlement_value_fen: Math.round(Number(d.settlement_yuan || 0) * 100),
    };
    try {
      if (d.id) {
        await C.patch(`/merchant/offers/${d.id}`, body);
        C.toast("已保存", "ok");
      } else {
        const created = await C.post("/merchant/offers", body);
        C.toast(`商品 #${created.id} 已提交，等待运营审核`, "ok");
      }
      resetForm();
      list.reload();
    } catch (err) { C.fail(err); }
  }

  function actions(o) {
    if (!isOwner) return "";
    const buttons = [];
    const edit = el("button", { class: "small" }, "编辑");
    edit.addEventListener("click", () => fill(o));
    buttons.push(edit);
    const stock = el("button", { class: "small" }, "改库存");
    stock.addEventListener("click", async () => {
      const value = prompt(`「${o.title}」总库存（已兑出 ${o.stock_total - o.stock_left} 张）`, String(o.stock_total));
      if (value === null || value === "") return;
      try { await C.patch(`/merchant/offers/${o.id}`, { stock: parseInt(value, 10) }); list.reload(); } catch (err) { C.fail(err); }
    });
    buttons.push(stock);
    if (o.status === "live" || o.status === "pending_review") {
      const pause = el("button", { class: "danger small" }, "暂停");
      pause.addEventListener("click", async () => {
        try { await C.post(`/merchant/offers/${o.id}/pause`, {}); list.reload(); } catch (err) { C.fail(err); }
      });
      buttons.push(pause);
    } else if (o.status === "paused") {
      const resume = el("button", { class: "small" }, "恢复");
      resume.addEventListener("click", async () => {
        try { await C.post(`/merchant/offers/${o.id}/resume`, {}); list.reload(); } catch (err) { C.fail(err); }
      });
      buttons.push(resume);
    }
    return el("div", { class: "toolbar" }, buttons);
  }

  C.start(async (me) => {
    isOwner = me.roles.includes("merchant_owner");
    $$(".owner-only").forEach((n) => n.classList.toggle("hidden", !isOwner));
    $("#offer-form").addEventListener("submit", submit);
    $("#o-cancel").addEventListener("click", resetForm);
    const box = $("#offer-list");
    let rows = [];
    list = C.pager(box, (cursor) => C.get(`/merchant/offers?limit=50${cursor ? `&cursor=${cursor}` : ""}`), (items, reset) => {
      rows = reset ? items : rows.concat(items);
      box.replaceChildren(C.table([
        { title: "ID", key: "id" },
        { title: "商品", render: (o) => el("div", {}, el("strong", {}, o.title), o.review_note ? el("div", { class: "small badge red" }, `${o.status === "taken_down" ? "平台下架" : "驳回"}：${o.review_note}`) : null) },
        { title: "积分", num: true, render: (o) => fmt.int(o.points_price) },
        { title: "剩余/总库存", num: true, render: (o) => `${fmt.int(o.stock_left)}/${fmt.int(o.stock_total)}` },
        { title: "每人限兑", num: true, key: "per_user_limit" },
        { title: "有效期", render: (o) => (o.valid_days ? `兑换后 ${o.valid_days} 天` : fmt.date(o.valid_until)) },
        { title: "结算价", num: true, render: (o) => fmt.yuan(o.settlement_value_fen) },
        { title: "状态", render: (o) => C.badge(o.status) },
        { title: "操作", render: actions },
      ], rows.map((o) => Object.assign(o, { __data: { id: String(o.id), status: o.status } })), "还没有商品，先发布一个吧"));
    });
    $("#reload").addEventListener("click", () => list.reload());
    await list.reload();
  });
})();
