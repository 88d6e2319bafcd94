/* Retire (注销减排量): retire my units for a purpose and a beneficiary; the answer names the
 * public certificate. One Idempotency-Key per form content, so a double submit retires once. */
(function () {
  "use strict";
  const C = window.Console;
  const R = window.Registry;
  const { el, $ } = C;
  let holdings = [];

  async function loadHoldings(selected) {
    holdings = (await C.get("/holder/holdings")).items;
    R.fillSelect($("#r-batch"), holdings.map((x) => [x.batch_id, `#${x.batch_id} ${x.serial}（持有 ${R.kg(x.quantity)}）`]),
      holdings.length ? null : "没有可注销的减排量", selected);
    limit();
  }

  function limit() {
    const held = holdings.find((x) => String(x.batch_id) === $("#r-batch").value);
    $("#r-quantity").max = held ? String(held.quantity) : "";
  }

  function purposeChanged() {
    const compliance = $("#r-purpose").value === "compliance";
    $("#r-year-box").classList.toggle("hidden", !compliance);
    $("#r-year").required = compliance;
  }

  C.start(async () => {
    const form = $("#retire-form");
    const key = R.formKey(form);
    await loadHoldings(R.param("batch"));
    $("#r-batch").addEventListener("change", limit);
    $("#r-purpose").addEventListener("change", purposeChanged);
    purposeChanged();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const d = C.formData(form);
      const body = { batch_id: C.intOrNull(d.batch_id), quantity: C.intOrNull(d.quantity), purpose: d.purpose,
        beneficiary: d.beneficiary.trim(), jurisdiction: d.jurisdiction.trim(), note: d.note.trim() };
      if (d.purpose === "compliance") body.compliance_year = C.intOrNull(d.compliance_year);
      $("#r-submit").disabled = true;
      try {
        const r = await C.post("/holder/retirements", body, { idempotent: true, idempotencyKey: key.get() });
        key.renew();
        const panel = $("#retire-result");
        panel.replaceChildren(`已注销 ${R.kg(r.quantity)}（${R.PURPOSES[r.purpose]}，受益方：${r.beneficiary}）。注销证书：`,
          R.certificateLink(r.certificate_id), el("div", { class: "small muted" }, "证书页面公开可查，可分享给受益方。"));
        panel.classList.remove("hidden");
        C.toast("注销成功", "ok");
        await loadHoldings(r.batch_id);
      } catch (err) { C.fail(err); } finally { $("#r-submit").disabled = false; }
    });
  });
})();
