/* Review queue: evidence photo, risk, one-click approve/reject, bulk actions (RQ job). */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $, $$, fmt } = C;
  const REASONS = ["照片与打卡场景不符", "照片不清晰，无法确认", "重复提交同一行为", "疑似网络图片或翻拍", "数量与凭证不符"];
  const RISK_TEXT = { new_account: "新注册账号", velocity: "短时间内频繁打卡", site_burst: "同一点位多人集中打卡",
    large_quantity: "数量偏大", recent_rejections: "近期多次被驳回", werun_jump: "步数骤增",
    werun_repeated: "步数重复", werun_round: "整千步数", werun_shared_series: "多账号步数相同",
    werun_campaign_spike: "活动末期刷步" };

  /** Why the record was scored: each reason's label, weight and what it means. */
  function riskWhy(item) {
    const explained = item.explanations || item.risk_reasons.map((reason) => ({ reason, weight: 0, text: "" }));
    if (!explained.length) return null;
    return el("ul", { class: "risk-why small" }, explained.map((e) => el("li", { dataset: { reason: e.reason } },
      el("span", { class: "badge amber" }, `${RISK_TEXT[e.reason] || e.reason} +${e.weight}`),
      el("span", {}, ` ${e.text}`))));
  }
  const EVIDENCE_TEXT = { qr: "扫码凭证（无照片）", werun: "微信运动步数（无照片）", partner: "合作方数据（无照片）" };
  let status = "pending";
  const selected = new Set();
  const balances = new Map();
  let list;

  function reasonSelect(id) {
    return el("select", { id, "aria-label": "驳回理由" }, REASONS.map((r) => el("option", { value: r }, r)),
      el("option", { value: "__other" }, "其他（手动填写）"));
  }
  function chosenReason(select) {
    if (select.value !== "__other") return select.value;
    return (prompt("请输入驳回理由（将通过微信通知居民）") || "").trim();
  }

  function riskBadge(score) {
    const color = score >= 60 ? "red" : score >= 30 ? "amber" : "green";
    return el("span", { class: `badge ${color} risk`, title: "风险分（0-100）" }, `风险 ${score}`);
  }

  const pendingBalances = new Map();
  /** A resident's balance; cards of one resident share one request unless `fresh`. */
  function balanceOf(userId, fresh = false) {
    if (!fresh && pendingBalances.has(userId)) return pendingBalances.get(userId);
    const request = C.get(`/admin/points/users/${userId}?limit=1`).then((page) => {
      balances.set(userId, page.points_balance);
      return page.points_balance;
    });
    pendingBalances.set(userId, request);
    return request;
  }

  function updateSelection() {
    $("#selected-count").textContent = `已选 ${selected.size} 条`;
    $("#bulk-approve").disabled = $("#bulk-reject").disabled = selected.size === 0 || status !== "pending";
    $$(".review-card").forEach((card) => card.classList.toggle("selected", selected.has(Number(card.dataset.id))));
  }

  function card(item) {
    const r = item.record;
    const image = el("div", { class: "evidence" }, el("span", { class: "muted small" },
      item.upload_id ? "加载凭证…" : EVIDENCE_TEXT[r.evidence_type] || "无照片凭证"));
    const balanceText = el("span", { class: "balance" }, "…");
    const outcome = el("div", { class: "outcome hidden" });
    const node = el("article", { class: "review-card", dataset: { id: String(r.id), user: String(item.user_id) } },
      image,
      el("div", { class: "review-body" },
        el("div", { class: "row" }, el("strong", {}, r.scenario_name), C.badge(r.status)),
        el("div", { class: "row small" }, el("span", { class: "muted" }, "居民"), C.person(item.user_id)),
        el("div", { class: "row small" }, el("span", { class: "muted" }, "数量"), el("span", {}, `${r.quantity} ${C.unit(r.unit)}`)),
        el("div", { class: "row small" }, el("span", { class: "muted" }, "减碳"), el("span", {}, fmt.g(r.carbon_g))),
        el("div", { class: "row small" }, el("span", { class: "muted" }, r.status === "approved" ? "已发积分" : "预计积分"),
          el("span", {}, String(r.status === "approved" ? r.points : item.expected_points))),
        el("div", { class: "row small" }, el("span", { class: "muted" }, "居民积分余额"), balanceText),
        el("div", { class: "row small" }, el("span", { class: "muted" }, "提交时间"), el("span", {}, fmt.time(r.created_at))),
        riskWhy(item)),
      outcome);
    image.append(riskBadge(item.risk_score));
    if (r.status === "pending") {
      const pick = el("input", { type: "checkbox", "aria-label": `选择打卡 ${r.id}` });
      pick.addEventListener("change", () => { pick.checked ? selected.add(r.id) : selected.delete(r.id); updateSelection(); });
      image.append(el("label", { class: "pick" }, pick, "选择"));
      const reason = reasonSelect(`reason-${r.id}`);
      const approve = el("button", { class: "primary", dataset: { action: "approve" } }, "通过");
      const reject = el("button", { class: "danger", dataset: { action: "reject" } }, "驳回");
      approve.addEventListener("click", () => decide(node, item, "approve"));
      reject.addEventListener("click", () => decide(node, item, "reject", chosenReason(reason)));
      node.append(el("div", { class: "review-actions" }, approve, reason, reject));
    }
    if (item.upload_id) {
      C.blobUrl(`/admin/uploads/${item.upload_id}`).then((url) => {
        const img = el("img", { src: url, alt: `打卡 ${r.id} 的凭证照片` });
        img.addEventListener("click", () => { $("#photo-large").src = url; $("#photo-dialog").showModal(); });
        image.querySelector("span.muted")?.remove();
        image.prepend(img);
      }).catch(() => { image.querySelector("span.muted").textContent = "凭证加载失败"; });
    }
    balanceOf(item.user_id).then((b) => { balanceText.textContent = fmt.int(b); }).catch(() => { balanceText.textContent = "-"; });
    return node;
  }

  async function decide(node, item, decision, reason) {
    if (decision === "reject" && !reason) return;
    $$("button, select", node).forEach((b) => { b.disabled = true; });
    const before = balances.get(item.user_id);
    try {
      const path = `/admin/checkins/${item.record.id}/${decision}`;
      const result = decision === "approve" ? await C.post(path, undefined, { idempotent: true })
        : await C.post(path, { note: reason });
      const after = await balanceOf(item.user_id, true);
      $$(`.review-card[data-user="${item.user_id}"] .balance`).forEach((b) => { b.textContent = fmt.int(after); });
      node.classList.add("done");
      node.dataset.status = result.record.status;
      const outcome = node.querySelector(".outcome");
      outcome.classList.remove("hidden");
      outcome.textContent = decision === "approve"
        ? `✓ 已通过，发放 ${result.record.points} 积分${after - before > result.record.points
          ? `（另有活动加成 ${after - before - result.record.points}）` : ""}；居民余额 ${fmt.int(before)} → ${fmt.int(after)}`
        : `✗ 已驳回（${reason}），已通过微信通知居民`;
      node.querySelector(".review-actions")?.remove();
      selected.delete(item.record.id);
      updateSelection();
      C.toast(decision === "approve" ? "已通过" : "已驳回", "ok");
    } catch (err) {
      $$("button, select", node).forEach((b) => { b.disabled = false; });
      C.fail(err);
    }
  }

  async function bulk(decision) {
    const ids = [...selected];
    let note = "";
    if (decision === "reject") { note = chosenReason($("#bulk-reason")); if (!note) return; }
    if (!confirm(`确定${decision === "approve" ? "通过" : "驳回"}选中的 ${ids.length} 条打卡？`)) return;
    const box = $("#bulk-jobs");
    box.classList.remove("hidden");
    const widget = C.jobProgress(`批量${decision === "approve" ? "通过" : "驳回"} ${ids.length} 条`);
    box.prepend(widget.node);
    try {
      const job = await C.post("/admin/jobs/checkin-review", { record_ids: ids, decision, note }, { idempotent: true });
      const done = await C.pollJob(job.id, widget.update);
      if (done.status === "finished") {
        const failed = done.result.failed;
        widget.node.append(el("div", { class: "small" }, `成功 ${done.result.succeeded} 条` +
          (failed.length ? `，失败 ${failed.length} 条：${failed.map((f) => `#${f.id} ${f.message}`).join("；")}` : "")));
      } else {
        widget.node.append(el("div", { class: "small badge red" }, done.error || "任务失败"));
      }
      selected.clear();
      pendingBalances.clear();
      list.reload();
    } catch (err) { C.fail(err); }
  }

  C.start(async () => {
    $("#bulk-reason").replaceWith(reasonSelect("bulk-reason"));
    $("#select-all").addEventListener("change", (e) => {
      $$(".review-card").forEach((c) => {
        if (c.dataset.status && c.dataset.status !== "pending") return;
        const box = c.querySelector(".pick input");
        if (!box) return;
        box.checked = e.target.checked;
        e.target.checked ? selected.add(Number(c.dataset.id)) : selected.delete(Number(c.dataset.id));
      });
      updateSelection();
    });
    $("#bulk-approve").addEventListener("click", () => bulk("approve"));
    $("#bulk-reject").addEventListener("click", () => bulk("reject"));
    $("#reload").addEventListener("click", () => list.reload());
    $("#photo-dialog").addEventListener("click", () => $("#photo-dialog").close());
    C.statusFilter((picked) => {
      status = picked;
      selected.clear();
      updateSelection();
      list.reload();
    });
    const queue = $("#queue");
    list = C.pager(queue, (cursor) => {
      if (!cursor) pendingBalances.clear();  // a fresh list reads fresh balances
      return C.get(`/admin/checkins?status=${status}&limit=24${cursor ? `&cursor=${cursor}` : ""}`);
    },
      (items) => {
        if (!items.length && !queue.children.length) {
          queue.append(el("div", { class: "card empty" }, status === "pending" ? "没有待审核的打卡，辛苦了" : "暂无记录"));
        }
        items.forEach((item) => queue.append(card(item)));
        $("#select-all").checked = false;
      });
    await list.reload();
  });
})();
