/**
 * The server side of the fake `wx.request`: a tiny router that answers like the API in
 * shared/API.md (bearer tokens, the error body with `reason`, Idempotency-Key replay) so
 * the client's behaviour can be checked. Tests add routes with `on(method, path, fn)`.
 */

const BASE = '/api/v1';

function errorBody(status, reason, message, errors) {
  const body = { code: status, status: 'error', message: message || reason, reason };
  if (errors) body.errors = errors;
  return body;
}

function createBackend(options = {}) {
  const state = {
    tokens: new Set(),
    tokenCount: 0,
    logins: 0,
    loginCodes: [],
    user: options.user || { id: 7, nickname: '小绿', roles: ['resident'] },
    idempotency: {}, // key -> {bodyText, response}
    requests: [], // {method, path, query, body, headers}
    delayMs: 0,
  };
  const routes = [];

  function on(method, template, handler, opts = {}) {
    const names = [];
    const pattern = new RegExp(
      `^${template.replace(/\{(\w+)\}/g, (m, name) => {
        names.push(name);
        return '([^/]+)';
      })}$`,
    );
    routes.unshift({ method, pattern, names, handler, auth: opts.auth !== false });
  }

  function issueToken() {
    state.tokenCount += 1;
    const token = `tok-${state.tokenCount}`;
    state.tokens.add(token);
    return token;
  }

  on(
    'POST',
    '/auth/wx-login',
    ({ body }) => {
      state.logins += 1;
      state.loginCodes.push(body.code);
      if (!body.code || String(body.code).startsWith('bad')) {
        return { status: 401, body: errorBody(401, 'wechat_login_failed', '微信登录失败') };
      }
      return { status: 200, body: { token: issueToken(), expires_in: 3600, user: state.user } };
    },
    { auth: false },
  );
  on('GET', '/auth/me', () => ({ status: 200, body: state.user }));

  function parse(url) {
    const match = url.match(/^https?:\/\/[^/]+(\/[^?]*)(?:\?(.*))?$/);
    const path = match ? match[1] : url;
    const query = {};
    (match && match[2] ? match[2].split('&') : []).forEach((pair) => {
      const [k, v] = pair.split('=');
      query[decodeURIComponent(k)] = decodeURIComponent(v || '');
    });
    return { path, query };
  }

  async function server(req) {
    const { path, query } = parse(req.url);
    const headers = req.header || {};
    const body = req.kind === 'uploadFile' ? { filePath: req.filePath, name: req.name } : req.data || {};
    const method = req.kind === 'uploadFile' ? 'POST' : (req.method || 'GET').toUpperCase();
    state.requests.push({ method, path, query, body, headers });
    if (state.delayMs) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
    if (path === '/sandbox/login-code') {
      return { status: 200, body: { code: `sandbox-code-${state.requests.length}`, openid: body.openid } };
    }
    if (path === '/sandbox/werun-data') {
      return { status: 200, body: { encrypted_data: `enc-${body.openid}`, iv: 'iv-dev' } };
    }
    if (!path.startsWith(BASE)) return { status: 404, body: errorBody(404, 'not_found') };
    const apiPath = path.slice(BASE.length);
    const route = routes.find((r) => r.method === method && r.pattern.test(apiPath));
    if (!route) return { status: 404, body: errorBody(404, 'not_found', '未找到') };
    if (route.auth) {
      const auth = headers.Authorization || '';
      const token = auth.replace(/^Bearer /, '');
      if (!token) return { status: 401, body: errorBody(401, 'missing_token', '请先登录') };
      if (!state.tokens.has(token)) {
        return { status: 401, body: errorBody(401, 'invalid_token', '登录已失效，请重新登录') };
      }
    }
    const key = headers['Idempotency-Key'];
    const bodyText = JSON.stringify(body);
    if (key && state.idempotency[key]) {
      const stored = state.idempotency[key];
      if (stored.bodyText !== bodyText) {
        return { status: 422, body: errorBody(422, 'idempotency_key_reused', '幂等键已被使用') };
      }
      return stored.response;
    }
    const params = {};
    const values = apiPath.match(route.pattern).slice(1);
    route.names.forEach((name, i) => {
      params[name] = decodeURIComponent(values[i]);
    });
    const response = await route.handler({ method, path: apiPath, params, query, body, headers, state });
    if (response && response.fail) return response;
    if (key && response.status >= 200 && response.status < 300) {
      state.idempotency[key] = { bodyText, response };
    }
    return response;
  }

  return {
    state,
    on,
    server,
    errorBody,
    /** Forget every token: the next authenticated request gets 401 invalid_token. */
    expireTokens() {
      state.tokens.clear();
    },
    requestsTo(method, path) {
      return state.requests.filter((r) => r.method === method && r.path === BASE + path);
    },
  };
}

module.exports = { createBackend, errorBody };
