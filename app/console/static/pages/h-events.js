/* My events (我的活动): register an event; its detail with the accounting lines by source
 * (each with its factor's code, version, unit, kg per unit, source and status), add a line
 * or a CSV of lines, delete one before accounting; the attendees' QR; 标记已举办, 完成核算;
 * offset with my units (one Idempotency-Key per form content, registry.js); the public page. */
(function () {
  "use strict";
  const C = window.Console;
  const R = window.Registry;
  const E = window.Events;
  const { el, $, fmt } = C;
  const OPEN = ["planned", "held"];
  let factors = []; // every factor version, /public/event-factors
  let names = new Map();
  let list;
  let current = null; // the public view of the event shown
  let holdings = [];
  let qrUrl = null;

  const today = () => new Date().toLocaleDateString("en-CA", { timeZone: "Asia/Shanghai" });

  /** The version of `code` in force on `day`, as the server picks it (factors.current_factor). */
  function inForce(code, day) {
    const versions = factors.filter((f) => f.code === code).sort((a, b) => a.valid_from.localeCompare(b.valid_from));
    const valid = versions.filter((f) => f.valid_from <= day);
    return valid.length ? valid[valid.length - 1] : versions[0];
  }

  function codesOf(category) {
    return [...new Set(factors.filter((f) => f.category === category).map((f) => f.code))];
  }

  function pickCategory() {
    const day = current ? current.event.starts_on : today();
    const options = codesOf($("#l-category").value).map((code) => {
      const f = inForce(code, day);
      return [code, `${f.name}（${code} v${f.version}，${E.num(f.kg_per_unit)} kg/${E.unit(f.unit)}）`];
    });
    const chosen = $("#l-factor").value;  // a refresh of the detail keeps what was picked
    R.fillSelect($("#l-factor"), options, null, options.some(([code]) => code === chosen) ? chosen : null);
    pickFactor();
  }

  function pickFactor() {
    const code = $("#l-factor").value;
    const f = code && inForce(code, current ? current.event.starts_on : today());
    $("#l-quantity-label").textContent = f ? `数量（${E.unit(f.unit)}）` : "数量";
    $("#l-factor-info").replaceChildren(...(f ? [E.factorBadge(f.status),
      ` v${f.version}，自 ${f.valid_from} 起适用；出处：${f.source}`] : []));
  }

  async function loadHoldings() {
    holdings = (await C.get("/holder/holdings")).items;
    R.fillSelect($("#o-batch"), holdings.map((x) => [x.batch_id, `#${x.batch_id} ${x.serial}（${x.programme}，持有 ${R.kg(x.quantity)}）`]),
      holdings.length ? null : "没有持有的核证减排量");
    const held = holdings.find((x) => String(x.batch_id) === $("#o-batch").value);
    $("#o-quantity").max = held ? String(held.quantity) : "";
  }

  async function show(eventId) {
    current = await C.get(`/holder/events/${eventId}`);
    const v = current;
    const e = v.event;
    const box = $("#event-detail");
    box.classList.remove("hidden");
    box.dataset.id = String(e.id);
    box.dataset.stage = e.stage;
    $("#detail-title").replaceChildren(`${e.name} · ${E.KINDS[e.kind] || e.kind} `, E.stageBadge(e.stage));
    $("#detail-tools").replaceChildren(el("span", { class: "mono small" }, e.public_id), E.publicLink(e, "查看公示页 / 证书"));
    $("#detail-facts").replaceChildren(...E.facts(v, names));
    const overdue = $("#overdue-note");
    overdue.classList.toggle("hidden", !v.overdue);
    overdue.textContent = v.overdue ? "本活动结束已超过一年仍未完成抵消，公示页显示为「逾期未抵消」。" : "";
    const open = OPEN.includes(e.stage);
    $("#held-box").classList.toggle("hidden", e.stage !== "planned");
    $("#account-box").classList.toggle("hidden", e.stage !== "held");
    $("#line-box").classList.toggle("hidden", !open);
    $("#offset-box").classList.toggle("hidden", e.stage !== "accounted");
    const total = e.accounted_at ? v.total_kg : E.linesKg(v.lines);
    $("#source-list").replaceChildren(E.sourcesTable(v.by_source, total));
    $("#line-list").replaceChildren(E.linesTable(v.lines, open ? removeLine : null));
    $("#retirement-list").replaceChildren(E.retirementsTable(v.retirements));
    if (open) pickCategory();
    if (e.stage === "accounted") {
      await loadHoldings();
      $("#o-quantity").value = String(Math.max(0, v.required_kg - v.retired_kg));
    }
    if (qrUrl) URL.revokeObjectURL(qrUrl);
    qrUrl = await C.blobUrl(`/holder/events/${e.id}/qr.png`);
    $("#event-qr").src = qrUrl;
    $("#qr-print").href = `/console/events/${e.id}/qr`;
  }

  async function act(promise, message) {
    try {
      const result = await promise;
      if (message) C.toast(message(result), "ok");
      await show(current.event.id);
      list.reload();
      return result;
    } catch (err) { C.fail(err); return null; }
  }

  function removeLine(line) {
    if (!confirm(`删除条目「${E.CATEGORIES[line.category]} · ${line.factor.name}」？`)) return;
    act(C.api("DELETE", `/holder/events/${current.event.id}/lines/${line.id}`), () => "已删除条目");
  }

  function register(event) {
    event.preventDefault();
    const d = C.formData(event.target);
    $("#e-submit").disabled = true;
    C.post("/holder/events", {
      name: d.name.trim(), kind: d.kind, starts_on: d.starts_on, ends_on: d.ends_on, venue: d.venue.trim(),
      expected_attendees: C.intOrNull(d.expected_attendees) ?? 0, plan: d.plan.trim(),
      default_mode_factor: d.default_mode_factor, default_trip_km: d.default_trip_km,
    }).then(async (made) => {
      C.toast(`已登记「${made.name}」（${made.public_id}）`, "ok");
      ["#e-name", "#e-venue", "#e-plan"].forEach((id) => { $(id).value = ""; });
      await show(made.id);
      list.reload();
      $("#event-detail").scrollIntoView({ behavior: "smooth" });
    }).catch(C.fail).finally(() => { $("#e-submit").disabled = false; });
  }

  function offset(form, key) {
    const d = C.formData(form);
    const body = { batch_id: C.intOrNull(d.batch_id), quantity: C.intOrNull(d.quantity) };
    $("#o-submit").disabled = true;
    C.post(`/holder/events/${current.event.id}/offsets`, body, { idempotent: true, idempotencyKey: key.get() })
      .then(async (r) => {
        key.renew();
        const done = r.retired_kg >= r.required_kg;
        const panel = $("#offset-result");
        panel.replaceChildren(`已注销 ${R.kg(r.quantity)}，证书 `, R.certificateLink(r.certificate_id),
          `；累计抵消 ${fmt.int(r.retired_kg)} / ${fmt.int(r.required_kg)} kg。`, done ? "活动已实现碳中和。" : "");
        panel.classList.remove("hidden");
        await show(current.event.id);
        list.reload();
      }).catch(C.fail).finally(() => { $("#o-submit").disabled = false; });
  }

  C.start(async () => {
    factors = (await C.get("/public/event-factors")).items;
    const verifiers = (await C.get("/public/registry/verifiers?limit=100")).items;
    $("#a-verifier").append(...verifiers.map((v) => new Option(v.accreditation ? `${v.name}（${v.accreditation}）` : v.name, v.id)));
    names = new Map(factors.map((f) => [f.code, f.name]));
    R.fillSelect($("#e-mode"), codesOf("travel").map((code) => [code, inForce(code, today()).name]), null, "travel_car");
    R.fillSelect($("#l-category"), Object.entries(E.CATEGORIES));
    $("#l-category").addEventListener("change", pickCategory);
    $("#l-factor").addEventListener("change", pickFactor);
    $("#e-start").value = today();
    $("#e-end").value = today();
    $("#event-form").addEventListener("submit", register);
    $("#line-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const d = C.formData(event.target);
      // The inputs are cleared once the line is saved, before the detail is drawn again:
      // cleared after (the QR image loads last), they could wipe the next line being typed.
      const saved = C.post(`/holder/events/${current.event.id}/lines`, { category: d.category, factor: d.factor,
        quantity: d.quantity, note: d.note.trim() }).then((l) => { $("#l-quantity").value = ""; $("#l-note").value = ""; return l; });
      act(saved, (l) => `已添加：${l.factor.name} ${E.kg3(l.emissions_kg)} kg`);
    });
    $("#csv-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const file = $("#l-csv").files[0];
      if (!file) return;
      const form = new FormData();
      form.append("file", file, file.name);
      const imported = C.post(`/holder/events/${current.event.id}/lines/import`, form).then((r) => { event.target.reset(); return r; });
      act(imported, (r) => `已从「${file.name}」导入 ${r.items.length} 条`);
    });
    $("#held").addEventListener("click", () => act(C.post(`/holder/events/${current.event.id}/held`, {}), () => "已标记为已举办"));
    $("#account").addEventListener("click", () => {
      if (!confirm("完成核算后核算条目不能再修改，确定？")) return;
      const verifier = $("#a-verifier").value;
      act(C.post(`/holder/events/${current.event.id}/account`, verifier ? { verifier_id: Number(verifier) } : {}),
        (v) => `核算完成：${E.kg3(v.total_kg)} kg，应抵消 ${fmt.int(v.required_kg)} kg`);
    });
    const offsetForm = $("#offset-form");
    const key = R.formKey(offsetForm);
    $("#o-batch").addEventListener("change", () => {
      const held = holdings.find((x) => String(x.batch_id) === $("#o-batch").value);
      $("#o-quantity").max = held ? String(held.quantity) : "";
    });
    offsetForm.addEventListener("submit", (event) => { event.preventDefault(); offset(offsetForm, key); });
    $("#reload").addEventListener("click", () => list.reload());

    const box = $("#event-list");
    let rows = [];
    list = C.pager(box, (cursor) => C.get(`/holder/events?limit=50${cursor ? `&cursor=${cursor}` : ""}`), (items, reset) => {
      rows = reset ? items : rows.concat(items);
      box.replaceChildren(C.table([
        { title: "编号", render: (e) => el("span", { class: "mono small" }, e.public_id) },
        { title: "名称", key: "name" },
        { title: "类型", render: (e) => E.KINDS[e.kind] || e.kind },
        { title: "日期", render: E.dates },
        { title: "阶段", render: (e) => E.stageBadge(e.stage) },
        { title: "排放总量", num: true, render: (e) => (e.accounted_at ? `${E.kg3(e.total_kg)} kg` : "未核算") },
        { title: "操作", render: (e) => {
          const open = el("button", { class: "small" }, "详情");
          open.addEventListener("click", () => show(e.id).then(() => $("#event-detail").scrollIntoView({ behavior: "smooth" })).catch(C.fail));
          return el("div", { class: "toolbar" }, open, E.publicLink(e));
        } },
      ], rows.map((e) => ({ ...e, __data: { id: e.id } })), "还没有登记活动"));
    });
    await list.reload();
    if (R.param("event")) await show(R.param("event"));
  });
})();
