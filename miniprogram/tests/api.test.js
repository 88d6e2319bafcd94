/** The API client: login, 401 re-login with one retry, Idempotency-Key reuse, errors. */

const { setup, loggedIn } = require('./helpers/env');

describe('login', () => {
  test('first call logs in with wx.login and keeps the token in storage', async () => {
    const env = setup();
    env.backend.on('GET', '/me/account', () => ({ status: 200, body: { points_balance: 12 } }));
    const api = require('../utils/api');

    const account = await api.call('account');

    expect(account.points_balance).toBe(12);
    expect(env.wx.__calls.login).toBe(1);
    expect(env.backend.state.loginCodes).toEqual(['wxcode-1']);
    const stored = env.wx.getStorageSync('tph_session');
    expect(stored.token).toBe('tok-1');
    expect(stored.user.roles).toEqual(['resident']);
    const [req] = env.backend.requestsTo('GET', '/me/account');
    expect(req.headers.Authorization).toBe('Bearer tok-1');
  });

  test('a stored token is used without logging in again', async () => {
    const env = setup();
    loggedIn(env, 'tok-old');
    env.backend.on('GET', '/scenarios', () => ({ status: 200, body: { items: [] } }));
    const api = require('../utils/api');

    await api.call('scenarios');

    expect(env.wx.__calls.login).toBe(0);
    expect(env.backend.requestsTo('GET', '/scenarios')[0].headers.Authorization).toBe('Bearer tok-old');
  });

  test('an expired stored token is replaced before the request is sent', async () => {
    const env = setup();
    env.wx.setStorageSync('tph_session', { token: 'tok-stale', expiresAt: Date.now() - 1000 });
    env.backend.on('GET', '/scenarios', () => ({ status: 200, body: { items: [] } }));
    const api = require('../utils/api');

    await api.call('scenarios');

    expect(env.backend.requestsTo('GET', '/scenarios')).toHaveLength(1);
    expect(env.backend.requestsTo('GET', '/scenarios')[0].headers.Authorization).toBe('Bearer tok-1');
  });

  test('develop build on a local backend gets its login code from the WeChat sandbox', async () => {
    const env = setup({ envVersion: 'develop' });
    env.backend.on('GET', '/scenarios', () => ({ status: 200, body: { items: [] } }));
    const api = require('../utils/api');

    await api.call('scenarios');

    expect(env.wx.__calls.login).toBe(0);
    const mint = env.backend.state.requests.find((r) => r.path === '/sandbox/login-code');
    expect(mint).toBeTruthy();
    expect(mint.body.openid).toMatch(/^o-dev-/);
    expect(env.backend.state.loginCodes[0]).toMatch(/^sandbox-code-/);
    const req = env.backend.requestsTo('GET', '/scenarios')[0];
    expect(env.wx.__calls.request.find((r) => r.url.includes('/scenarios')).url).toBe(
      'http://127.0.0.1:8000/api/v1/scenarios',
    );
    expect(req.headers.Authorization).toBe('Bearer tok-1');
  });

  test('a failed WeChat login is reported in Chinese', async () => {
    const env = setup();
    env.wx.login = (opts) => opts.success({ code: 'bad-code' });
    const api = require('../utils/api');

    await expect(api.call('account')).rejects.toMatchObject({
      status: 401,
      reason: 'wechat_login_failed',
      message: '微信登录失败，请稍后重试',
    });
  });
});

describe('401: one transparent re-login and one retry', () => {
  test('a dead token triggers one re-login, then the retry succeeds', async () => {
    const env = setup();
    loggedIn(env, 'tok-old');
    env.backend.expireTokens();
    env.backend.on('GET', '/me/account', () => ({ status: 200, body: { points_balance: 5 } }));
    const api = require('../utils/api');

    const account = await api.call('account');

    expect(account.points_balance).toBe(5);
    expect(env.backend.state.logins).toBe(1);
    const calls = env.backend.requestsTo('GET', '/me/account');
    expect(calls.map((c) => c.headers.Authorization)).toEqual(['Bearer tok-old', 'Bearer tok-1']);
    expect(env.wx.getStorageSync('tph_session').token).toBe('tok-1');
  });

  test('concurrent 401s share ONE re-login', async () => {
    const env = setup();
    loggedIn(env, 'tok-old');
    env.backend.expireTokens();
    env.backend.on('GET', '/me/account', () => ({ status: 200, body: { points_balance: 1 } }));
    env.backend.on('GET', '/scenarios', () => ({ status: 200, body: { items: [] } }));
    env.backend.on('GET', '/me/coupons', () => ({ status: 200, body: { items: [], next_cursor: null } }));
    env.backend.on('GET', '/leaderboard', () => ({ status: 200, body: { items: [], me: null } }));
    const api = require('../utils/api');

    const results = await Promise.all([
      api.call('account'),
      api.call('scenarios'),
      api.list('coupons', { query: { status: 'issued' } }),
      api.call('leaderboard', { query: { period: 'week' } }),
    ]);

    expect(results).toHaveLength(4);
    expect(env.backend.state.logins).toBe(1);
    expect(env.wx.__calls.login).toBe(1);
  });

  test('a second 401 after the re-login is an error, not a loop', async () => {
    const env = setup();
    loggedIn(env, 'tok-old');
    env.backend.on('GET', '/me/account', () => ({
      status: 401,
      body: env.backend.errorBody(401, 'invalid_token', '登录已失效'),
    }));
    const api = require('../utils/api');

    await expect(api.call('account')).rejects.toMatchObject({ status: 401, reason: 'invalid_token' });
    expect(env.backend.state.logins).toBe(1);
    expect(env.backend.requestsTo('GET', '/me/account')).toHaveLength(2);
  });

  test('an anonymised account is not logged in again', async () => {
    const env = setup();
    loggedIn(env, 'tok-old');
    env.backend.on('GET', '/me/account', () => ({
      status: 401,
      body: env.backend.errorBody(401, 'account_deleted', '该账号已注销'),
    }));
    const api = require('../utils/api');

    await expect(api.call('account')).rejects.toMatchObject({ reason: 'account_deleted' });
    expect(env.backend.state.logins).toBe(0);
  });

  test('an upload that gets 401 re-logs in and uploads again', async () => {
    const env = setup();
    loggedIn(env, 'tok-old');
    env.backend.expireTokens();
    env.backend.on('POST', '/uploads', () => ({ status: 201, body: { upload_id: 'up-1' } }));
    const api = require('../utils/api');

    const body = await api.call('upload', { filePath: 'wxfile://tmp/plate.jpg' });

    expect(body.upload_id).toBe('up-1');
    expect(env.wx.__calls.uploadFile).toHaveLength(2);
    expect(env.wx.__calls.uploadFile[1].filePath).toBe('wxfile://tmp/plate.jpg');
    expect(env.wx.__calls.uploadFile[1].name).toBe('file');
    expect(env.wx.__calls.uploadFile[1].header.Authorization).toBe('Bearer tok-1');
  });
});

describe('Idempotency-Key', () => {
  function redeemRoute(env, outcome) {
    let calls = 0;
    env.backend.on('POST', '/offers/{offer_id}/redeem', ({ params }) => {
      calls += 1;
      return outcome(calls, params);
    });
  }

  test('the 401 retry keeps the same Idempotency-Key', async () => {
    const env = setup();
    loggedIn(env, 'tok-old');
    env.backend.expireTokens();
    redeemRoute(env, () => ({ status: 201, body: { coupon: { id: 1, status: 'issued' }, points_balance: 0 } }));
    const api = require('../utils/api');

    await api.call('redeem', { params: { offer_id: 9 }, data: {} });

    const calls = env.backend.requestsTo('POST', '/offers/9/redeem');
    expect(calls).toHaveLength(2);
    expect(calls[0].headers['Idempotency-Key']).toBeTruthy();
    expect(calls[1].headers['Idempotency-Key']).toBe(calls[0].headers['Idempotency-Key']);
    expect(calls[1].headers.Authorization).toBe('Bearer tok-1');
  });

  test('a network failure is retried automatically with the same key', async () => {
    const env = setup();
    loggedIn(env);
    let attempts = 0;
    env.wx.request = ((request) => (opts) => {
      if (opts.url.includes('/checkins') && attempts++ === 0) {
        env.wx.__calls.request.push(opts);
        setTimeout(() => opts.fail({ errMsg: 'request:fail timeout' }), 0);
        return;
      }
      request(opts);
    })(env.wx.request);
    env.backend.on('POST', '/checkins', () => ({
      status: 201,
      body: { id: 3, scenario: 'bus_ride', status: 'approved', carbon_g: 80, points: 10 },
    }));
    const api = require('../utils/api');

    const result = await api.call('createCheckin', {
      data: { scenario: 'bus_ride', evidence: { type: 'qr', token: 'site-1' } },
    });

    expect(result.status).toBe('approved');
    const sent = env.wx.__calls.request.filter((r) => r.url.endsWith('/checkins'));
    expect(sent).toHaveLength(2);
    expect(sent[1].header['Idempotency-Key']).toBe(sent[0].header['Idempotency-Key']);
  });

  test('tapping again after a timeout reuses the key, so the server replays (no double redeem)', async () => {
    const env = setup();
    loggedIn(env);
    // The server redeems, but the answer never reaches the phone (twice: auto-retry too).
    let lost = 2;
    const realServer = env.backend.server;
    env.wx.request = (opts) => {
      env.wx.__calls.request.push(opts);
      setTimeout(async () => {
        const res = await realServer({ kind: 'request', ...opts });
        if (opts.url.includes('/redeem') && lost > 0) {
          lost -= 1;
          opts.fail({ errMsg: 'request:fail timeout' });
        } else {
          opts.success({ statusCode: res.status, data: res.body });
        }
      }, 0);
    };
    let coupons = 0;
    redeemRoute(env, () => {
      coupons += 1;
      return { status: 201, body: { coupon: { id: coupons, status: 'issued' }, points_balance: 100 - 30 * coupons } };
    });
    const api = require('../utils/api');

    await expect(api.call('redeem', { params: { offer_id: 9 }, data: {} })).rejects.toMatchObject({
      reason: 'timeout',
      retryable: true,
    });
    expect(api.pendingActionCount()).toBe(1);
    const result = await api.call('redeem', { params: { offer_id: 9 }, data: {} });

    expect(coupons).toBe(1); // the server ran the redemption once; the retry was replayed
    expect(result.coupon.id).toBe(1);
    const keys = env.wx.__calls.request.filter((r) => r.url.includes('/redeem')).map((r) => r.header['Idempotency-Key']);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(api.pendingActionCount()).toBe(0);
  });

  test('after a definitive answer the next action gets a new key', async () => {
    const env = setup();
    loggedIn(env);
    redeemRoute(env, (n) =>
      n === 1
        ? { status: 409, body: env.backend.errorBody(409, 'insufficient_points', 'no') }
        : { status: 201, body: { coupon: { id: 5, status: 'issued' }, points_balance: 0 } },
    );
    const api = require('../utils/api');

    await expect(api.call('redeem', { params: { offer_id: 9 }, data: {} })).rejects.toMatchObject({
      reason: 'insufficient_points',
      message: '积分不足，先去打卡攒积分吧',
      retryable: false,
    });
    await api.call('redeem', { params: { offer_id: 9 }, data: {} });
    await api.call('redeem', { params: { offer_id: 9 }, data: {} });

    const keys = env.backend.requestsTo('POST', '/offers/9/redeem').map((r) => r.headers['Idempotency-Key']);
    expect(new Set(keys).size).toBe(3);
  });

  test.each([
    ['createCheckin', {}, '/checkins'],
    ['werunSync', {}, '/werun/sync'],
    ['redeem', { offer_id: 1 }, '/offers/1/redeem'],
    ['cancelCoupon', { coupon_id: 2 }, '/me/coupons/2/cancel'],
    ['verifyCoupon', {}, '/merchant/coupons/verify'],
  ])('%s sends an Idempotency-Key', async (name, params, path) => {
    const env = setup();
    loggedIn(env);
    env.backend.on('POST', path, () => ({ status: 200, body: {} }));
    const api = require('../utils/api');

    await api.call(name, { params, data: { x: 1 } });

    const [req] = env.backend.requestsTo('POST', path);
    expect(req.headers['Idempotency-Key']).toMatch(/^mp-[a-z0-9]+-[0-9a-f]{24}$/);
  });

  test('reads and non-moving writes carry no key', async () => {
    const env = setup();
    loggedIn(env);
    env.backend.on('PUT', '/me/consents/{scenario}', () => ({ status: 200, body: {} }));
    env.backend.on('GET', '/offers', () => ({ status: 200, body: { items: [] } }));
    const api = require('../utils/api');

    await api.call('setConsent', { params: { scenario: 'walk_steps' }, data: { granted: true } });
    await api.call('offers');

    expect(env.backend.requestsTo('PUT', '/me/consents/walk_steps')[0].headers['Idempotency-Key']).toBeUndefined();
    expect(env.backend.requestsTo('GET', '/offers')[0].headers['Idempotency-Key']).toBeUndefined();
  });
});

describe('requests and errors', () => {
  test('query strings skip empty values and path params are encoded', () => {
    setup();
    const api = require('../utils/api');
    expect(api.buildUrl('/me/consents/{scenario}', { scenario: 'a b' }, { status: 'issued', cursor: null, limit: 20 })).toBe(
      'https://tanpuhui.example.com/api/v1/me/consents/a%20b?status=issued&limit=20',
    );
    expect(() => api.fillPath('/offers/{offer_id}', {})).toThrow('offer_id');
  });

  test('validation errors name the fields in Chinese', async () => {
    const env = setup();
    loggedIn(env);
    env.backend.on('POST', '/merchant/offers', () => ({
      status: 422,
      body: env.backend.errorBody(422, 'validation_error', 'invalid', { stock: ['bad'], points_price: ['bad'] }),
    }));
    const api = require('../utils/api');

    await expect(api.call('createMerchantOffer', { data: { stock: -1 } })).rejects.toMatchObject({
      status: 422,
      reason: 'validation_error',
      message: '请检查：库存、所需积分',
      errors: { stock: ['bad'], points_price: ['bad'] },
    });
  });

  test('an unknown reason falls back to the server message when it is Chinese', async () => {
    const env = setup();
    loggedIn(env);
    env.backend.on('POST', '/merchant/staff/join', () => ({
      status: 409,
      body: env.backend.errorBody(409, 'brand_new_rule', '你已经是另一家商户的店员'),
    }));
    const api = require('../utils/api');

    await expect(api.call('joinStaff', { data: { invite_code: 'X' } })).rejects.toMatchObject({
      message: '你已经是另一家商户的店员',
    });
  });

  test('no network: a clear message and GETs are retried once', async () => {
    const env = setup();
    loggedIn(env);
    env.wx.request = (opts) => {
      env.wx.__calls.request.push(opts);
      setTimeout(() => opts.fail({ errMsg: 'request:fail net::ERR_INTERNET_DISCONNECTED' }), 0);
    };
    const api = require('../utils/api');

    await expect(api.call('offers')).rejects.toMatchObject({
      reason: 'network_error',
      message: '网络连接失败，请检查网络后重试',
      network: true,
    });
    expect(env.wx.__calls.request).toHaveLength(2);
  });

  test('a 204 answer resolves null and list() normalises pages', async () => {
    const env = setup();
    loggedIn(env);
    env.backend.on('DELETE', '/me', () => ({ status: 204, body: '' }));
    env.backend.on('GET', '/me/ledger', ({ query }) => ({
      status: 200,
      body: { items: [{ id: 1 }], next_cursor: query.cursor ? null : 'c2' },
    }));
    const api = require('../utils/api');

    await expect(api.call('deleteAccount')).resolves.toBeNull();
    await expect(api.list('ledger')).resolves.toEqual({ items: [{ id: 1 }], next_cursor: 'c2' });
    await expect(api.list('ledger', { query: { cursor: 'c2' } })).resolves.toEqual({ items: [{ id: 1 }], next_cursor: null });
  });

  test('refreshUser stores new roles; logout forgets the session', async () => {
    const env = setup();
    loggedIn(env);
    env.backend.state.user = { id: 7, nickname: '小绿', roles: ['resident', 'merchant_clerk'] };
    env.backend.on('POST', '/auth/logout', () => ({ status: 204, body: '' }));
    const api = require('../utils/api');
    const session = require('../utils/session');

    await api.refreshUser();
    expect(session.isMerchantStaff()).toBe(true);
    await api.logout();
    expect(session.read()).toBeNull();
  });
});
