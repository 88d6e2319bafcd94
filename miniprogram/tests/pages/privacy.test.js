/** Consents, export and account deletion; the 「我的」 page and joining a merchant. */

const { setup, loggedIn, flush } = require('../helpers/env');
const { loadPage } = require('../helpers/page');
const { SCENARIOS } = require('../helpers/fixtures');

function prepare() {
  const env = setup();
  loggedIn(env);
  env.backend.on('GET', '/scenarios', () => ({ status: 200, body: { items: SCENARIOS } }));
  env.backend.on('GET', '/me/consents', () => ({
    status: 200,
    body: {
      items: [
        { scenario: 'clean_plate', name: '光盘打卡', granted: false, version: null, updated_at: null },
        { scenario: 'bus_ride', name: '公交出行', granted: true, version: '2025-01', updated_at: '2025-03-01T02:00:00Z' },
        { scenario: 'old_clothes', name: '旧衣回收', granted: true, version: '2024-01', updated_at: '2024-03-01T02:00:00Z' },
      ],
    },
  }));
  return env;
}

async function openPrivacy(env) {
  const page = loadPage('pages/privacy/index.js');
  page.onLoad();
  await flush();
  return page;
}

test('consents: WeRun and partner scenarios with their state, version and time', async () => {
  const env = prepare();
  const page = await openPrivacy(env);
  // clean_plate (photo only, not granted) is left out; old_clothes is shown while granted.
  expect(page.data.rows.map((r) => [r.code, r.granted])).toEqual([
    ['bus_ride', true],
    ['walk_steps', false],
    ['metro_km', false],
    ['old_clothes', true],
  ]);
  expect(page.data.rows[0].note).toBe('已授权 · 2025年3月1日 · 版本 2025-01');
  expect(page.data.rows[1].note).toBe('未授权');
});

test('switching a consent PUTs it; a failure switches it back', async () => {
  const env = prepare();
  let fail = false;
  env.backend.on('PUT', '/me/consents/{scenario}', ({ params, body }) =>
    fail
      ? { status: 503, body: env.backend.errorBody(503, 'service_unavailable', 'x') }
      : { status: 200, body: { scenario: params.scenario, granted: body.granted, version: '2025-01', updated_at: new Date().toISOString() } },
  );
  const page = await openPrivacy(env);

  await page.onToggle({ currentTarget: { dataset: { code: 'metro_km' } }, detail: { value: true } });
  expect(env.backend.requestsTo('PUT', '/me/consents/metro_km')[0].body).toEqual({ granted: true });
  expect(page.data.rows[2].granted).toBe(true);
  expect(page.data.rows[2].note).toMatch(/^已授权 · 今天/);

  fail = true;
  await page.onToggle({ currentTarget: { dataset: { code: 'bus_ride' } }, detail: { value: false } });
  expect(page.data.rows[0].granted).toBe(true);
  expect(page.data.saving).toBe('');
});

test('export writes a JSON file and offers to send it', async () => {
  const env = prepare();
  env.backend.on('GET', '/me/export', () => ({ status: 200, body: { user: { id: 7 }, records: [] } }));
  const shared = [];
  env.wx.shareFileMessage = (opts) => {
    shared.push(opts);
    opts.success({});
  };
  const page = await openPrivacy(env);
  await page.onExport();
  expect(shared[0].fileName).toMatch(/^tanpuhui-export-\d{8}\.json$/);
  expect(page.data.exporting).toBe(false);
});

test('delete: nothing happens unless the user types 注销', async () => {
  const env = prepare();
  env.backend.on('DELETE', '/me', () => ({ status: 204, body: '' }));
  const page = await openPrivacy(env);

  env.wx.__script.modal.push({ confirm: true }, { confirm: true, content: '注 销' });
  await page.onDelete();
  expect(env.backend.requestsTo('DELETE', '/me')).toHaveLength(0);
  expect(env.wx.__calls.toasts.pop().title).toBe('输入不一致，已取消注销');

  env.wx.__script.modal.push({ confirm: false });
  await page.onDelete();
  expect(env.backend.requestsTo('DELETE', '/me')).toHaveLength(0);
});

test('delete: typed confirmation deletes the account and forgets the session', async () => {
  const env = prepare();
  env.backend.on('DELETE', '/me', () => ({ status: 204, body: '' }));
  const page = await openPrivacy(env);

  env.wx.__script.modal.push({ confirm: true }, { confirm: true, content: '注销' }, { confirm: true });
  await page.onDelete();

  expect(env.backend.requestsTo('DELETE', '/me')).toHaveLength(1);
  expect(env.wx.getStorageSync('tph_session')).toBe('');
  expect(env.wx.__calls.navigations.pop()).toEqual({ type: 'reLaunch', url: '/pages/home/index' });
});

test('me: roles from /auth/me; a resident joins a merchant with an invite code', async () => {
  const env = prepare();
  env.backend.on('GET', '/me/account', () => ({ status: 200, body: { points_balance: 88 } }));
  env.backend.on('POST', '/merchant/staff/join', ({ body, state }) => {
    if (body.invite_code !== 'ABCD-1234') return { status: 404, body: env.backend.errorBody(404, 'invite_not_found', 'x') };
    state.user = { ...state.user, roles: ['resident', 'merchant_clerk'] };
    return { status: 200, body: { merchant: { id: 3, name: '绿叶咖啡' }, role: 'merchant_clerk' } };
  });
  const page = loadPage('pages/me/index.js');
  page.onShow();
  await flush();
  expect(page.data.profile).toMatchObject({ nickname: '小绿', roles: ['居民'], isStaff: false, points: 88 });
  expect(page.data.dev).toBeNull(); // release build: no developer panel

  env.wx.__script.modal.push({ confirm: true, content: 'WRONG' });
  await page.joinMerchant();
  expect(env.wx.__calls.modals.pop().content).toBe('邀请码不正确，请向店长确认');

  env.wx.__script.modal.push({ confirm: true, content: 'ABCD-1234' }, { confirm: true });
  await page.joinMerchant();
  expect(page.data.profile).toMatchObject({ roles: ['居民', '商户店员'], isStaff: true });
  expect(env.wx.__calls.navigations.pop()).toEqual({ type: 'navigateTo', url: '/merchant/index/index' });
});

test('me: the developer panel appears in develop builds only', async () => {
  const env = setup({ envVersion: 'develop' });
  loggedIn(env);
  env.backend.on('GET', '/me/account', () => ({ status: 200, body: { points_balance: 1 } }));
  const page = loadPage('pages/me/index.js');
  page.onShow();
  await flush();
  expect(page.data.dev).toMatchObject({ baseUrl: 'http://127.0.0.1:8000/api/v1', sandbox: 'http://127.0.0.1:8765' });
  expect(page.data.dev.openid).toMatch(/^o-dev-/);
});
