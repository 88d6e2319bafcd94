/* Console accounts (账号管理): create an operator (password shown once), disable and
 * enable, reset a password (shown once), give or take the operator role
 * (docs/decisions/0942). The server refuses changes to one's own account. */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $, fmt } = C;
  let me = null;
  let filters = {};
  let list;

  function act(label, cls, action, run) {
    const node = el("button", { class: `${cls} small`, dataset: { action } }, label);
    node.addEventListener("click", async () => {
      node.disabled = true;
      try { if (await run() !== false) list.reload(); } catch (err) { C.fail(err); } finally { node.disabled = false; }
    });
    return node;
  }

  function actions(a) {
    if (a.id === me.id) return el("span", { class: "small muted" }, "当前登录账号");
    const name = `${a.nickname}（${a.username}）`;
    const buttons = [];
    if (a.disabled_at) {
      buttons.push(act("启用", "", "enable", async () => { await C.post(`/admin/accounts/${a.id}/enable`, {}); C.toast(`${name} 已启用`, "ok"); }));
    } else {
      buttons.push(act("停用", "danger", "disable", async () => {
        if (!confirm(`停用 ${name}？该账号将立即退出登录，且无法再登录。`)) return false;
        await C.post(`/admin/accounts/${a.id}/disable`, {});
        C.toast(`${name} 已停用`, "ok");
        return true;
      }));
    }
    buttons.push(act("重置密码", "", "reset-password", async () => {
      if (!confirm(`为 ${name} 生成新密码？其现有登录将立即失效。`)) return false;
      const result = await C.post(`/admin/accounts/${a.id}/reset-password`, {});
      C.showOnce($("#account-secret"), `${name} 的新密码`, result.password);
      $("#account-secret").scrollIntoView({ behavior: "smooth" });
      return true;
    }));
    const isOperator = a.roles.includes("operator");
    buttons.push(act(isOperator ? "取消运营权限" : "设为运营", isOperator ? "danger" : "", "toggle-operator", async () => {
      if (isOperator && !confirm(`取消 ${name} 的运营权限？`)) return false;
      await C.api(isOperator ? "DELETE" : "PUT", `/admin/accounts/${a.id}/roles/operator`);
      C.toast(isOperator ? "已取消运营权限" : "已设为运营", "ok");
      return true;
    }));
    return el("div", { class: "toolbar" }, buttons);
  }

  C.start(async (user) => {
    me = user;
    $("#account-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const d = C.formData(event.target);
      const button = $("#create-account");
      button.disabled = true;
      try {
        const result = await C.post("/admin/accounts", { username: d.username.trim(), nickname: d.nickname.trim() });
        C.showOnce($("#account-secret"), `已创建运营账号 ${result.account.username}（${result.account.nickname}），初始密码：`, result.password,
          "只显示这一次，请当面或通过安全渠道转交；对方用它在 /console/login 登录。");
        event.target.reset();
        list.reload();
      } catch (err) { C.fail(err); } finally { button.disabled = false; }
    });
    $("#account-filter").addEventListener("submit", (event) => {
      event.preventDefault();
      const d = C.formData(event.target);
      filters = Object.fromEntries(Object.entries(d).filter(([, v]) => v.trim() !== "").map(([k, v]) => [k, v.trim()]));
      list.reload();
    });
    const box = $("#account-list");
    let rows = [];
    list = C.pager(box, (cursor) => {
      const q = new URLSearchParams({ limit: "50", ...filters });
      if (cursor) q.set("cursor", cursor);
      return C.get(`/admin/accounts?${q}`);
    }, (items, reset) => {
      rows = reset ? items : rows.concat(items);
      box.replaceChildren(C.table([
        { title: "姓名", key: "nickname" },
        { title: "用户名", render: (a) => el("span", { class: "mono" }, a.username) },
        { title: "角色", render: (a) => a.roles.map(C.roleLabel).join("、") },
        { title: "状态", render: (a) => (a.disabled_at ? C.badge("rejected", "已停用") : C.badge("active", "正常")) },
        { title: "最近登录", render: (a) => (a.last_login_at ? fmt.time(a.last_login_at) : "从未登录") },
        { title: "创建时间", render: (a) => fmt.time(a.created_at) },
        { title: "操作", render: actions },
      ], rows.map((a) => Object.assign(a, { __data: { id: String(a.id), username: a.username } })), "没有账号"));
    });
    await list.reload();
  });
})();
