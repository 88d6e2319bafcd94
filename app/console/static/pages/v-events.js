/* Events to check (待核查活动): the events whose organisers asked my body to check the
 * accounting, each with its lines (factor code, version, unit, kg per unit, source), and
 * 确认核算 (POST /verifier/events/{id}/check): the event is then shown as checked. */
(function () {
  "use strict";
  const C = window.Console;
  const E = window.Events;
  const { el, $, fmt } = C;
  let list;
  let current = null; // {id, view}

  async function show(row) {
    const view = await C.get(`/public/events/${encodeURIComponent(row.public_id)}`);
    current = { id: row.id, view };
    const e = view.event;
    $("#event-detail").classList.remove("hidden");
    $("#event-detail").dataset.id = String(row.id);
    $("#detail-title").replaceChildren(`${e.name} · ${view.organiser} `, E.stageBadge(e.stage),
      " ", view.checked ? C.badge("approved", "已确认") : C.badge("pending", "待确认"));
    $("#detail-tools").replaceChildren(E.publicLink(e, "查看公示页"));
    $("#detail-facts").replaceChildren(...E.facts(view));
    $("#source-list").replaceChildren(E.sourcesTable(view.by_source, view.total_kg));
    $("#line-list").replaceChildren(E.linesTable(view.lines));
    const checkable = !view.checked && ["accounted", "offset"].includes(e.stage);
    $("#check-box").classList.toggle("hidden", !checkable);
    $("#checked-note").classList.toggle("hidden", !view.checked);
    $("#checked-note").textContent = view.checked ? `本机构已于 ${fmt.time(e.checked_at)} 确认此活动的核算。` : "";
  }

  async function check() {
    if (!confirm(`确认「${current.view.event.name}」的核算（${E.kg3(current.view.total_kg)} kg）？`)) return;
    $("#check").disabled = true;
    try {
      await C.post(`/verifier/events/${current.id}/check`, { note: $("#c-note").value.trim() });
      C.toast("已确认核算，活动公示为第三方核查", "ok");
      await show({ id: current.id, public_id: current.view.event.public_id });
      list.reload();
    } catch (err) { C.fail(err); } finally { $("#check").disabled = false; }
  }

  C.start(async () => {
    $("#check").addEventListener("click", check);
    $("#reload").addEventListener("click", () => list.reload());
    const box = $("#event-list");
    let rows = [];
    list = C.pager(box, (cursor) => C.get(`/verifier/events?limit=50${cursor ? `&cursor=${cursor}` : ""}`), (items, reset) => {
      rows = reset ? items : rows.concat(items);
      box.replaceChildren(C.table([
        { title: "编号", render: (e) => el("span", { class: "mono small" }, e.public_id) },
        { title: "名称", key: "name" },
        { title: "日期", render: E.dates },
        { title: "阶段", render: (e) => E.stageBadge(e.stage) },
        { title: "排放总量", num: true, render: (e) => `${E.kg3(e.total_kg)} kg` },
        { title: "核查", render: (e) => (e.checked_at ? C.badge("approved", "已确认") : C.badge("pending", "待确认")) },
        { title: "操作", render: (e) => {
          const open = el("button", { class: "small" }, e.checked_at ? "查看" : "核查");
          open.addEventListener("click", () => show(e).then(() => $("#event-detail").scrollIntoView({ behavior: "smooth" })).catch(C.fail));
          return open;
        } },
      ], rows.map((e) => ({ ...e, __data: { id: e.id } })), "没有提交本机构核查的活动"));
    });
    await list.reload();
  });
})();
