/* Exports and the expiry run: RQ jobs whose progress the page polls. */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $ } = C;
  const TABLES = [["checkins", "打卡记录"], ["coupons", "兑换券"], ["ledger", "积分流水"],
    ["adjustments", "积分调整"], ["audit", "审计日志"]];

  async function track(title, start, onDone) {
    $("#no-jobs")?.remove();
    const widget = C.jobProgress(title);
    $("#jobs").prepend(widget.node);
    try {
      const job = await start();
      const done = await C.pollJob(job.id, widget.update);
      if (done.status === "finished") onDone(done, widget.node);
      else widget.node.append(el("div", { class: "badge red" }, done.error || "任务失败"));
    } catch (err) { C.fail(err); widget.node.append(el("div", { class: "badge red" }, err.message)); }
  }

  C.start(async () => {
    for (const [table, label] of TABLES) {
      const button = el("button", { dataset: { table } }, `导出${label}`);
      button.addEventListener("click", () => track(`导出${label}`,
        () => C.post("/admin/jobs/exports", { table }),
        (job, node) => {
          const link = el("button", { class: "primary small", dataset: { download: job.id } }, `下载 ${job.result.filename}（${job.result.rows} 行）`);
          link.addEventListener("click", () => C.download(`/admin/jobs/${job.id}/file`, job.result.filename).catch(C.fail));
          node.append(el("div", {}, link));
        }));
      $("#export-buttons").append(button);
    }
    $("#run-expiry").addEventListener("click", () => {
      if (!confirm("确定现在运行积分过期处理？到期积分将被转入过期账户。")) return;
      track("积分过期处理", () => C.post("/admin/jobs/points-expiry", {}, { idempotent: true }),
        (job, node) => node.append(el("div", { class: "small" },
          `已处理 ${job.result.accounts} 个账户，过期 ${job.result.points} 积分`)));
    });
  });
})();
