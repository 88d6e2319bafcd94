/* Staff (owner only): console accounts for clerks, mini-program invite codes, removal. */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $, fmt } = C;
  let list;

  C.start(async (me) => {
    if (!me.roles.includes("merchant_owner")) {
      $("#content").replaceChildren(el("div", { class: "card" }, "店员管理仅店主可用。"));
      return;
    }
    $("#clerk-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const d = C.formData(event.target);
      try {
        const clerk = await C.post("/merchant/console-clerks", { username: d.username.trim(), password: d.password, nickname: d.nickname.trim() });
        C.toast(`店员 ${clerk.username} 已创建`, "ok");
        event.target.reset();
        list.reload();
      } catch (err) { C.fail(err); }
    });
    $("#invite").addEventListener("click", async () => {
      try {
        const invite = await C.post("/merchant/staff-invites", undefined);
        const box = $("#invite-code");
        box.classList.remove("hidden");
        box.replaceChildren(el("div", { class: "mono kpi-inline" }, invite.invite_code), el("div", { class: "small muted" }, `有效期至 ${fmt.time(invite.expires_at)}`));
      } catch (err) { C.fail(err); }
    });
    const box = $("#staff-list");
    let rows = [];
    list = C.pager(box, (cursor) => C.get(`/merchant/staff?limit=50${cursor ? `&cursor=${cursor}` : ""}`), (items, reset) => {
      rows = reset ? items : rows.concat(items);
      box.replaceChildren(C.table([
        { title: "姓名", render: (s) => `${s.nickname || `用户 ${s.user_id}`}${s.user_id === me.id ? "（我）" : ""}` },
        { title: "角色", render: (s) => (s.role === "owner" ? "店主" : "店员") },
        { title: "加入时间", render: (s) => fmt.time(s.joined_at) },
        { title: "操作", render: (s) => {
          if (s.role === "owner") return "";
          const remove = el("button", { class: "danger small" }, "移除");
          remove.addEventListener("click", async () => {
            if (!confirm(`移除店员「${s.nickname || s.user_id}」？其访问将立即失效。`)) return;
            try { await C.api("DELETE", `/merchant/staff/${s.user_id}`); list.reload(); } catch (err) { C.fail(err); }
          });
          return remove;
        } },
      ], rows));
    });
    $("#reload").addEventListener("click", () => list.reload());
    await list.reload();
  });
})();
