/* Merchants: admit a merchant (with a console login for its owner, or an existing user). */
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
        message = `已添加「${result.merchant.name}」。店主可用用户名 ${result.owner.username} 登录控制台 /console/login。`;
      } else {
        const merchant = await C.post("/admin/merchants", { ...common, owner_user_id: C.intOrNull(data.owner_user_id) });
        message = `已添加「${merchant.name}」，用户 #${merchant.owner_user_id} 成为店主。`;
      }
      $("#created").textContent = message;
      $("#created").classList.remove("hidden");
      event.target.reset();
      C.toast("商户已添加", "ok");
      list.reload();
    } catch (err) { C.fail(err); }
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
          { title: "店主用户", render: (m) => `#${m.owner_user_id}` },
          { title: "电话", key: "phone" },
          { title: "地址", key: "address" },
          { title: "状态", render: (m) => C.badge(m.status, m.status === "active" ? "正常" : m.status) },
          { title: "加入时间", render: (m) => fmt.time(m.created_at) },
        ], rows, "还没有商户"));
      });
    await list.reload();
  });
})();
