/* Batches (核算批次): assemble a programme's closed period, see and exclude members, submit
 * to a verifier, issue (a second operator), evidence and member CSVs. */
(function () {
  "use strict";
  const C = window.Console;
  const R = window.Registry;
  const { el, $, fmt } = C;
  const EDITABLE = ["draft", "returned"];
  let status = "";
  let list;
  let members;
  let current = null; // the batch shown in the detail card
  const picked = new Set();

  function lastMonth() {
    const [y, m] = new Date().toLocaleDateString("en-CA", { timeZone: "Asia/Shanghai" }).split("-").map(Number);
    const end = new Date(Date.UTC(y, m - 1, 0)); // day 0 of this month: the last of the previous
    const iso = end.toISOString().slice(0, 10);
    return [`${iso.slice(0, 8)}01`, iso];
  }

  const fact = (label, value) => el("div", {}, el("div", { class: "label" }, label), el("div", { class: "value" }, value ?? "-"));

  async function show(batchId) {
    current = await C.get(`/admin/registry/batches/${batchId}`);
    const b = current;
    $("#batch-detail").classList.remove("hidden");
    $("#batch-detail").dataset.id = String(b.id);
    $("#detail-title").replaceChildren(`批次 #${b.id} · ${b.programme.name} 第 ${b.seq} 批 `, R.batchBadge(b.status));
    $("#detail-facts").replaceChildren(
      fact("监测期", R.period(b)), fact("记录数", fmt.int(b.member_count)),
      fact("减排量", `${fmt.g(b.carbon_g)}（${b.tco2e} tCO2e）`),
      fact("Merkle 根", el("span", { class: "mono small" }, b.merkle_root)),
      fact("核查机构", b.verifier || "-"), fact("核查意见", b.verification_note || "-"),
      fact("核查报告", b.report_sha256 ? el("span", { class: "mono small" }, `SHA-256 ${b.report_sha256}`) : "-"),
      fact("提交 / 核查 / 签发", `${fmt.time(b.submitted_at)} / ${fmt.time(b.verified_at)} / ${fmt.time(b.issued_at)}`),
      fact("序列号", b.serial ? el("span", { class: "mono" }, b.serial) : "-"),
      fact("签发量", b.status === "issued" ? `${R.kg(b.units)}（缓冲 ${R.kg(b.buffer_units)}）` : "-"),
      fact("结转", `转入 ${fmt.g(b.carry_in_g)} · 转出 ${fmt.g(b.carry_out_g)}`));
    $("#detail-tools").replaceChildren(
      R.csvButton(`/admin/registry/batches/${b.id}/members`, `batch-${b.id}-members.csv`, "导出成员 CSV"),
      evidenceButton(b.id));
    const editable = EDITABLE.includes(b.status);
    $("#submit-box").classList.toggle("hidden", !editable);
    $("#exclude-box").classList.toggle("hidden", !editable);
    $("#issue-box").classList.toggle("hidden", b.status !== "verified");
    $("#issue-result").classList.add("hidden");
    picked.clear();
    updatePicked();
    await members.reload();
  }

  function evidenceButton(batchId) {
    const button = el("button", { class: "small", dataset: { evidence: batchId } }, "下载核查证据包 CSV");
    button.addEventListener("click", () => C.download(`/admin/registry/batches/${batchId}/evidence`,
      `batch-${batchId}-evidence.csv`).catch(C.fail));
    return button;
  }

  function updatePicked() {
    $("#x-count").textContent = `已选 ${picked.size} 条`;
    $("#exclude").disabled = picked.size === 0;
  }

  function memberState(m) {
    if (m.revoked_at) return C.badge("rejected", `已撤销 ${fmt.time(m.revoked_at)}`);
    if (m.excluded) return el("span", {}, C.badge("cancelled", "已剔除"), ` ${m.excluded_reason}`);
    return C.badge("approved", "计入");
  }

  function pick(m) {
    // Only carbon records can be excluded here (the API takes record ids).
    if (!current || !EDITABLE.includes(current.status) || m.excluded || !m.record_id) return "";
    const box = el("input", { type: "checkbox", "aria-label": `选择记录 ${m.record_id}`, checked: picked.has(m.record_id) });
    box.addEventListener("change", () => { if (box.checked) picked.add(m.record_id); else picked.delete(m.record_id); updatePicked(); });
    return box;
  }

  async function act(promise, message) {
    try {
      const batch = await promise;
      C.toast(message(batch), "ok");
      await show(batch.id);
      list.reload();
      return batch;
    } catch (err) { C.fail(err); return null; }
  }

  async function issue() {
    const panel = $("#issue-result");
    $("#issue").disabled = true;
    try {
      const b = await C.post(`/admin/registry/batches/${current.id}/issue`, {});
      await show(b.id);
      panel.className = "result-panel ok";
      panel.textContent = `已签发 ${b.serial}：${R.kg(b.units)}，其中缓冲账户 ${R.kg(b.buffer_units)}。`;
      list.reload();
    } catch (err) {
      panel.className = "result-panel bad";
      panel.dataset.reason = err.reason || "";
      panel.textContent = err.reason === "same_operator"
        ? `签发被拒绝：${err.message}。您组批或提交了此批次，请由另一位运营人员登录后签发。`
        : `签发失败：${err.describe ? err.describe() : err}`;
    } finally { $("#issue").disabled = false; }
  }

  C.start(async () => {
    const programmes = await R.all("/admin/registry/programmes");
    R.fillSelect($("#b-programme"), programmes.map((p) => [p.id, `${p.name}（${p.code}）`]),
      programmes.length ? null : "请先在「减排项目」页备案", R.param("programme"));
    // ?start=&end= (a sink project links its monitoring year), else last month.
    const query = new URLSearchParams(location.search);
    const [start, end] = lastMonth();
    $("#b-start").value = query.get("start") || start;
    $("#b-end").value = query.get("end") || end;
    $("#assemble-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const d = C.formData(event.target);
      await act(C.post("/admin/registry/batches", { programme_id: C.intOrNull(d.programme_id),
        period_start: d.period_start, period_end: d.period_end }),
      (b) => `已组批 #${b.id}：${fmt.int(b.member_count)} 条记录，${fmt.g(b.carbon_g)}`);
    });
    const verifiers = await R.all("/admin/registry/verifiers");
    R.fillSelect($("#d-verifier"), verifiers.map((v) => [v.id, v.name]), verifiers.length ? null : "请先在「核查机构」页添加");
    $("#submit").addEventListener("click", () => act(
      C.post(`/admin/registry/batches/${current.id}/submit`, { verifier_id: C.intOrNull($("#d-verifier").value) }),
      (b) => `批次 #${b.id} 已提交「${b.verifier}」核查`));
    $("#issue").addEventListener("click", issue);
    $("#exclude").addEventListener("click", () => {
      const reason = $("#x-reason").value.trim();
      if (!reason) { C.toast("请填写剔除原因", "error"); return; }
      act(C.post(`/admin/registry/batches/${current.id}/exclusions`, { record_ids: [...picked], reason }),
        (b) => `已剔除 ${picked.size} 条记录，批次现有 ${fmt.int(b.member_count)} 条`);
    });

    $("#batch-tools").append(R.csvButton(() => `/admin/registry/batches${status ? `?status=${status}` : ""}`, "registry-batches.csv"));
    const box = $("#batch-list");
    let rows = [];
    list = C.pager(box, (cursor) => C.get(`/admin/registry/batches?limit=50${status ? `&status=${status}` : ""}${cursor ? `&cursor=${cursor}` : ""}`),
      (items, reset) => {
        rows = reset ? items : rows.concat(items);
        box.replaceChildren(C.table([
          { title: "ID", key: "id" },
          { title: "项目", render: (b) => `${b.programme.name} 第 ${b.seq} 批` },
          { title: "监测期", render: R.period },
          { title: "记录数", num: true, render: (b) => fmt.int(b.member_count) },
          { title: "减排量", num: true, render: (b) => fmt.g(b.carbon_g) },
          { title: "核查机构", render: (b) => b.verifier || "-" },
          { title: "状态", render: (b) => R.batchBadge(b.status) },
          { title: "签发", render: (b) => (b.serial ? el("span", { class: "mono small" }, `${b.serial}（${R.kg(b.units)}）`) : "-") },
          { title: "操作", render: (b) => {
            const open = el("button", { class: "small" }, "详情");
            open.addEventListener("click", () => show(b.id).then(() => $("#batch-detail").scrollIntoView({ behavior: "smooth" })).catch(C.fail));
            return open;
          } },
        ], rows.map((b) => ({ ...b, __data: { id: b.id } })), "没有批次"));
      });
    const memberBox = $("#member-list");
    let memberRows = [];
    members = C.pager(memberBox, (cursor) => C.get(`/admin/registry/batches/${current.id}/members?limit=100${cursor ? `&cursor=${cursor}` : ""}`),
      (items, reset) => {
        memberRows = reset ? items : memberRows.concat(items);
        memberBox.replaceChildren(C.table([
          { title: "", render: pick },
          { title: "记录", render: (m) => (m.record_id ? `#${m.record_id}` : el("span", { class: "mono small" }, m.source_ref)) },
          { title: "叶序号", num: true, key: "position" },
          { title: "减排量", num: true, render: (m) => fmt.g(m.carbon_g) },
          { title: "叶哈希", render: (m) => el("span", { class: "mono small" }, m.leaf_hash.slice(0, 16)) },
          { title: "状态", render: memberState },
        ], memberRows.map((m) => ({ ...m, __data: { record: m.record_id ?? m.source_ref } })), "没有成员"));
      });
    C.statusFilter((next) => { status = next; list.reload(); });
    await list.reload();
    if (R.param("batch")) await show(R.param("batch"));
  });
})();
