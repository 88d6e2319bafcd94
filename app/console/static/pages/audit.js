/* Audit log: who did what to which object, with the state before and after. */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $, fmt } = C;
  let filters = {};
  let list;
  // Chinese names of the audited actions; an action not listed shows its code alone.
  const ACTIONS = {
    "sites.create": "新建打卡点位", "sites.update": "修改打卡点位", "sites.rotate_key": "更换点位密钥",
    "sites.station_key": "称重站密钥", "checkins.approve": "通过打卡", "checkins.reject": "驳回打卡",
    "checkins.bulk_review": "批量审核打卡", "partners.create": "新建合作方", "partners.update": "修改合作方",
    "partners.rotate_secret": "更换合作方密钥", "scenarios.update": "修改场景",
    "scenarios.add_version": "新增方法学版本", "campaigns.create": "新建激励活动",
    "campaigns.pause": "暂停激励活动", "campaigns.resume": "恢复激励活动",
    "mall.offer.approve": "商品上架", "mall.offer.reject": "商品驳回", "mall.coupons.expire": "兑换券过期",
    "merchant.create": "新增商户", "merchant.staff.remove": "移除店员",
    "console.account.create": "新建控制台账号", "points.adjustment.create": "发起积分调整",
    "points.adjustment.approve": "批准积分调整", "points.adjustment.reject": "驳回积分调整",
    "points.expire": "积分过期处理", "export.csv": "导出 CSV",
    "registry.programme.create": "备案减排项目", "registry.batch.assemble": "核算组批",
    "registry.batch.exclude": "批次剔除记录", "registry.batch.submit": "提交核查",
    "registry.batch.report": "登记核查报告", "registry.batch.verify": "核查通过",
    "registry.batch.return": "核查退回", "registry.batch.issue": "签发减排量",
    "registry.verifier.create": "新增核查机构", "registry.verifier.login": "新建核查机构账号",
    "registry.holder.create": "新增持有机构", "registry.holder.login": "新建持有机构账号",
    "registry.cancel": "作废减排量", "registry.record.revoke": "撤销无效记录",
  };
  const action = (code) => el("div", {}, ACTIONS[code] ? el("div", {}, ACTIONS[code]) : null,
    el("div", { class: "mono small muted" }, code));

  const json = (value) => (value === null || value === undefined ? el("span", { class: "muted" }, "-")
    : el("pre", { class: "json" }, JSON.stringify(value, null, 1)));

  C.start(async () => {
    const box = $("#audit-list");
    let rows = [];
    list = C.pager(box, (cursor) => {
      const q = new URLSearchParams({ limit: "50", ...filters });
      if (cursor) q.set("cursor", cursor);
      return C.get(`/admin/audit-log?${q}`);
    }, (items, reset) => {
      rows = reset ? items : rows.concat(items);
      box.replaceChildren(C.table([
        { title: "时间", render: (e) => el("span", { class: "nowrap" }, fmt.time(e.created_at)) },
        { title: "操作人", render: (e) => (e.actor_id ? `#${e.actor_id}` : "系统") },
        { title: "动作", render: (e) => action(e.action) },
        { title: "对象", render: (e) => el("span", { class: "mono small" }, e.target) },
        { title: "之前", render: (e) => json(e.before) },
        { title: "之后", render: (e) => json(e.after) },
      ], rows, "没有审计记录"));
    });
    $("#filter-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const d = C.formData(event.target);
      filters = Object.fromEntries(Object.entries(d).filter(([, v]) => v.trim() !== "").map(([k, v]) => [k, v.trim()]));
      list.reload();
    });
    $("#clear").addEventListener("click", () => { filters = {}; setTimeout(() => list.reload()); });
    await list.reload();
  });
})();
