/* Transfers and retirements (转让与注销): every movement between holders, every retirement
 * with its public certificate, and cancellations from a holder or the buffer. */
(function () {
  "use strict";
  const C = window.Console;
  const R = window.Registry;
  const { el, $, fmt } = C;
  let names = new Map();
  const holder = (id) => (id === null || id === undefined ? "-" : names.get(id) || `#${id}`);

  /** A paged table with its CSV button: returns the pager. */
  function listing(name, path, filename, columns, empty) {
    const box = $(`#${name}-list`);
    $(`#${name}-tools`).append(R.csvButton(path, filename));
    let rows = [];
    return C.pager(box, (cursor) => C.get(`${path}?limit=50${cursor ? `&cursor=${cursor}` : ""}`), (items, reset) => {
      rows = reset ? items : rows.concat(items);
      box.replaceChildren(C.table(columns, rows.map((r) => ({ ...r, __data: { id: r.id } })), empty));
    });
  }

  const batchLink = (r) => el("a", { href: `/console/batches?batch=${r.batch_id}` }, `#${r.batch_id}`);

  C.start(async () => {
    const holders = await R.all("/admin/registry/holders");
    names = new Map(holders.map((h) => [h.id, h.name]));
    const issued = await R.all("/admin/registry/batches?status=issued");
    R.fillSelect($("#c-batch"), issued.map((b) => [b.id, `#${b.id} ${b.serial}`]),
      issued.length ? null : "没有已签发的批次", R.param("batch"));
    R.fillSelect($("#c-source"), [["buffer", "缓冲账户"], ...holders.map((h) => [h.id, `${h.name}（${h.code}）`])]);
    const key = R.formKey($("#cancel-form"));
    const transfers = listing("transfer", "/admin/registry/transfers", "registry-transfers.csv", [
      { title: "ID", key: "id" },
      { title: "批次", render: batchLink },
      { title: "转出", render: (t) => holder(t.from_holder_id) },
      { title: "转入", render: (t) => holder(t.to_holder_id) },
      { title: "数量", num: true, render: (t) => R.kg(t.quantity) },
      { title: "成交价", num: true, render: (t) => fmt.yuan(t.price_fen) },
      { title: "时间", render: (t) => fmt.time(t.created_at) },
    ], "还没有转让");
    const retirements = listing("retirement", "/admin/registry/retirements", "registry-retirements.csv", [
      { title: "证书", render: (r) => R.certificateLink(r.certificate_id) },
      { title: "批次", render: batchLink },
      { title: "持有机构", render: (r) => holder(r.holder_id) },
      { title: "数量", num: true, render: (r) => R.kg(r.quantity) },
      { title: "用途", render: (r) => `${R.PURPOSES[r.purpose] || r.purpose}${r.compliance_year ? `（${r.compliance_year} 年度）` : ""}` },
      { title: "受益方", key: "beneficiary" },
      { title: "地区", key: "jurisdiction" },
      { title: "时间", render: (r) => fmt.time(r.created_at) },
    ], "还没有注销");
    const cancellations = listing("cancellation", "/admin/registry/cancellations", "registry-cancellations.csv", [
      { title: "ID", key: "id" },
      { title: "批次", render: batchLink },
      { title: "来源", render: (c) => (c.source === "buffer" ? "缓冲账户" : holder(c.holder_id)) },
      { title: "数量", num: true, render: (c) => R.kg(c.quantity) },
      { title: "原因", key: "reason" },
      { title: "关联记录", render: (c) => (c.record_id ? `#${c.record_id}` : "-") },
      { title: "时间", render: (c) => fmt.time(c.created_at) },
    ], "还没有作废");
    $("#cancel-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const d = C.formData(event.target);
      const from = d.source === "buffer" ? null : C.intOrNull(d.source);
      const what = from === null ? "缓冲账户" : holder(from);
      if (!confirm(`确定从「${what}」作废 ${d.quantity} kg？此操作不可撤回。`)) return;
      $("#c-submit").disabled = true;
      try {
        const c = await C.post("/admin/registry/cancellations", { batch_id: C.intOrNull(d.batch_id),
          quantity: C.intOrNull(d.quantity), reason: d.reason.trim(), holder_id: from },
        { idempotent: true, idempotencyKey: key.get() });
        key.renew();
        C.toast(`已从「${what}」作废 ${R.kg(c.quantity)}`, "ok");
        cancellations.reload();
      } catch (err) { C.fail(err); } finally { $("#c-submit").disabled = false; }
    });
    await Promise.all([transfers.reload(), retirements.reload(), cancellations.reload()]);
  });
})();
