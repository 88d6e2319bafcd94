/* My transfers and retirements (转让与注销记录), each retirement with its public certificate. */
(function () {
  "use strict";
  const C = window.Console;
  const R = window.Registry;
  const { el, $, fmt } = C;

  function listing(name, path, filename, columns, empty) {
    const box = $(`#${name}-list`);
    $(`#${name}-tools`).append(R.csvButton(path, filename));
    let rows = [];
    return C.pager(box, (cursor) => C.get(`${path}?limit=50${cursor ? `&cursor=${cursor}` : ""}`), (items, reset) => {
      rows = reset ? items : rows.concat(items);
      box.replaceChildren(C.table(columns, rows.map((r) => ({ ...r, __data: { id: r.id } })), empty));
    });
  }

  C.start(async () => {
    const [me, directory] = await Promise.all([C.get("/holder/me"), R.all("/holder/holders")]);
    const names = new Map(directory.map((h) => [h.id, h.name]));
    const mine = me.holder.id;
    const name = (id) => names.get(id) || `#${id}`;
    const transfers = listing("transfer", "/holder/transfers", "transfers.csv", [
      { title: "编号", render: (t) => `#${t.id}` },
      { title: "方向", render: (t) => (t.from_holder_id === mine ? C.badge("cancelled", "转出") : C.badge("approved", "转入")) },
      { title: "对方", render: (t) => name(t.from_holder_id === mine ? t.to_holder_id : t.from_holder_id) },
      { title: "批次", render: (t) => `#${t.batch_id}` },
      { title: "数量", num: true, render: (t) => R.kg(t.quantity) },
      { title: "成交价", num: true, render: (t) => fmt.yuan(t.price_fen) },
      { title: "时间", render: (t) => fmt.time(t.created_at) },
    ], "还没有转让");
    const retirements = listing("retirement", "/holder/retirements", "retirements.csv", [
      { title: "注销证书", render: (r) => R.certificateLink(r.certificate_id) },
      { title: "批次", render: (r) => `#${r.batch_id}` },
      { title: "数量", num: true, render: (r) => R.kg(r.quantity) },
      { title: "用途", render: (r) => `${R.PURPOSES[r.purpose] || r.purpose}${r.compliance_year ? `（${r.compliance_year} 年度）` : ""}` },
      { title: "受益方", key: "beneficiary" },
      { title: "地区", key: "jurisdiction" },
      { title: "备注", render: (r) => el("span", { class: "small" }, r.note || "-") },
      { title: "时间", render: (r) => fmt.time(r.created_at) },
    ], "还没有注销");
    await Promise.all([transfers.reload(), retirements.reload()]);
  });
})();
