/* Alliance applications (入驻申请): the queue of shops residents submitted from the
 * mini-program, each with its licence photo (fetched with the bearer token); approve
 * (the merchant is created, the applicant becomes its owner) or reject with a reason the
 * applicant reads. A refused decision (e.g. the applicant withdrew meanwhile, or another
 * operator decided first) is shown on the row, and the list is reloaded. */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $, fmt } = C;
  let status = "pending";
  let list;

  const degrees = (e6) => (e6 === null || e6 === undefined ? "-" : (e6 / 1e6).toFixed(6));

  function shop(a) {
    return el("div", {},
      el("strong", {}, a.name),
      a.description ? el("div", { class: "small muted" }, a.description) : null);
  }

  function place(a) {
    return el("div", { class: "small" },
      el("div", {}, a.address),
      el("div", { class: "muted" }, `电话 ${a.phone} · ${a.opening_hours}`),
      el("div", { class: "muted" }, `位置 ${degrees(a.latitude_e6)}, ${degrees(a.longitude_e6)}（GCJ-02）`));
  }

  function licence(a) {
    const cell = el("div", { class: "licence" }, el("span", { class: "small muted" }, "执照加载中…"));
    C.blobUrl(`/admin/uploads/${encodeURIComponent(a.licence_upload_id)}`).then((url) => {
      const img = el("img", { src: url, alt: `申请 ${a.id} 的营业执照`, class: "licence-thumb" });
      img.addEventListener("click", () => { $("#licence-large").src = url; $("#licence-dialog").showModal(); });
      cell.replaceChildren(img);
    }).catch(() => { cell.replaceChildren(el("span", { class: "small muted" }, "执照加载失败")); });
    return cell;
  }

  function outcome(a) {
    if (a.status === "approved") return el("span", { class: "small muted" }, `商户 #${a.merchant_id}`);
    if (a.status === "rejected") return el("span", { class: "small muted note" }, a.review_note);
    return "";
  }

  function actions(a) {
    if (a.status !== "pending") return outcome(a);
    const approve = el("button", { class: "primary small", dataset: { action: "approve" } }, "通过入驻");
    const reason = el("input", { type: "text", maxlength: "200", placeholder: "驳回理由（申请人可见）",
      "aria-label": `驳回申请 ${a.id} 的理由`, class: "reason" });
    const reject = el("button", { class: "danger small", dataset: { action: "reject" } }, "驳回");
    const error = el("div", { class: "small row-error hidden", role: "alert" });
    const box = el("div", {}, el("div", { class: "toolbar" }, approve, reason, reject), error);
    const busy = (on) => { approve.disabled = reject.disabled = reason.disabled = on; };
    const show = (message) => { error.textContent = message; error.classList.toggle("hidden", !message); };

    async function decide(path, body, done) {
      busy(true);
      show("");
      try {
        await C.post(`/admin/merchant-applications/${a.id}/${path}`, body);
        C.toast(done, "ok");
        list.reload();
      } catch (err) {
        busy(false);
        if (!(err instanceof C.ApiError)) { C.fail(err); return; } // a bug: logged too
        show(err.describe());
        C.toast(err.describe(), "error");
        // Decided elsewhere (withdrawn, another operator): show what it is now.
        if (err.reason === "application_decided") setTimeout(() => list.reload(), 1500);
      }
    }
    approve.addEventListener("click", () => decide("approve", {}, `「${a.name}」已通过，申请人成为店主`));
    reject.addEventListener("click", () => {
      const text = reason.value.trim();
      if (!text) { show("请填写驳回理由，申请人会看到它"); reason.focus(); return; }
      decide("reject", { reason: text }, `已驳回「${a.name}」`);
    });
    return box;
  }

  C.start(async () => {
    const box = $("#application-list");
    let rows = [];
    list = C.pager(box, (cursor) => C.get(`/admin/merchant-applications?limit=50${status ? `&status=${status}` : ""}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`),
      (items, reset) => {
        rows = reset ? items : rows.concat(items);
        box.replaceChildren(C.table([
          { title: "ID", key: "id" },
          { title: "店铺", render: shop },
          { title: "地址与营业", render: place },
          { title: "营业执照", render: licence },
          { title: "申请人", render: (a) => `居民 #${a.user_id}` },
          { title: "提交时间", render: (a) => fmt.time(a.created_at) },
          { title: "状态", render: (a) => C.badge(a.status) },
          { title: "处理", render: actions },
        ], rows.map((a) => Object.assign(a, { __data: { id: String(a.id) } })), "没有符合条件的入驻申请"));
      });
    C.statusFilter((picked) => { status = picked; list.reload(); });
    $("#reload").addEventListener("click", () => list.reload());
    $("#licence-dialog").addEventListener("click", () => $("#licence-dialog").close());
    await list.reload();
  });
})();
