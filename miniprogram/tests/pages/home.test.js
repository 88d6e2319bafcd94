/** Home page: the carbon account, today's bubbles, illustrative equivalences, errors. */

const { setup, loggedIn, flush } = require('../helpers/env');
const { loadPage } = require('../helpers/page');
const { SCENARIOS, nowIso } = require('../helpers/fixtures');

function backendWithAccount(env, account) {
  env.backend.on('GET', '/me/account', () => ({ status: 200, body: account }));
  env.backend.on('GET', '/scenarios', () => ({ status: 200, body: { items: SCENARIOS } }));
  env.backend.on('GET', '/me/points/expiring', () => ({
    status: 200,
    body: { items: [{ points: 120, expires_at: nowIso(20 * 86400000) }] },
  }));
  env.backend.on('GET', '/me/ledger', () => ({
    status: 200,
    body: {
      items: [
        { id: 31, created_at: nowIso(-60000), amount: 5, balance_after: 305, code: 'checkin_reward', memo: '光盘打卡 +5' },
        { id: 30, created_at: nowIso(-120000), amount: -300, balance_after: 300, code: 'redemption', memo: '兑换 美式咖啡一杯' },
        { id: 12, created_at: nowIso(-3 * 86400000), amount: 10, balance_after: 600, code: 'checkin_reward', memo: '公交出行 +10' },
      ],
      next_cursor: null,
    },
  }));
}

const ACCOUNT = {
  points_balance: 305,
  carbon_total_g: 1488.2,
  checkins_count: 12,
  pending_count: 1,
  by_scenario: [
    { scenario: 'bus_ride', name: '公交出行', carbon_g: 800, count: 10 },
    { scenario: 'clean_plate', name: '光盘打卡', carbon_g: 288, count: 2 },
    { scenario: 'walk_steps', name: '低碳步行', carbon_g: 0, count: 0 },
  ],
};

test('shows the carbon account, equivalences labelled illustrative, and scenario bars', async () => {
  const env = setup();
  loggedIn(env);
  backendWithAccount(env, ACCOUNT);
  const page = loadPage('pages/home/index.js');

  page.onShow();
  await flush();

  expect(page.data.status).toBe('ready');
  expect(page.data.account).toEqual({ points: 305, carbonValue: '1.49', carbonUnit: 'kg', checkins: 12, pending: 1 });
  expect(page.data.equivalences.map((e) => e.key)).toEqual(['electricity', 'car', 'tree']);
  expect(page.data.equivalences.every((e) => e.illustrative && e.basis.length > 10)).toBe(true);
  expect(page.data.byScenario.map((r) => [r.name, r.percent])).toEqual([['公交出行', 100], ['光盘打卡', 36]]);
  expect(page.data.expiring).toMatchObject({ points: 120 });
});

test("today's credits become bubbles; collecting one is remembered for the day", async () => {
  const env = setup();
  loggedIn(env);
  backendWithAccount(env, ACCOUNT);
  const page = loadPage('pages/home/index.js');
  page.onShow();
  await flush();

  const ids = page.data.bubbles.map((b) => b.id);
  expect(ids).toEqual(['ledger-31', 'action-werun']); // spending and older credits are no bubbles
  expect(page.data.bubbles[0]).toMatchObject({ title: '光盘打卡', amountText: '+5', kind: 'credit' });

  page.onCollect({ detail: { id: 'ledger-31', kind: 'credit' } });
  expect(page.data.bubbles.map((b) => b.id)).toEqual(['action-werun']);
  expect(env.wx.__calls.toasts.pop().title).toContain('+5');

  const again = loadPage('pages/home/index.js', { fresh: true });
  again.onShow();
  await flush();
  expect(again.data.bubbles.map((b) => b.id)).toEqual(['action-werun']);
});

test('the WeRun bubble opens the check-in tab and asks it to sync', async () => {
  const env = setup();
  loggedIn(env);
  backendWithAccount(env, ACCOUNT);
  const page = loadPage('pages/home/index.js');
  page.onShow();
  await flush();

  page.onCollect({ detail: { id: 'action-werun', kind: 'action' } });

  expect(page.app.globalData.pendingAction).toBe('werun');
  expect(env.wx.__calls.navigations.pop()).toEqual({ type: 'switchTab', url: '/pages/checkin/index' });
});

test('a failed load shows the error state with a Chinese message, and retry recovers', async () => {
  const env = setup();
  loggedIn(env);
  env.backend.on('GET', '/me/account', () => ({ status: 503, body: env.backend.errorBody(503, 'database_unavailable', 'db') }));
  const page = loadPage('pages/home/index.js');
  page.onShow();
  await flush(60);

  expect(page.data.status).toBe('error');
  expect(page.data.errorMessage).toBe('服务暂时繁忙，请稍后再试');

  backendWithAccount(env, { ...ACCOUNT, by_scenario: [] });
  page.onRetry();
  await flush();
  expect(page.data.status).toBe('ready');
  expect(page.data.byScenario).toEqual([]);
});
