/** Records (carbon records + ledger with cursor pages) and the leaderboard. */

const { setup, loggedIn, flush } = require('../helpers/env');
const { loadPage } = require('../helpers/page');

test('records: carbon records first; the ledger tab loads on demand and pages with next_cursor', async () => {
  const env = setup();
  loggedIn(env);
  env.backend.on('GET', '/me/carbon-records', () => ({
    status: 200,
    body: {
      items: [{ id: 3, scenario: 'clean_plate', scenario_name: '光盘打卡', status: 'pending', quantity: 1, unit: 'meal', carbon_g: 144, points: 0, created_at: new Date().toISOString() }],
      next_cursor: null,
    },
  }));
  env.backend.on('GET', '/me/ledger', ({ query }) => ({
    status: 200,
    body: query.cursor
      ? { items: [{ id: 1, created_at: '2024-05-01T01:00:00Z', amount: -300, balance_after: 0, code: 'redemption', memo: '兑换 美式咖啡一杯' }], next_cursor: null }
      : { items: [{ id: 2, created_at: new Date().toISOString(), amount: 10, balance_after: 10, code: 'checkin_reward', memo: '公交出行 +10' }], next_cursor: 'abc' },
  }));
  const page = loadPage('pages/records/index.js');
  page.onLoad({});
  await flush();

  expect(page.data.records.items[0]).toMatchObject({ name: '光盘打卡', statusText: '审核中', statusClass: 'warn', carbonText: '144 g', quantityText: '1 餐' });
  expect(env.backend.requestsTo('GET', '/me/ledger')).toHaveLength(0);

  page.switchTab({ currentTarget: { dataset: { tab: 'ledger' } } });
  await flush();
  expect(page.data.ledger.items[0]).toMatchObject({ title: '公交出行 +10', amountText: '+10', plus: true, kind: '打卡奖励' });
  expect(page.data.ledger.hasMore).toBe(true);

  page.onReachBottom();
  await flush();
  expect(page.data.ledger.items.map((i) => i.amountText)).toEqual(['+10', '-300']);
  expect(page.data.ledger.items[1].time).toBe('2024年5月1日');
  expect(page.data.ledger.hasMore).toBe(false);
  page.onReachBottom();
  await flush();
  expect(env.backend.requestsTo('GET', '/me/ledger')).toHaveLength(2);
});

test('records: a bad cursor or a lost network while paging keeps what is shown', async () => {
  const env = setup();
  loggedIn(env);
  env.backend.on('GET', '/me/carbon-records', ({ query }) =>
    query.cursor
      ? { status: 400, body: env.backend.errorBody(400, 'invalid_cursor', 'x') }
      : { status: 200, body: { items: [{ id: 1, scenario: 'bus_ride', status: 'approved', carbon_g: 80, points: 10 }], next_cursor: 'zz' } },
  );
  const page = loadPage('pages/records/index.js');
  page.onLoad({});
  await flush();
  page.onReachBottom();
  await flush();
  expect(page.data.records.items).toHaveLength(1);
  expect(page.data.records.status).toBe('ready');
  expect(env.wx.__calls.toasts.pop().title).toBe('列表已更新，请下拉刷新');
});

test('leaderboard: podium, the rest, my rank; switching the period refetches', async () => {
  const env = setup();
  loggedIn(env);
  env.backend.on('GET', '/leaderboard', ({ query }) => ({
    status: 200,
    body:
      query.period === 'week'
        ? {
            period: 'week',
            items: [1, 2, 3, 4].map((rank) => ({ rank, nickname: `居民${rank}`, carbon_g: 5000 - rank * 1000 })),
            me: { rank: 4, carbon_g: 1000 },
          }
        : { period: query.period, items: [], me: { rank: null, carbon_g: 0 } },
  }));
  const page = loadPage('pages/leaderboard/index.js');
  page.onLoad();
  await flush();

  expect(page.data.status).toBe('ready');
  expect(page.data.board.podium.map((p) => [p.rank, p.medal, p.carbonText])).toEqual([
    [1, '🥇', '4 kg'],
    [2, '🥈', '3 kg'],
    [3, '🥉', '2 kg'],
  ]);
  expect(page.data.board.rest).toHaveLength(1);
  expect(page.data.board.me).toEqual({ rankText: '第 4 名', carbonText: '1 kg', ranked: true });

  page.switchPeriod({ currentTarget: { dataset: { period: 'month' } } });
  await flush();
  expect(page.data.status).toBe('empty');
  expect(page.data.board.me.rankText).toBe('暂未上榜');
  expect(env.backend.requestsTo('GET', '/leaderboard').map((r) => r.query.period)).toEqual(['week', 'month']);
});
