/* Verifiers (核查机构): add a verification body and console logins for its staff. */
(function () {
  "use strict";
  const C = window.Console;
  const R = window.Registry;
  const { el, $, fmt } = C;
  let list;
  let verifiers = [];

  async function refreshSelect() {
    verifiers = await R.all("/admin/registry/verifiers");
    R.fillSelect($("#l-verifier"), verifiers.map((v) => [v.id, v.name]));
  }

  C.start(async () => {
    $("#verifier-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const d = C.formData(event.target);
      try {
        const v = await C.post("/admin/registry/verifiers", { name: d.name.trim(), accreditation: d.accreditation.trim() });
        C.toast(`已添加核查机构「${v.name}」`, "ok");
        event.target.reset();
        await refreshSelect();
        $("#l-verifier").value = String(v.id);
        list.reload();
      } catch (err) { C.fail(err); }
    });
    $("#login-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const d = C.formData(event.target);
      try {
        const made = await C.post(`/admin/registry/verifiers/${d.verifier_id}/logins`, { username: d.username.trim(), password: d.password });
        const v = verifiers.find((x) => String(x.id) === d.verifier_id);
        $("#login-created").textContent = `已为「${v ? v.name : `#${d.verifier_id}`}」创建核查员账号 ${made.username}，可在 /console/login 登录。`;
        $("#login-created").classList.remove("hidden");
        event.target.reset();
      } catch (err) { C.fail(err); }
    });
    $("#verifier-tools").prepend(R.csvButton("/admin/registry/verifiers", "registry-verifiers.csv"));
    $("#reload").addEventListener("click", () => list.reload());
    await refreshSelect();
    const box = $("#verifier-list");
    let rows = [];
    list = C.pager(box, (cursor) => C.get(`/admin/registry/verifiers?limit=50${cursor ? `&cursor=${cursor}` : ""}`),
      (items, reset) => {
        rows = reset ? items : rows.concat(items);
        box.replaceChildren(C.table([
          { title: "ID", key: "id" },
          { title: "名称", key: "name" },
          { title: "资质", render: (v) => v.accreditation || "-" },
          { title: "创建时间", render: (v) => fmt.time(v.created_at) },
        ], rows, "还没有核查机构"));
      });
    await list.reload();
  });
})();
