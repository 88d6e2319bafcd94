/* Verifier inbox (待核查批次): the batches assigned to my body, the evidence package as
 * CSV, the report (a file, or a link with its SHA-256), then verify or return with a note. */
(function () {
  "use strict";
  const C = window.Console;
  const R = window.Registry;
  const { el, $, fmt } = C;
  let status = "submitted";
  let list;
  let current = null;

  const fact = (label, value) => el("div", {}, el("div", { class: "label" }, label), el("div", { class: "value" }, value ?? "-"));

  async function show(batchId) {
    current = await C.get(`/verifier/batches/${batchId}`);
    const b = current;
    const p = b.programme;
    $("#batch-detail").classList.remove("hidden");
    $("#batch-detail").dataset.id = String(b.id);
    $("#detail-title").replaceChildren(`批次 #${b.id} · ${p.name} 第 ${b.seq} 批 `, R.batchBadge(b.status));
    $("#detail-facts").replaceChildren(
      fact("监测期", R.period(b)), fact("记录数", fmt.int(b.member_count)),
      fact("减排量", `${fmt.g(b.carbon_g)}（${b.tco2e} tCO2e）`),
      fact("方法学", p.kind === "sink" ? "碳汇：事后计量（见成员的叶数据与证据包）"
        : `${p.scenario} v${p.methodology_version}，${p.factor_g_per_unit} 克/单位`),
      fact("出处", p.source), fact("Merkle 根", el("span", { class: "mono small" }, b.merkle_root)),
      fact("提交时间", fmt.time(b.submitted_at)),
      fact("核查报告", b.report_sha256 ? el("span", { class: "mono small", id: "report-sha" }, `SHA-256 ${b.report_sha256}`) : "尚未提供"),
      fact("报告链接", b.report_url ? el("a", { href: b.report_url, target: "_blank", rel: "noopener noreferrer" }, b.report_url) : "-"),
      fact("核查意见", b.verification_note || "-"));
    const evidence = el("button", { class: "primary small", dataset: { evidence: b.id } }, "下载证据包 CSV");
    evidence.addEventListener("click", () => C.download(`/verifier/batches/${b.id}/evidence`, `batch-${b.id}-evidence.csv`).catch(C.fail));
    $("#detail-tools").replaceChildren(evidence);
    $("#decide-box").classList.toggle("hidden", b.status !== "submitted");
  }

  async function act(promise, message) {
    try {
      const b = await promise;
      C.toast(message(b), "ok");
      await show(b.id);
      list.reload();
    } catch (err) { C.fail(err); }
  }

  C.start(async () => {
    $("#report-file-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const target = event.target;
      const file = $("#r-file").files[0];
      if (!file) return;
      const form = new FormData();
      form.append("file", file, file.name);
      act(C.post(`/verifier/batches/${current.id}/report`, form), () => `已上传核查报告「${file.name}」`)
        .then(() => target.reset());
    });
    $("#report-link-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const target = event.target;
      const d = C.formData(target);
      act(C.post(`/verifier/batches/${current.id}/report-link`, { url: d.url.trim(), sha256: d.sha256.trim().toLowerCase() }),
        () => "已登记核查报告链接").then(() => target.reset());
    });
    $("#verify").addEventListener("click", () => {
      if (!confirm(`确认批次 #${current.id} 核查通过？`)) return;
      act(C.post(`/verifier/batches/${current.id}/verify`, { note: $("#d-note").value.trim() }),
        (b) => `批次 #${b.id} 核查通过，等待运营方签发`);
    });
    $("#return").addEventListener("click", () => {
      const note = $("#d-note").value.trim();
      if (!note) { C.toast("退回须填写核查意见（需要修改什么）", "error"); return; }
      act(C.post(`/verifier/batches/${current.id}/return`, { note }), (b) => `批次 #${b.id} 已退回运营方`);
    });
    $("#inbox-tools").append(R.csvButton(() => `/verifier/batches${status ? `?status=${status}` : ""}`, "batches.csv"));
    const box = $("#inbox-list");
    let rows = [];
    list = C.pager(box, (cursor) => C.get(`/verifier/batches?limit=50${status ? `&status=${status}` : ""}${cursor ? `&cursor=${cursor}` : ""}`),
      (items, reset) => {
        rows = reset ? items : rows.concat(items);
        box.replaceChildren(C.table([
          { title: "ID", key: "id" },
          { title: "项目", render: (b) => `${b.programme.name} 第 ${b.seq} 批` },
          { title: "监测期", render: R.period },
          { title: "记录数", num: true, render: (b) => fmt.int(b.member_count) },
          { title: "减排量", num: true, render: (b) => fmt.g(b.carbon_g) },
          { title: "提交时间", render: (b) => fmt.time(b.submitted_at) },
          { title: "状态", render: (b) => R.batchBadge(b.status) },
          { title: "操作", render: (b) => {
            const open = el("button", { class: "small" }, b.status === "submitted" ? "核查" : "查看");
            open.addEventListener("click", () => show(b.id).then(() => $("#batch-detail").scrollIntoView({ behavior: "smooth" })).catch(C.fail));
            return open;
          } },
        ], rows.map((b) => ({ ...b, __data: { id: b.id } })), status === "submitted" ? "没有待核查的批次" : "没有批次"));
      });
    C.statusFilter((next) => { status = next; list.reload(); });
    await list.reload();
    if (R.param("batch")) await show(R.param("batch"));
  });
})();
