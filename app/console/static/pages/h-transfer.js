/* Transfer (转让减排量): move my units of a batch to another holder, price in yuan (sent as
 * fen). One Idempotency-Key per form content, so a double submit transfers once. */
(function () {
  "use strict";
  const C = window.Console;
  const R = window.Registry;
  const { $, fmt } = C;
  let holdings = [];

  async function loadHoldings(selected) {
    holdings = (await C.get("/holder/holdings")).items;
    R.fillSelect($("#t-batch"), holdings.map((x) => [x.batch_id, `#${x.batch_id} ${x.serial}（可转 ${R.kg(x.quantity)}）`]),
      holdings.length ? null : "没有可转让的减排量", selected);
    limit();
  }

  function limit() {
    const held = holdings.find((x) => String(x.batch_id) === $("#t-batch").value);
    $("#t-quantity").max = held ? String(held.quantity) : "";
  }

  C.start(async () => {
    const form = $("#transfer-form");
    const key = R.formKey(form);
    const [me, others] = await Promise.all([C.get("/holder/me"), R.all("/holder/holders")]);
    R.fillSelect($("#t-to"), others.filter((h) => h.id !== me.holder.id).map((h) => [h.id, `${h.name}（${h.code}）`]), "选择受让机构");
    await loadHoldings(R.param("batch"));
    $("#t-batch").addEventListener("change", limit);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const d = C.formData(form);
      const priceFen = R.yuanToFen(d.price);
      if (priceFen === null) { C.toast("成交价请填写金额（元），最多两位小数", "error"); return; }
      const buyer = $("#t-to").selectedOptions[0]?.textContent || "";
      $("#t-submit").disabled = true; // a double click sends nothing more; a resend reuses the key
      try {
        const t = await C.post("/holder/transfers", { to_holder_id: C.intOrNull(d.to_holder_id),
          batch_id: C.intOrNull(d.batch_id), quantity: C.intOrNull(d.quantity), price_fen: priceFen },
        { idempotent: true, idempotencyKey: key.get() });
        key.renew();
        const panel = $("#transfer-result");
        panel.dataset.transfer = String(t.id);
        panel.textContent = `已转让 ${R.kg(t.quantity)} 给 ${buyer}，成交价 ${fmt.yuan(t.price_fen)}（转让编号 #${t.id}）。`;
        panel.classList.remove("hidden");
        C.toast("转让成功", "ok");
        await loadHoldings(t.batch_id);
      } catch (err) { C.fail(err); } finally { $("#t-submit").disabled = false; }
    });
  });
})();
