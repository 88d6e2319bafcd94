/* 碳普惠 console: what many pages share beyond console.js — people shown by name, Chinese
 * labels (units, points rules, roles, audited actions, changed fields), a readable
 * before/after diff, secrets shown once with a copy button, background-job progress.
 * Loaded on every page right after console.js; everything hangs off `Console`.
 */
(function () {
  "use strict";
  const C = window.Console;
  const { el, get, STATUS } = C;

  /* ---- people by name (GET /admin/users/names, batched, cached per page) ---- */
  const known = new Map();
  const waiting = new Map(); // id -> [nodes]
  let timer = null;

  function paint(node, info) {
    const id = Number(node.dataset.userId);
    if (!info) { node.textContent = `用户 ${id}`; return; }
    node.textContent = info.name;
    node.title = `用户 ID ${id}`;
    node.dataset.kind = info.kind;
    if (info.kind === "resident" && node.tagName === "A") node.href = `/console/residents?id=${id}`;
  }

  async function flush() {
    timer = null;
    const ids = [...waiting.keys()];
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      let items = [];
      try { items = (await get(`/admin/users/names?ids=${chunk.join(",")}`)).items; } catch { /* shown as ids */ }
      const byId = new Map(items.map((x) => [x.id, x]));
      for (const id of chunk) {
        known.set(id, byId.get(id) || null);
        (waiting.get(id) || []).forEach((node) => paint(node, byId.get(id)));
        waiting.delete(id);
      }
    }
  }

  /** A person by name (a link to the resident page for residents); `none` when no id. */
  function person(id, none = "-") {
    if (id === null || id === undefined || id === "") return el("span", { class: "muted" }, none);
    const node = el("a", { class: "person", dataset: { userId: String(id) } }, "…");
    const key = Number(id);
    if (known.has(key)) { paint(node, known.get(key)); return node; }
    if (!waiting.has(key)) waiting.set(key, []);
    waiting.get(key).push(node);
    if (!timer) timer = setTimeout(flush, 0);
    return node;
  }

  /* ---- Chinese labels ---- */
  const UNITS = {
    meal: "餐", ride: "次", step: "步", kg: "千克", "passenger-km": "人公里", km: "公里",
    order: "单", box: "个纸箱", invoice: "张发票", bill: "份账单", payment: "笔", kWh: "千瓦时",
    phone: "部", tree: "棵", g: "克", trip: "次", visit: "次",
  };
  /** "meals" or "meal" -> 餐; an unknown unit as it is. */
  function unit(code) {
    if (!code) return "";
    return UNITS[code] || UNITS[String(code).replace(/s$/, "")] || code;
  }
  /** "5 per meal" -> 每 1 餐 5 积分; "1 per 8 g" -> 每减排 8 克二氧化碳当量 1 积分. */
  function rule(text) {
    const t = String(text || "").trim();
    if (t === "0" || t === "") return "不计积分";
    const m = t.match(/^(\d+)\s+per\s+(?:(\d+(?:\.\d+)?)\s*)?([A-Za-z-]+)$/);
    if (!m) return t;
    const [, points, amount = "1", u] = m;
    if (u === "g") return `每减排 ${amount} 克 CO₂e 得 ${points} 积分`;
    return `每 ${amount} ${unit(u)}得 ${points} 积分`;
  }
  const ROLES = {
    resident: "居民", operator: "运营", merchant_owner: "店主", merchant_clerk: "店员",
    verifier: "核查机构", holder: "持有机构",
  };
  const roleLabel = (r) => ROLES[r] || r;
  const ACTIONS = {
    "merchant_application.approve": "通过入驻申请", "merchant_application.reject": "驳回入驻申请",
    "sites.create": "新建打卡点位", "sites.update": "修改打卡点位", "sites.rotate_key": "更换点位密钥",
    "sites.station_key": "称重站密钥", "checkins.approve": "通过打卡", "checkins.reject": "驳回打卡",
    "checkins.bulk_review": "批量审核打卡", "partners.create": "新建合作方", "partners.update": "修改合作方",
    "partners.rotate_secret": "更换合作方密钥", "scenarios.update": "修改场景",
    "scenarios.add_version": "新增方法学版本", "campaigns.create": "新建激励活动",
    "campaigns.pause": "暂停激励活动", "campaigns.resume": "恢复激励活动",
    "mall.offer.approve": "商品上架", "mall.offer.reject": "商品驳回", "mall.offer.take_down": "商品下架",
    "mall.offer.relist": "商品恢复上架", "mall.coupons.expire": "兑换券过期",
    "merchant.create": "新增商户", "merchant.staff.remove": "移除店员", "merchant.freeze": "冻结商户",
    "merchant.unfreeze": "解冻商户", "users.freeze": "冻结居民账号", "users.unfreeze": "解冻居民账号",
    "users.account.create": "新建运营账号", "users.account.disable": "停用账号",
    "users.account.enable": "启用账号", "users.account.reset_password": "重置密码",
    "users.role.grant": "授予权限", "users.role.revoke": "取消权限",
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
    "registry.pool.create": "新建一元碳汇项目", "registry.pool.update": "修改一元碳汇项目",
    "sinks.project.create": "新建碳汇项目", "sinks.trees.add": "登记树木", "sinks.plot.add": "登记地块",
    "sinks.measurements.record": "登记年度监测", "sinks.tree.dead": "登记树木死亡",
  };
  const actionLabel = (code) => ACTIONS[code] || null;
  const TARGETS = {
    offer: "商品", merchant: "商户", user: "用户", checkin: "打卡记录", site: "打卡点位",
    partner: "合作方", scenario: "场景", campaign: "激励活动", adjustment: "积分调整",
    batch: "核算批次", programme: "减排项目", holder: "持有机构", verifier: "核查机构",
    "sink-project": "碳汇项目", tree: "树木", pool: "一元碳汇项目", coupons: "兑换券",
    "expiry-run": "积分过期处理", export: "导出", job: "后台任务",
    merchant_application: "入驻申请",
  };
  /** "offer:3" -> 商品 3; "user:12" -> the person. */
  function target(text) {
    const [kind, ...rest] = String(text).split(":");
    const id = rest.join(":");
    if (kind === "user" && /^\d+$/.test(id)) return el("span", {}, "用户 ", person(id));
    return el("span", { title: text }, TARGETS[kind] ? `${TARGETS[kind]} ${id}` : text);
  }

  const FIELDS = {
    status: "状态", reason: "原因", note: "备注", frozen: "冻结", disabled: "停用", roles: "角色",
    username: "用户名", nickname: "姓名", name: "名称", owner_user_id: "店主", stock_total: "库存",
    amount: "积分", user_id: "居民", clerk_user_id: "店员", maker_id: "发起人", checker_id: "复核人", merchant_id: "商户", password: "密码", title: "标题",
    active: "启用", daily_cap: "每日上限", points_rule: "积分规则", scenario: "场景",
    scenarios: "场景", code: "代码", claims_reductions: "自行计算减排量", decision: "决定",
    rows: "行数", expired: "过期张数", refunded: "退还张数", points_refunded: "退还积分",
    multiplier: "倍数", budget_points: "预算积分", quantity: "数量", points: "积分",
    kind: "类型", holder_id: "持有机构", owner_holder_id: "所有者", points_per_kg: "价格（积分/千克）",
    available_kg: "可售量（千克）", region: "地区", adoption_points: "认领价（积分/株/年）",
    methodology: "方法学", species: "树种", planted_year: "种植年份", spare: "备用树", year: "年度",
    area_m2: "面积（平方米）", description: "介绍", phone: "电话", address: "地址",
  };
  const PEOPLE = new Set(["user_id", "owner_user_id", "clerk_user_id", "maker_id", "checker_id",
    "actor_id", "frozen_by", "decided_by", "created_by"]);
  // Status words whose meaning depends on the object ("active" campaign: 进行中).
  const STATUS_OF = { merchant: { active: "正常", frozen: "已冻结" } };
  function value(key, v, kind) {
    if (v === null || v === undefined || v === "") return "—";
    if (key === "status" && STATUS_OF[kind] && STATUS_OF[kind][v]) return STATUS_OF[kind][v];
    if (PEOPLE.has(key) && Number.isInteger(v)) return person(v);
    if (v === true) return "是";
    if (v === false) return "否";
    if (key === "roles" && Array.isArray(v)) return v.map(roleLabel).join("、") || "—";
    if (key === "status" && STATUS[v]) return STATUS[v][0];
    if (Array.isArray(v)) return v.map((x) => (typeof x === "object" ? JSON.stringify(x) : String(x))).join("、");
    if (typeof v === "object") return JSON.stringify(v);
    return String(v);
  }

  /** The readable difference of an audited change: one line per field that changed,
   * `字段：之前 → 之后` (or only the new value for a creation), raw JSON folded below.
   * `target` ("merchant:3") picks the words for its statuses. */
  function diff(before, after, target = "") {
    const kind = String(target).split(":")[0];
    const b = before && typeof before === "object" ? before : {};
    const a = after && typeof after === "object" ? after : {};
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
    const lines = keys
      .filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]) || !(k in b))
      .map((k) => el("li", { dataset: { field: k } },
        el("span", { class: "muted" }, `${FIELDS[k] || k}：`),
        k in b && before ? el("span", { class: "was" }, value(k, b[k], kind)) : null,
        k in b && before ? " → " : null,
        k in a ? el("span", { class: "now" }, value(k, a[k], kind)) : el("span", { class: "muted" }, "（移除）")));
    const raw = el("details", { class: "raw" }, el("summary", { class: "small muted" }, "原始数据"),
      el("pre", { class: "json" }, JSON.stringify({ before, after }, null, 1)));
    return el("div", { class: "diff" }, lines.length ? el("ul", {}, lines) : el("span", { class: "muted" }, "无字段变化"), raw);
  }

  /* ---- secrets shown once ---- */
  function copyButton(text) {
    const button = el("button", { class: "small", type: "button", dataset: { action: "copy" } }, "复制");
    button.addEventListener("click", async () => {
      try { await navigator.clipboard.writeText(text); C.toast("已复制", "ok"); } catch { C.toast("请手动选中复制"); }
    });
    return button;
  }
  /** Put a secret in `panel` (a .result-panel) with a copy button and a "shown once" note. */
  function showOnce(panel, title, secret, note) {
    panel.replaceChildren(el("strong", {}, title),
      el("div", { class: "toolbar secret-row" }, el("code", { class: "mono secret", dataset: { secret: "1" } }, secret), copyButton(secret)),
      el("p", { class: "small muted" }, note || "只显示这一次，关闭或刷新页面后无法再次查看，请立即妥善转交。"));
    panel.classList.remove("hidden");
  }

  /* ---- background jobs ---- */
  /** Poll a background job until it ends; onUpdate(job) gets every state. */
  async function pollJob(jobId, onUpdate, intervalMs = 400) {
    for (;;) {
      const job = await get(`/admin/jobs/${jobId}`);
      onUpdate(job);
      if (["finished", "failed", "stopped", "canceled", "expired"].includes(job.status)) return job;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  /** A progress widget for a job: returns {node, update(job)}. */
  function jobProgress(title) {
    const bar = el("div");
    const text = el("span", { class: "small muted" }, "排队中…");
    const node = el("div", { class: "job" },
      el("div", { class: "toolbar spread-row" }, el("strong", {}, title), text),
      el("div", { class: "progress", role: "progressbar" }, bar));
    function update(job) {
      const pct = job.total ? Math.round((100 * job.done) / job.total) : (job.status === "finished" ? 100 : 0);
      bar.style.width = `${pct}%`;
      node.querySelector(".progress").setAttribute("aria-valuenow", String(pct));
      node.dataset.status = job.status;
      const label = (STATUS[job.status] || [job.status])[0];
      text.textContent = job.total ? `${label} ${job.done}/${job.total}（${pct}%）` : label;
    }
    return { node, update };
  }

  /** On merchant pages: say so at the top when an operator froze the merchant. */
  async function merchantStanding(content) {
    let merchant;
    try { merchant = await get("/merchant/profile"); } catch { return; }
    if (merchant.status !== "frozen") return;
    content.prepend(el("div", { class: "notice red", id: "merchant-frozen", role: "alert" },
      el("strong", {}, "本商户已被平台冻结"), `：${merchant.frozen_reason}。冻结期间商品暂停兑换、券暂停核销，`,
      "顾客可取消未使用的券并退还积分。如有疑问请联系平台运营。"));
  }

  Object.assign(C, {
    person, unit, rule, roleLabel, actionLabel, target, diff, copyButton, showOnce, pollJob,
    jobProgress, ROLES, merchantStanding,
  });
})();
