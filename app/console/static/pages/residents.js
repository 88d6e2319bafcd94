/* Residents: search by id, 公开编号 or nickname; one resident's page (account, records,
 * points history, coupons, risk history) with freeze and unfreeze (docs/decisions/0941). */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $, $$, fmt } = C;
  let query = {};
  let list;
  let current = null;
  const LEDGER = {
    checkin_reward: "打卡奖励", partner_reward: "合作方奖励", werun_reward: "步数奖励",
    redemption: "兑换", redemption_refund: "兑换退还", expiry: "积分过期", adjustment: "积分调整",
    campaign_bonus: "活动加成", sink_adoption: "认领树苗", personal_offset: "个人碳中和",
  };

  function standing(u) {
    if (u.deleted_at) return C.badge("cancelled", "已注销");
    if (u.frozen_at) return C.badge("frozen");
    return C.badge("active", "正常");
  }

  function open(id) {
    const url = new URL(location.href);
    url.searchParams.set("id", String(id));
    history.replaceState(null, "", url);
    showResident(id).catch((err) => C.errorState($("#detail-body"), err, () => open(id)));
  }

  function pagerOf(box, path, columns, empty, map) {
    const p = C.pager(box, (cursor) => C.get(`${path}${path.includes("?") ? "&" : "?"}limit=20${cursor ? `&cursor=${cursor}` : ""}`),
      (items, reset) => {
        p.rows = (reset ? [] : p.rows || []).concat(map ? items.map(map) : items);
        box.replaceChildren(C.table(columns, p.rows, empty));
      });
    return p;
  }

  const RECORD_COLUMNS = [
    { title: "时间", render: (i) => fmt.time(i.record.created_at) },
    { title: "场景", render: (i) => i.record.scenario_name },
    { title: "数量", num: true, render: (i) => `${i.record.quantity} ${C.unit(i.record.unit)}` },
    { title: "减碳", num: true, render: (i) => fmt.g(i.record.carbon_g) },
    { title: "积分", num: true, render: (i) => fmt.int(i.record.points) },
    { title: "状态", render: (i) => C.badge(i.record.status) },
    { title: "风险分", num: true, render: (i) => (i.risk_score ? C.badge(i.risk_score >= 50 ? "rejected" : "pending", String(i.risk_score)) : "0") },
  ];

  async function showResident(id) {
    current = id;
    const card = $("#detail-card");
    card.classList.remove("hidden");
    C.skeleton($("#detail-facts"));
    const [user, account] = await Promise.all([C.get(`/admin/users/${id}`), C.get(`/admin/users/${id}/account`)]);
    C.loaded($("#detail-facts"));
    $("#detail-title").textContent = `${user.nickname}（公开编号 ${user.public_code || "-"}）`;
    card.dataset.userId = String(user.id);
    $("#detail-facts").replaceChildren(...[
      ["用户 ID", String(user.id)], ["公开编号", user.public_code || "-"], ["注册时间", fmt.time(user.created_at)],
      ["角色", user.roles.map(C.roleLabel).join("、")], ["状态", standing(user)],
    ].map(([label, value]) => el("div", {}, el("div", { class: "label" }, label), el("div", { class: "value" }, value))));
    const notice = $("#frozen-notice");
    notice.classList.toggle("hidden", !user.frozen_at);
    if (user.frozen_at) {
      notice.replaceChildren(el("strong", {}, "账号已冻结"), `：${user.frozen_reason}（${fmt.time(user.frozen_at)}，`,
        C.person(user.frozen_by), " 操作）。居民不能打卡、上传、同步步数、兑换、认领或碳中和；可查看、导出和注销。");
    }
    const kpi = (label, value) => el("div", { class: "kpi" }, el("div", { class: "label" }, label), el("div", { class: "value" }, value));
    $("#detail-kpis").replaceChildren(kpi("积分余额", fmt.int(account.points_balance)),
      kpi("累计减碳", fmt.g(account.carbon_total_g)), kpi("已通过打卡", fmt.int(account.checkins_count)),
      kpi("待审核", fmt.int(account.pending_count)));
    renderActions(user);
    loadTabs(id);
    card.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  function renderActions(user) {
    const box = $("#detail-actions");
    box.replaceChildren();
    if (user.deleted_at) return;
    if (user.frozen_at) {
      const thaw = el("button", { dataset: { action: "unfreeze" } }, "解冻账号");
      thaw.addEventListener("click", async () => {
        if (!confirm(`解冻「${user.nickname}」？`)) return;
        thaw.disabled = true;
        try { await C.post(`/admin/users/${user.id}/unfreeze`, {}); C.toast("已解冻", "ok"); await showResident(user.id); list.reload(); } catch (err) { thaw.disabled = false; C.fail(err); }
      });
      box.append(thaw);
    } else {
      const freeze = el("button", { class: "danger", dataset: { action: "freeze" } }, "冻结账号");
      freeze.addEventListener("click", async () => {
        const reason = (prompt(`冻结「${user.nickname}」的原因（仅运营可见，记入审计日志）\n冻结后居民不能打卡、兑换、认领或碳中和，可查看和导出数据。`) || "").trim();
        if (!reason) return;
        freeze.disabled = true;
        try { await C.post(`/admin/users/${user.id}/freeze`, { reason }); C.toast("已冻结", "ok"); await showResident(user.id); list.reload(); } catch (err) { freeze.disabled = false; C.fail(err); }
      });
      box.append(freeze);
    }
    box.append(el("a", { class: "button small", href: `/console/adjustments?user_id=${user.id}` }, "积分调整"),
      el("a", { class: "button small", href: `/console/audit?target=user:${user.id}` }, "审计记录"));
  }

  function loadTabs(id) {
    pagerOf($("#records-list"), `/admin/checkins?user_id=${id}&status=all`, RECORD_COLUMNS, "没有打卡记录").reload();
    pagerOf($("#ledger-list"), `/admin/points/users/${id}`, [
      { title: "时间", render: (e) => fmt.time(e.created_at) },
      { title: "类型", render: (e) => LEDGER[e.code] || e.code },
      { title: "说明", key: "memo" },
      { title: "积分", num: true, render: (e) => (e.amount > 0 ? `+${fmt.int(e.amount)}` : fmt.int(e.amount)) },
      { title: "余额", num: true, render: (e) => fmt.int(e.balance_after) },
    ], "没有积分流水").reload();
    pagerOf($("#coupons-list"), `/admin/users/${id}/coupons`, [
      { title: "兑换时间", render: (c) => fmt.time(c.created_at) },
      { title: "商品", key: "title" },
      { title: "商户", render: (c) => (c.merchant ? c.merchant.name : "-") },
      { title: "积分", num: true, render: (c) => fmt.int(c.points_price) },
      { title: "状态", render: (c) => C.badge(c.status) },
      { title: "到期", render: (c) => fmt.time(c.expires_at) },
    ], "没有兑换券").reload();
    pagerOf($("#standing-list"), `/admin/audit-log?target=user:${id}`, [
      { title: "时间", render: (e) => fmt.time(e.created_at) },
      { title: "操作人", render: (e) => C.person(e.actor_id, "系统") },
      { title: "动作", render: (e) => C.actionLabel(e.action) || e.action },
      { title: "变化", render: (e) => C.diff(e.before, e.after, e.target) },
    ], "没有冻结或调整记录").reload();
    pagerOf($("#risk-list"), `/admin/checkins?user_id=${id}&status=all&min_risk=1`, [
      ...RECORD_COLUMNS,
      { title: "原因", render: (i) => el("ul", { class: "risk-why" }, i.explanations.map((x) =>
        el("li", { dataset: { reason: x.reason } }, C.badge("pending", `+${x.weight}`), x.text))) },
    ], "没有风险记录").reload();
  }

  C.start(async () => {
    $$("#detail-tabs button").forEach((b) => b.addEventListener("click", () => {
      $$("#detail-tabs button").forEach((x) => x.classList.toggle("on", x === b));
      $$("[data-panel]").forEach((p) => p.classList.toggle("hidden", p.dataset.panel !== b.dataset.tab));
    }));
    const box = $("#resident-list");
    let rows = [];
    list = C.pager(box, (cursor) => {
      const q = new URLSearchParams({ limit: "20", ...query });
      if (cursor) q.set("cursor", cursor);
      return C.get(`/admin/users?${q}`);
    }, (items, reset) => {
      rows = reset ? items : rows.concat(items);
      box.replaceChildren(C.table([
        { title: "昵称", render: (u) => { const a = el("a", { href: `/console/residents?id=${u.id}`, dataset: { open: String(u.id) } }, u.nickname); a.addEventListener("click", (e) => { e.preventDefault(); open(u.id); }); return a; } },
        { title: "公开编号", render: (u) => el("span", { class: "mono" }, u.public_code || "-") },
        { title: "用户 ID", key: "id" },
        { title: "注册时间", render: (u) => fmt.time(u.created_at) },
        { title: "状态", render: standing },
      ], rows.map((u) => Object.assign(u, { __data: { id: String(u.id) } })), "没有找到居民"));
    });
    $("#search-form").addEventListener("submit", (event) => {
      event.preventDefault();
      query = {};
      const q = $("#q").value.trim();
      if (q) query.q = q;
      if ($("#only-frozen").checked) query.frozen = "true";
      list.reload();
    });
    const id = C.intOrNull(new URLSearchParams(location.search).get("id"));
    await list.reload();
    if (id) await showResident(id);
  });
})();
