/* Two-person points adjustments: one operator proposes, another approves or rejects. */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $, fmt } = C;
  let status = "pending_approval";
  let list;
  let me;

  async function lookup(userId) {
    const page = await C.get(`/admin/points/users/${userId}?limit=10`);
    $("#resident").classList.remove("hidden");
    $("#resident-balance").textContent = `${fmt.int(page.points_balance)} 积分`;
    $("#resident-history").replaceChildren(C.table([
      { title: "时间", render: (e) => fmt.time(e.created_at) },
      { title: "说明", key: "memo" },
      { title: "变动", num: true, render: (e) => (e.amount > 0 ? `+${e.amount}` : String(e.amount)) },
      { title: "余额", num: true, key: "balance_after" },
    ], page.items, "暂无积分流水"));
  }

  function decide(a, decision) {
    return async () => {
      const note = decision === "reject" ? (prompt("驳回说明（可空）") ?? null) : null;
      if (decision === "reject" && note === null) return;
      try {
        await C.post(`/admin/points/adjustments/${a.id}/${decision}`, note ? { note } : {}, { idempotent: true });
        C.toast(decision === "approve" ? "已批准，积分已变动" : "已驳回", "ok");
        list.reload();
      } catch (err) { C.fail(err); }
    };
  }

  function actions(a) {
    if (a.status !== "pending_approval") return a.decision_note || "";
    const mine = a.maker_id === me.id;
    const approve = el("button", { class: "primary small", disabled: mine, title: mine ? "不能批准自己发起的调整" : null }, "批准");
    approve.addEventListener("click", decide(a, "approve"));
    const reject = el("button", { class: "danger small" }, mine ? "撤回" : "驳回");
    reject.addEventListener("click", decide(a, "reject"));
    return el("div", { class: "toolbar" }, approve, reject);
  }

  C.start(async (user) => {
    me = user;
    const preset = C.intOrNull(new URLSearchParams(location.search).get("user_id"));
    if (preset) { $("#l-user").value = String(preset); $("#a-user").value = String(preset); }
    $("#lookup-form").addEventListener("submit", (event) => {
      event.preventDefault();
      lookup(C.intOrNull($("#l-user").value)).catch(C.fail);
    });
    $("#adjust-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const d = C.formData(event.target);
      try {
        const a = await C.post("/admin/points/adjustments",
          { user_id: C.intOrNull(d.user_id), amount: C.intOrNull(d.amount), reason: d.reason.trim() }, { idempotent: true });
        C.toast(`调整 #${a.id} 已提交，等待另一位运营复核`, "ok");
        event.target.reset();
        list.reload();
      } catch (err) { C.fail(err); }
    });
    const box = $("#adjustment-list");
    let rows = [];
    list = C.pager(box, (cursor) => C.get(`/admin/points/adjustments?limit=50${status ? `&status=${status}` : ""}${cursor ? `&cursor=${cursor}` : ""}`),
      (items, reset) => {
        rows = reset ? items : rows.concat(items);
        box.replaceChildren(C.table([
          { title: "ID", key: "id" },
          { title: "居民", render: (a) => C.person(a.user_id) },
          { title: "积分", num: true, render: (a) => (a.amount > 0 ? `+${a.amount}` : String(a.amount)) },
          { title: "原因", key: "reason" },
          { title: "发起人", render: (a) => el("span", {}, C.person(a.maker_id), a.maker_id === me.id ? "（我）" : "") },
          { title: "复核人", render: (a) => C.person(a.checker_id) },
          { title: "状态", render: (a) => C.badge(a.status) },
          { title: "时间", render: (a) => fmt.time(a.created_at) },
          { title: "操作", render: actions },
        ], rows, "没有记录"));
      });
    C.statusFilter((picked) => { status = picked; list.reload(); });
    await list.reload();
  });
})();
