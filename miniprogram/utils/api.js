/**
 * The one API client of the mini-program (contract: shared/API.md, base path /api/v1).
 *
 * - ENDPOINTS is the single table of every call the mini-program makes; the contract
 *   test checks each path against the backend's OpenAPI document.
 * - Login: wx.login -> POST /auth/wx-login; the token lives in storage (utils/session.js).
 *   A 401 triggers ONE transparent re-login and ONE retry; concurrent 401s share the
 *   same re-login.
 * - Every POST that moves points, stock or coupons is `idempotent`: it carries an
 *   Idempotency-Key created once per user action and kept across every retry of that
 *   action (the 401 retry, the automatic network retry, and the user tapping again after
 *   a timeout), so a retry can never redeem, cancel or verify twice.
 * - Failures are thrown as ApiError with a Chinese `message` from utils/errors.js.
 */

const config = require('../config');
const errors = require('./errors');
const session = require('./session');

const ENDPOINTS = {
  wxLogin: { method: 'POST', path: '/auth/wx-login', auth: false },
  me: { method: 'GET', path: '/auth/me' },
  logout: { method: 'POST', path: '/auth/logout' },

  scenarios: { method: 'GET', path: '/scenarios' },
  campaigns: { method: 'GET', path: '/campaigns' },
  createCheckin: { method: 'POST', path: '/checkins', idempotent: true },
  upload: { method: 'POST', path: '/uploads', upload: true },
  werunSync: { method: 'POST', path: '/werun/sync', idempotent: true },
  account: { method: 'GET', path: '/me/account' },
  ledger: { method: 'GET', path: '/me/ledger' },
  expiringPoints: { method: 'GET', path: '/me/points/expiring' },
  records: { method: 'GET', path: '/me/carbon-records' },
  leaderboard: { method: 'GET', path: '/leaderboard' },

  offers: { method: 'GET', path: '/offers' },
  offer: { method: 'GET', path: '/offers/{offer_id}' },
  redeem: { method: 'POST', path: '/offers/{offer_id}/redeem', idempotent: true },
  coupons: { method: 'GET', path: '/me/coupons' },
  coupon: { method: 'GET', path: '/me/coupons/{coupon_id}' },
  cancelCoupon: { method: 'POST', path: '/me/coupons/{coupon_id}/cancel', idempotent: true },

  consents: { method: 'GET', path: '/me/consents' },
  setConsent: { method: 'PUT', path: '/me/consents/{scenario}' },
  // A file (Content-Disposition: attachment): fetched with api.download, not api.call.
  exportData: { method: 'GET', path: '/me/export', download: true },
  deleteAccount: { method: 'DELETE', path: '/me' },
  registryConsent: { method: 'GET', path: '/me/registry-consent' },
  setRegistryConsent: { method: 'PUT', path: '/me/registry-consent' },
  reductions: { method: 'GET', path: '/me/reductions' },

  sinkProjects: { method: 'GET', path: '/sinks/projects', auth: false },
  sinkTrees: { method: 'GET', path: '/sinks/projects/{project_id}/trees', auth: false },
  adoptTree: { method: 'POST', path: '/sinks/trees/{tree_id}/adopt', idempotent: true },
  adoptions: { method: 'GET', path: '/me/adoptions' },
  offsetPools: { method: 'GET', path: '/offset-pools' },
  createOffset: { method: 'POST', path: '/me/offsets', idempotent: true },
  offsets: { method: 'GET', path: '/me/offsets' },
  // No Idempotency-Key on the server side: one attendance per (event, resident) is its
  // own guard, so a repeat is answered 409 attendance_recorded (never recorded twice).
  recordAttendance: { method: 'POST', path: '/events/attendance' },
  publicEvent: { method: 'GET', path: '/public/events/{public_id}', auth: false },

  noticeTemplates: { method: 'GET', path: '/notice-templates', auth: false },
  siteLookup: { method: 'GET', path: '/sites/lookup' },
  setNickname: { method: 'PUT', path: '/me/nickname' },
  uploadAvatar: { method: 'POST', path: '/me/avatar', upload: true },

  merchants: { method: 'GET', path: '/merchants' },
  merchant: { method: 'GET', path: '/merchants/{merchant_id}' },
  applyMerchant: { method: 'POST', path: '/me/merchant-applications' },
  myApplications: { method: 'GET', path: '/me/merchant-applications' },
  withdrawApplication: { method: 'POST', path: '/me/merchant-applications/{application_id}/withdraw' },

  partners: { method: 'GET', path: '/partners' },
  partnerBindings: { method: 'GET', path: '/me/partner-bindings' },
  bindPartner: { method: 'POST', path: '/me/partner-bindings' },
  unbindPartner: { method: 'DELETE', path: '/me/partner-bindings/{partner_code}' },

  merchantProfile: { method: 'GET', path: '/merchant/profile' },
  merchantOffers: { method: 'GET', path: '/merchant/offers' },
  merchantOffer: { method: 'GET', path: '/merchant/offers/{offer_id}' },
  createMerchantOffer: { method: 'POST', path: '/merchant/offers', idempotent: true },
  updateMerchantOffer: { method: 'PATCH', path: '/merchant/offers/{offer_id}' },
  pauseMerchantOffer: { method: 'POST', path: '/merchant/offers/{offer_id}/pause' },
  resumeMerchantOffer: { method: 'POST', path: '/merchant/offers/{offer_id}/resume' },
  merchantCoupons: { method: 'GET', path: '/merchant/coupons' },
  verifyCoupon: { method: 'POST', path: '/merchant/coupons/verify', idempotent: true },
  settlement: { method: 'GET', path: '/merchant/settlement' },
  createStaffInvite: { method: 'POST', path: '/merchant/staff-invites' },
  joinStaff: { method: 'POST', path: '/merchant/staff/join' },
};

// Automatic retries of a request that never got an answer (safe: GET or idempotent).
const NETWORK_RETRIES = 1;
const NETWORK_RETRY_DELAY_MS = 400;

class ApiError extends Error {
  constructor({ status = 0, reason, serverMessage = '', errors: fieldErrors = null, call = '' }) {
    super(errors.messageFor(reason, { status, serverMessage, errors: fieldErrors, call }));
    this.name = 'ApiError';
    this.status = status;
    this.reason = reason;
    this.serverMessage = serverMessage;
    this.errors = fieldErrors;
    this.network = reason === 'network_error' || reason === 'timeout';
    this.retryable = errors.isTransient(reason, status);
  }
}

// Keys of user actions that have not reached a definitive answer yet, by action scope.
const pendingKeys = {};
let loginPromise = null;

function newIdempotencyKey() {
  const random = () => `0000000${Math.floor(Math.random() * 0x100000000).toString(16)}`.slice(-8);
  return `mp-${Date.now().toString(36)}-${random()}${random()}${random()}`;
}

function stableStringify(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(value[k])}`).join(',')}}`;
}

function fillPath(path, params) {
  return path.replace(/\{(\w+)\}/g, (match, name) => {
    const value = params && params[name];
    if (value === undefined || value === null || value === '') {
      throw new Error(`missing path parameter ${name} for ${path}`);
    }
    return encodeURIComponent(String(value));
  });
}

function buildUrl(path, params, query) {
  let url = config.get().baseUrl + fillPath(path, params);
  const parts = [];
  Object.keys(query || {}).forEach((name) => {
    const value = query[name];
    if (value !== undefined && value !== null && value !== '') {
      parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`);
    }
  });
  if (parts.length) url += `?${parts.join('&')}`;
  return url;
}

function networkError(err) {
  const text = (err && err.errMsg) || '';
  return new ApiError({ reason: /timeout|超时/i.test(text) ? 'timeout' : 'network_error' });
}

/** One HTTP exchange through wx.request, wx.uploadFile or wx.downloadFile: resolves
 * {statusCode, data} ({statusCode, tempFilePath} for a download). */
function send({ method, url, data, header, upload, download }) {
  return new Promise((resolve, reject) => {
    const common = {
      url,
      header,
      timeout: config.get().timeout,
      success: (res) => resolve(res),
      fail: (err) => reject(networkError(err)),
    };
    if (upload) {
      wx.uploadFile({ ...common, filePath: upload.filePath, name: upload.name || 'file' });
    } else if (download) {
      wx.downloadFile(common);
    } else {
      wx.request({ ...common, method, data, dataType: 'json' });
    }
  });
}

function parseBody(data) {
  if (typeof data !== 'string') return data;
  if (!data) return null;
  try {
    return JSON.parse(data);
  } catch (e) {
    return undefined;
  }
}

function toResult(res, call) {
  const body = parseBody(res.data);
  const status = res.statusCode;
  if (status >= 200 && status < 300) {
    if (body === undefined) throw new ApiError({ status, reason: 'bad_response', call });
    return status === 204 ? null : body;
  }
  const error = body && typeof body === 'object' ? body : {};
  throw new ApiError({
    status,
    reason: error.reason || (status === 401 ? 'unauthorized' : `http_${status}`),
    serverMessage: error.message || '',
    errors: error.errors || null,
    call,
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------- login

function requestLoginCode() {
  const dev = config.get().devLoginCode;
  if (dev) return require('./devsandbox').mintLoginCode(dev.sandboxUrl);
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => (res.code ? resolve(res.code) : reject(new ApiError({ reason: 'wx_login_failed' }))),
      fail: () => reject(new ApiError({ reason: 'wx_login_failed' })),
    });
  });
}

async function doLogin() {
  const code = await requestLoginCode();
  const res = await send({
    method: 'POST',
    url: buildUrl(ENDPOINTS.wxLogin.path),
    data: { code },
    header: { 'content-type': 'application/json' },
  });
  const body = toResult(res);
  return session.save(body);
}

/** Log in (or join the login already under way). Resolves the new session. */
function login() {
  if (!loginPromise) {
    loginPromise = doLogin().then(
      (value) => {
        loginPromise = null;
        return value;
      },
      (err) => {
        loginPromise = null;
        throw err;
      },
    );
  }
  return loginPromise;
}

async function ensureToken() {
  const token = session.validToken();
  if (token) return token;
  return (await login()).token;
}

/** After a 401 for `usedToken`: reuse a token someone else already refreshed, else log in. */
async function tokenAfter401(usedToken) {
  const current = session.validToken();
  if (current && current !== usedToken) return current;
  session.clear();
  return (await login()).token;
}

// ---------------------------------------------------------------- calls

async function exchange(name, endpoint, request) {
  const attempt = async (token) => {
    const header = { ...request.header };
    if (token) header.Authorization = `Bearer ${token}`;
    for (let tries = 0; ; tries += 1) {
      try {
        return await send({ ...request, header });
      } catch (err) {
        const safe = endpoint.method === 'GET' || endpoint.idempotent;
        if (!err.network || !safe || tries >= NETWORK_RETRIES) throw err;
        await sleep(NETWORK_RETRY_DELAY_MS);
      }
    }
  };
  if (endpoint.auth === false) return toResult(await attempt(null), name);
  const token = await ensureToken();
  let res = await attempt(token);
  const reason = res.statusCode === 401 && (parseBody(res.data) || {}).reason;
  if (res.statusCode === 401 && reason !== 'account_deleted') {
    res = await attempt(await tokenAfter401(token));
  }
  return toResult(res, name);
}

/**
 * Call an endpoint by name.
 * @param {string} name a key of ENDPOINTS
 * @param {object} [options] {params, query, data, filePath (uploads), idempotencyKey}
 */
async function call(name, options = {}) {
  const endpoint = ENDPOINTS[name];
  if (!endpoint) throw new Error(`unknown endpoint ${name}`);
  const url = buildUrl(endpoint.path, options.params, options.query);
  const hasBody = ['POST', 'PUT', 'PATCH'].indexOf(endpoint.method) >= 0 && !endpoint.upload;
  const data = hasBody ? options.data || {} : undefined;
  const header = hasBody ? { 'content-type': 'application/json' } : {};

  let scope = null;
  if (endpoint.idempotent) {
    // One user action = one key: the same call with the same body reuses the key until
    // it gets a definitive answer (success, or a "no" that retrying cannot change).
    scope = options.idempotencyKey ? null : `${endpoint.method} ${url} ${stableStringify(data)}`;
    header['Idempotency-Key'] =
      options.idempotencyKey || pendingKeys[scope] || (pendingKeys[scope] = newIdempotencyKey());
  }
  const request = { method: endpoint.method, url, data, header };
  if (endpoint.upload) request.upload = { filePath: options.filePath, name: 'file' };
  try {
    const result = await exchange(name, endpoint, request);
    if (scope) delete pendingKeys[scope];
    return result;
  } catch (err) {
    if (scope && !err.retryable) delete pendingKeys[scope];
    throw err;
  }
}

/**
 * Download a file endpoint (`download: true`) with the session's token, re-logging in
 * once on a 401 like `call`. Resolves the temporary file path.
 */
async function download(name, options = {}) {
  const endpoint = ENDPOINTS[name];
  if (!endpoint || !endpoint.download) throw new Error(`not a download endpoint: ${name}`);
  const request = { method: 'GET', url: buildUrl(endpoint.path, options.params, options.query), header: {}, download: true };
  const token = await ensureToken();
  const attempt = (t) => send({ ...request, header: { Authorization: `Bearer ${t}` } });
  let res = await attempt(token);
  if (res.statusCode === 401) res = await attempt(await tokenAfter401(token));
  if (res.statusCode >= 200 && res.statusCode < 300 && res.tempFilePath) return res.tempFilePath;
  throw new ApiError({ status: res.statusCode, reason: res.statusCode === 401 ? 'unauthorized' : `http_${res.statusCode}`, call: name });
}

/** GET a list page: {items, next_cursor}. */
async function list(name, options = {}) {
  const body = (await call(name, options)) || {};
  return { items: Array.isArray(body.items) ? body.items : [], next_cursor: body.next_cursor || null };
}

/** Refresh the stored user (roles change when a clerk joins a merchant). */
async function refreshUser() {
  const user = await call('me');
  session.updateUser(user);
  return user;
}

async function logout() {
  try {
    await call('logout');
  } finally {
    session.clear();
  }
}

function pendingActionCount() {
  return Object.keys(pendingKeys).length;
}

module.exports = {
  ENDPOINTS,
  ApiError,
  call,
  list,
  download,
  login,
  ensureToken,
  refreshUser,
  logout,
  buildUrl,
  fillPath,
  newIdempotencyKey,
  stableStringify,
  pendingActionCount,
};
