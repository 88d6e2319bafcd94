/* The registry pages' shared labels and helpers (核证减排量): batch statuses, retirement
 * purposes, holder kinds, kg and yuan, CSV download buttons, whole lists for selects, and
 * an Idempotency-Key per form (a double submit of the same form moves units once).
 * Loaded after console.js on the pages that list "registry.js" in app/console/pages.py.
 */
(function () {
  "use strict";
  const C = window.Console;
  const { el, fmt } = C;

  const BATCH = {
    draft: ["草稿", ""], submitted: ["待核查", "amber"], returned: ["已退回", "red"],
    verified: ["已核查", "blue"], issued: ["已签发", "green"],
  };
  const PURPOSES = {
    compliance: "履约抵消", voluntary: "自愿碳中和", event: "活动碳中和", personal: "个人碳中和",
  };
  const HOLDER_KINDS = {
    platform: "平台", enterprise: "企业", event_organiser: "活动主办方", other: "其他",
  };

  function batchBadge(status) {
    const [text, color] = BATCH[status] || [status, ""];
    return el("span", { class: `badge ${color}`, dataset: { status } }, text);
  }

  const kg = (n) => `${fmt.int(n)} kg`; // one unit is 1 kgCO2e
  const period = (b) => `${fmt.date(b.period_start)} ~ ${fmt.date(b.period_end)}`;
  const withQuery = (path, query) => `${path}${path.includes("?") ? "&" : "?"}${query}`;

  /** "12.5" -> 1250 fen; null unless a yuan amount with at most two decimals. */
  function yuanToFen(text) {
    const m = String(text ?? "").trim().match(/^(\d{1,13})(?:\.(\d{1,2}))?$/);
    return m ? Number(m[1]) * 100 + Number((m[2] || "").padEnd(2, "0")) : null;
  }

  /** A button that downloads the list at `path` (or path()) with ?format=csv. */
  function csvButton(path, filename, label = "导出 CSV") {
    const button = el("button", { class: "small", type: "button", dataset: { csv: filename } }, label);
    button.addEventListener("click", () => {
      const at = typeof path === "function" ? path() : path;
      C.download(withQuery(at, "format=csv"), filename).catch(C.fail);
    });
    return button;
  }

  /** Every item of a list, following next_cursor (at most `pages` of 100). */
  async function all(path, pages = 20) {
    const items = [];
    let cursor = null;
    for (let i = 0; i < pages; i += 1) {
      const page = await C.get(withQuery(path, `limit=100${cursor ? `&cursor=${cursor}` : ""}`));
      items.push(...page.items);
      cursor = page.next_cursor;
      if (!cursor) break;
    }
    return items;
  }

  /** Fill a <select> with options [value, text]; keeps `selected` chosen if present. */
  function fillSelect(select, options, placeholder, selected) {
    select.replaceChildren(
      ...(placeholder ? [el("option", { value: "" }, placeholder)] : []),
      ...options.map(([value, text]) => el("option", { value: String(value) }, text)));
    if (selected !== undefined && selected !== null) select.value = String(selected);
  }

  /** The public certificate page of a retirement (opens in a new tab). */
  function certificateLink(id) {
    return el("a", { href: `/registry/certificates/${encodeURIComponent(id)}`, target: "_blank",
      rel: "noopener", class: "mono", dataset: { certificate: id } }, id);
  }

  /** A page's ?name= query parameter as an integer, or null. */
  const param = (name) => C.intOrNull(new URLSearchParams(location.search).get(name));

  /** One Idempotency-Key per form content: the same form sent twice (a double click, a
   * retry after a timeout) carries the same key and moves units once; editing the form or
   * a success starts a new key, so the next, different request is never a "replay". */
  function formKey(form) {
    let key = C.idempotencyKey();
    const renew = () => { key = C.idempotencyKey(); };
    form.addEventListener("input", renew);
    form.addEventListener("change", renew);
    return { get: () => key, renew };
  }

  window.Registry = {
    BATCH, PURPOSES, HOLDER_KINDS, batchBadge, kg, period, yuanToFen, csvButton, all,
    fillSelect, certificateLink, param, formKey,
  };
})();
