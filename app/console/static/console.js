/* 碳普惠 console: the shared client. Every page script uses `Console` from here.
 *
 * Auth: the bearer token from POST /api/v1/auth/operator-login lives in sessionStorage
 * (this tab only, gone when it closes) and goes in the Authorization header of every API
 * call. No cookie carries credentials, so there is nothing for CSRF to ride on.
 * Data is always put in the page with textContent / DOM nodes, never as HTML.
 */
(function () {
  "use strict";
  const API = "/api/v1";
  const TOKEN_KEY = "tph.console.token";
  const USER_KEY = "tph.console.user";
  // Who may open a page of each audience (the body's data-audience), and where each
  // kind of account lands after login. The API decides what anyone may do; this only
  // picks the pages and the nav a tab shows.
  const AUDIENCES = {
    operator: { roles: ["operator"], home: "/console/", label: () => "运营" },
    merchant: { roles: ["merchant_owner", "merchant_clerk"], home: "/console/m-offers",
      label: (roles) => (roles.has("merchant_owner") ? "店主" : "店员") },
    verifier: { roles: ["verifier"], home: "/console/v-inbox", label: () => "核查机构" },
    holder: { roles: ["holder"], home: "/console/h-holdings", label: () => "持有机构" },
  };
  /** The audiences a user belongs to, in AUDIENCES order (the first one is their home). */
  function audiencesOf(user) {
    const roles = new Set((user && user.roles) || []);
    return Object.keys(AUDIENCES).filter((a) => AUDIENCES[a].roles.some((r) => roles.has(r)));
  }
  function homeFor(user) {
    const [first] = audiencesOf(user);
    return first ? AUDIENCES[first].home : null;
  }

  /** What to tell a person about a failed call: the API's own Chinese message when it
   * sent one, else a plain sentence for the status (a proxy's HTML 502 says nothing). */
  function failureMessage(status, body) {
    if (body && body.message && status < 500) return body.message;
    if (status === 0) return "网络异常，请检查连接后重试";
    if (status >= 502 && status <= 504) return `服务暂时不可用，请稍后重试（${status}）`;
    if (status >= 500) return `服务器出错了，请稍后重试；如果一再出现，请联系技术支持（${status}）`;
    return `请求失败（${status}）`;
  }

  class ApiError extends Error {
    constructor(status, body) {
      super(failureMessage(status, body));
      this.status = status;
      this.reason = (body && body.reason) || "error";
      this.errors = (body && body.errors) || null;
    }
    describe() {
      if (!this.errors) return this.message;
      const parts = Object.entries(this.errors).map(([k, v]) =>
        `${k}: ${Array.isArray(v) ? v.join("；") : JSON.stringify(v)}`);
      return `${this.message}（${parts.join("，")}）`;
    }
  }

  const session = {
    get token() { return sessionStorage.getItem(TOKEN_KEY); },
    get user() {
      try { return JSON.parse(sessionStorage.getItem(USER_KEY) || "null"); } catch { return null; }
    },
    save(token, user) {
      sessionStorage.setItem(TOKEN_KEY, token);
      sessionStorage.setItem(USER_KEY, JSON.stringify(user));
    },
    clear() { sessionStorage.removeItem(TOKEN_KEY); sessionStorage.removeItem(USER_KEY); },
  };

  function toLogin() {
    session.clear();
    const next = encodeURIComponent(location.pathname + location.search);
    location.href = `/console/login?next=${next}`;
  }

  function idempotencyKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    return Array.from(crypto.getRandomValues(new Uint8Array(16)),
      (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /** Call the JSON API. Resolves with the parsed body (or a Response for raw: true).
   * A FormData body goes as multipart (file uploads), anything else as JSON. */
  async function api(method, path, body, opts = {}) {
    const headers = { Accept: opts.accept || "application/json" };
    const multipart = body instanceof FormData;
    if (session.token) headers.Authorization = `Bearer ${session.token}`;
    if (body !== undefined && !multipart) headers["Content-Type"] = "application/json";
    if (opts.idempotent) headers["Idempotency-Key"] = opts.idempotencyKey || idempotencyKey();
    let response;
    try {
      response = await fetch(API + path, {
        method, headers, credentials: "omit", cache: "no-store",
        body: body === undefined || multipart ? body : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, { reason: "network" });
    }
    if (response.status === 401 && !opts.noRedirect) {
      toLogin();
      throw new ApiError(401, { message: "登录已失效" });
    }
    if (!response.ok) {
      let errBody = null;
      try { errBody = await response.json(); } catch { /* not JSON */ }
      throw new ApiError(response.status, errBody);
    }
    if (opts.raw) return response;
    if (response.status === 204) return null;
    return response.json();
  }
  const get = (path, opts) => api("GET", path, undefined, opts);
  const post = (path, body = {}, opts) => api("POST", path, body, opts);
  const patch = (path, body, opts) => api("PATCH", path, body, opts);
  const put = (path, opts) => api("PUT", path, undefined, opts);
  const del = (path, opts) => api("DELETE", path, undefined, opts);

  /** A URL for an image the API serves behind the bearer token (for <img src>). */
  async function blobUrl(path, accept = "image/*") {
    const response = await api("GET", path, undefined, { raw: true, accept });
    return URL.createObjectURL(await response.blob());
  }

  /** Fetch a file from the API and hand it to the browser as a download. */
  async function download(path, fallbackName, accept = "text/csv") {
    const response = await api("GET", path, undefined, { raw: true, accept });
    const disposition = response.headers.get("Content-Disposition") || "";
    const match = disposition.match(/filename="?([^";]+)"?/);
    const url = URL.createObjectURL(await response.blob());
    const a = el("a", { href: url, download: match ? match[1] : fallbackName });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  /** el("td", {class: "num"}, "12"): a DOM node; strings become text, never HTML. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on") && typeof value === "function") {
        node.addEventListener(key.slice(2), value);
      } else if (value === true) node.setAttribute(key, "");
      else node.setAttribute(key, value);
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

  function toast(message, kind = "") {
    const box = $("#toasts");
    if (!box) return alert(message);
    const node = el("div", { class: `toast ${kind}`, role: "status" }, message);
    box.append(node);
    setTimeout(() => node.remove(), kind === "error" ? 6000 : 3500);
  }
  function fail(err) {
    console.error(err);
    toast(err instanceof ApiError ? err.describe() : String(err), "error");
  }

  const fmt = {
    int: (n) => (n === null || n === undefined ? "-" : Number(n).toLocaleString("zh-CN")),
    g: (g) => (g >= 1e6 ? `${(g / 1e6).toFixed(2)} 吨` : g >= 1000 ? `${(g / 1000).toFixed(2)} 千克`
      : `${Number(g).toFixed(1)} 克`),
    yuan: (fen) => `¥${(Number(fen || 0) / 100).toFixed(2)}`,
    time(iso) {
      if (!iso) return "-";
      const d = new Date(iso);
      return d.toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false,
        year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
    },
    date(iso) { return iso ? String(iso).slice(0, 10) : "-"; },
  };

  const STATUS = {
    pending: ["待审核", "amber"], approved: ["已通过", "green"], rejected: ["已驳回", "red"],
    pending_review: ["待审核", "amber"], live: ["上架中", "green"], paused: ["已暂停", ""],
    issued: ["未使用", "blue"], used: ["已核销", "green"], cancelled: ["已取消", ""],
    expired: ["已过期", ""], active: ["进行中", "green"], pending_approval: ["待复核", "amber"],
    applied: ["已生效", "green"], queued: ["排队中", ""], started: ["进行中", "blue"],
    finished: ["已完成", "green"], failed: ["失败", "red"], withdrawn: ["已撤回", ""],
    finished: ["已完成", "green"], failed: ["失败", "red"], taken_down: ["已下架", "red"],
    frozen: ["已冻结", "red"], revoked: ["已撤销", ""],
  };
  function badge(status, label) {
    const [text, color] = STATUS[status] || [status, ""];
    return el("span", { class: `badge ${color}` }, label || text);
  }

  function table(columns, rows, emptyText = "暂无数据") {
    const head = el("tr", {}, columns.map((c) => el("th", { class: c.num ? "num" : "" }, c.title)));
    const body = el("tbody");
    if (!rows.length) {
      body.append(el("tr", {}, el("td", { colspan: columns.length, class: "empty" }, emptyText)));
    }
    for (const row of rows) {
      body.append(el("tr", { dataset: row.__data || {} }, columns.map((c) => {
        const value = c.render ? c.render(row) : row[c.key];
        return el("td", { class: c.num ? "num" : "" }, value === undefined ? "" : value);
      })));
    }
    return el("div", { class: "table-wrap" }, el("table", {}, el("thead", {}, head), body));
  }

  /** Grey placeholder lines while a container's data loads (instead of a blank card). */
  function skeleton(container, lines = 4) {
    container.setAttribute("aria-busy", "true");
    container.replaceChildren(el("div", { class: "skeleton", role: "status", "aria-label": "加载中" },
      Array.from({ length: lines }, (_, i) => el("div", { class: `line${i % 3 === 2 ? " short" : ""}` }))));
  }
  function loaded(container) { container.removeAttribute("aria-busy"); }

  /** The error state of a container: what failed, in Chinese, and a 重试 button. */
  function errorState(container, err, retry) {
    loaded(container);
    const text = err instanceof ApiError ? err.describe() : "页面出错了，请刷新后重试";
    const again = el("button", { class: "small", type: "button", dataset: { action: "retry" } }, "重试");
    again.addEventListener("click", () => (retry ? retry() : location.reload()));
    container.replaceChildren(el("div", { class: "error-state", role: "alert" },
      el("strong", {}, "加载失败"), el("span", {}, text), again));
  }

  /** A list with "加载更多": fetcher(cursor) -> {items, next_cursor}; render(items) appends.
   * A (re)load shows a skeleton first, and its failure an error state with 重试. */
  function pager(container, fetcher, render) {
    let cursor = null;
    const more = el("button", { class: "small" }, "加载更多");
    const foot = el("div", { class: "toolbar" }, more);
    async function load(reset) {
      if (reset) { cursor = null; skeleton(container); foot.classList.add("hidden"); }
      more.disabled = true;
      try {
        const page = await fetcher(cursor);
        if (reset) container.replaceChildren();
        loaded(container);
        render(page.items, reset);
        cursor = page.next_cursor;
        foot.classList.toggle("hidden", !cursor);
      } catch (err) {
        if (reset) errorState(container, err, () => load(true)); else fail(err);
      } finally { more.disabled = false; }
    }
    more.addEventListener("click", () => load(false));
    container.after(foot);
    return { reload: () => load(true) };
  }

  /** The page's #status-filter buttons: marks the one clicked, then onPick(its data-status). */
  function statusFilter(onPick) {
    const buttons = $$("#status-filter button");
    buttons.forEach((b) => b.addEventListener("click", () => {
      buttons.forEach((x) => x.classList.toggle("on", x === b));
      onPick(b.dataset.status);
    }));
  }

  function formData(form) {
    const data = {};
    for (const [key, value] of new FormData(form).entries()) data[key] = value;
    return data;
  }
  const intOrNull = (v) => (v === "" || v === undefined || v === null ? null : parseInt(v, 10));

  async function whoAmI() {
    const me = await get("/auth/me");
    session.save(session.token, me);
    return me;
  }

  /** Start a console page: require a login with the page's audience, show the nav. */
  async function start(init) {
    const audience = document.body.dataset.audience;
    if (!session.token) return toLogin();
    let me;
    try { me = await whoAmI(); } catch (err) { if (err.status !== 401) fail(err); return; }
    const roles = new Set(me.roles);
    const mine = audiencesOf(me);
    $$("nav[data-audience]").forEach((n) => n.classList.toggle("hidden", !mine.includes(n.dataset.audience)));
    const who = $("#whoami");
    if (who && mine.length) who.textContent = `${me.nickname}（${AUDIENCES[mine[0]].label(roles)}）`;
    const logout = $("#logout");
    if (logout) {
      logout.addEventListener("click", async () => {
        try { await post("/auth/logout", undefined, { noRedirect: true }); } catch { /* gone */ }
        toLogin();
      });
    }
    if (!mine.includes(audience)) {
      // The operators' home is where a login without `next` lands: send others to theirs.
      if (audience === "operator" && mine.length) { location.href = homeFor(me); return; }
      $("#denied")?.classList.remove("hidden");
      return;
    }
    const content = $("#content");
    content?.classList.remove("hidden");
    // Every container the page fills from the API shows a skeleton until it is filled;
    // if the page cannot load, each one still waiting says so, with 重试.
    if (audience === "merchant" && window.Console.merchantStanding) window.Console.merchantStanding(content);
    const waiting = $$("[data-loads]");
    waiting.forEach((box) => skeleton(box));
    // A form sent before the page has attached its handler would submit natively (a
    // reload that loses the click): its buttons wait until the page is ready.
    const early = $$("form button[type=submit]:not([disabled])", content || document);
    early.forEach((button) => { button.disabled = true; });
    try {
      await init(me);
      early.forEach((button) => { button.disabled = false; });
      waiting.filter((box) => box.querySelector(":scope > .skeleton")).forEach((box) => {
        box.replaceChildren();
        loaded(box);
      });
    } catch (err) {
      console.error(err);
      const still = waiting.filter((box) => box.querySelector(":scope > .skeleton"));
      still.forEach((box) => errorState(box, err));
      if (!still.length && content) {
        const banner = el("div", { class: "card page-error" });
        content.prepend(banner);
        errorState(banner, err);
      }
    }
  }

  window.Console = {
    api, get, post, patch, put, del, blobUrl, download, el, $, $$, toast, fail, fmt, badge, table, pager, statusFilter,
    formData, intOrNull, start, session, ApiError, idempotencyKey,
    homeFor, audiencesOf, skeleton, loaded, errorState, STATUS,
  };
})();
