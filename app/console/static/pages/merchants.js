/* Merchants: admit a merchant (with a console login for its owner, or an existing user);
 * freeze one (its offers stop selling, its coupons cannot be verified, its residents may
 * cancel them for a refund: docs/decisions/0940) and unfreeze it. */
(function () {
  "use strict";
  const C = window.Console;
  const { el, $, $$, fmt } = C;
  let mode = "new";
  let list;

  function setMode(next) {
    mode = next;
    $$("#owner-mode button").forEach((b) => b.classList.toggle("on", b.dataset.mode === mode));
    $$("#merchant-form [data-mode]").forEach((d) => d.classList.toggle("hidden", d.dataset.mode !== mode));
  }

  async function submit(event) {
    event.preventDefault();
    const data = C.formData(event.target);
    const common = { name: data.name.trim(), phone: data.phone.trim(), address: data.address.trim() };
    try {
      let message;
      if (mode === "new") {
        const result = await C.post("/admin/merchant-accounts",
          { ...common, username: data.username.trim(), password: data.password });
        message = [`已添加「${result.merchant.name}」。店主可用用户名 ${result.owner.username} 登录控制台 /console/login。`];
      } else {
        const merchant = await C.post("/admin/merchants", { ...common, owner_user_id: C.intOrNull(data.owner_user_id) });
        message = [`已添加「${merchant.name}」，`, C.person(merchant.owner_user_id), " 成为店主。"];
      }
      $("#created").replaceChildren(...message);
      $("#created").classList.remove("hidden");
      event.target.reset();
      C.toast("商户已添加", "ok");
      list.reload();
    } catch (err) { C.fail(err); }
  }

  function actions(m) {
    if (m.status === "frozen") {
      const thaw = el("button", { class: "small", dataset: { action: "unfreeze" } }, "解冻");
      thaw.addEventListener("click", async () => {
        if (!confirm(`解冻「${m.name}」？其商品恢复兑换，券可正常核销。`)) return;
        thaw.disabled = true;
        try { await C.post(`/admin/merchants/${m.id}/unfreeze`, {}); C.toast(`「${m.name}」已解冻`, "ok"); list.reload(); } catch (err) { thaw.disabled = false; C.fail(err); }
      });
      return thaw;
    }
    const freeze = el("button", { class: "danger small", dataset: { action: "freeze" } }, "冻结");
    freeze.addEventListener("click", async () => {
      const reason = (prompt(`冻结「${m.name}」的原因（商户可见）\n冻结后：商品停止兑换；券暂停核销；居民可取消未使用的券并退还积分。`) || "").trim();
      if (!reason) return;
      freeze.disabled = true;
      try { await C.post(`/admin/merchants/${m.id}/freeze`, { reason }); C.toast(`「${m.name}」已冻结`, "ok"); list.reload(); } catch (err) { freeze.disabled = false; C.fail(err); }
    });
    return el("div", { class: "toolbar" }, freeze,
      el("a", { class: "small", href: `/console/offers?merchant_id=${m.id}` }, "商品"));
  }

  function status(m) {
    if (m.status !== "frozen") return C.badge("active", "正常");
    return el("div", {}, C.badge("frozen"), el("div", { class: "small muted" }, `${m.frozen_reason}（${fmt.time(m.frozen_at)}）`));
  }

  C.start(async () => {
    $$("#owner-mode button").forEach((b) => b.addEventListener("click", () => setMode(b.dataset.mode)));
    $("#merchant-form").addEventListener("submit", submit);
    $("#reload").addEventListener("click", () => list.reload());
    const box = $("#merchant-list");
    let rows = [];
    list = C.pager(box, (cursor) => C.get(`/admin/merchants?limit=50${cursor ? `&cursor=${cursor}` : ""}`),
      (items, reset) => {
        rows = reset ? items : rows.concat(items);
        box.replaceChildren(C.table([
          { title: "ID", key: "id" },
          { title: "名称", key: "name" },
          { title: "店主", render: (m) => C.person(m.owner_user_id) },
          { title: "电话", key: "phone" },
          { title: "地址", key: "address" },
          { title: "状态", render: status },
          { title: "加入时间", render: (m) => fmt.time(m.created_at) },
          { title: "操作", render: actions },
        ], rows.map((m) => Object.assign(m, { __data: { id: String(m.id) } })), "还没有商户"));
      });
    await list.reload();
  });
})();
