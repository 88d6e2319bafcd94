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

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || `请求失败 (${status})`);
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
      throw new ApiError(0, { message: "网络异常，请检查连接后重试", reason: "network" });
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

  /** A list with "加载更多": fetcher(cursor) -> {items, next_cursor}; render(items) appends. */
  function pager(container, fetcher, render) {
    let cursor = null;
    const more = el("button", { class: "small" }, "加载更多");
    const foot = el("div", { class: "toolbar" }, more);
    async function load(reset) {
      if (reset) { cursor = null; container.replaceChildren(); }
      more.disabled = true;
      try {
        const page = await fetcher(cursor);
        render(page.items, reset);
        cursor = page.next_cursor;
        foot.classList.toggle("hidden", !cursor);
      } catch (err) { fail(err); } finally { more.disabled = false; }
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
    $("#content")?.classList.remove("hidden");
    try { await init(me); } catch (err) { fail(err); }
  }

  window.Console = {
    api, get, post, patch, blobUrl, download, el, $, $$, toast, fail, fmt, badge, table, pager, statusFilter,
    pollJob, jobProgress, formData, intOrNull, start, session, ApiError, idempotencyKey,
    homeFor, audiencesOf,
  };
})();
