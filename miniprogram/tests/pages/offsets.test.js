/**
 * @jest-environment jsdom
 */
/**
 * 个人碳中和 (一元碳汇): pools with price and availability, choosing the kilograms,
 * confirming the points, POST /me/offsets with an Idempotency-Key, 我的碳中和证书 with its
 * URL to copy, each refusal explained, and the list of my offsets.
 */

const { setup, loggedIn, flush } = require('../helpers/env');
const { loadPage } = require('../helpers/page');
const { render } = require('../helpers/render');
const { pool, offset } = require('../helpers/fixtures');

const SITE = 'https://tanpuhui.example.com';

function prepare({ balance = 100, pools = [pool(1), pool(2, { name: '公交出行减排量', kind: 'reduction', points_per_kg: 5, available_kg: 0 })] } = {}) {
  const env = setup();
  loggedIn(env);
  env.backend.on('GET', '/me/account', () => ({ status: 200, body: { points_balance: balance } }));
  env.backend.on('GET', '/offset-pools', () => ({ status: 200, body: { items: pools } }));
  return env;
}

async function openOffsets(query) {
  const page = loadPage('pages/offsets/index.js');
  page.onLoad(query || {});
  await flush();
  return page;
}

test('pools: price, availability and a sold-out pool that cannot be chosen', async () => {
  prepare();
  const page = await openOffsets();
  expect(page.data.pools.map((p) => [p.name, p.kindText, p.priceText, p.availableText])).toEqual([
    ['森林碳汇·一元碳汇', '林草碳汇', '10 积分 / 千克', '可中和 209 千克'],
    ['公交出行减排量', '核证减排量', '5 积分 / 千克', '已售罄'],
  ]);
  expect(page.data.poolId).toBe(1); // the first one that has units
  page.selectPool({ currentTarget: { dataset: { id: 2 } } });
  expect(page.data.poolId).toBe(1);

  const shown = render(page);
  expect(shown.texts('.pool-name')).toEqual(['森林碳汇·一元碳汇', '公交出行减排量']);
  expect(shown.texts('.pool-price')).toEqual(['10 积分 / 千克', '5 积分 / 千克']);
  expect(shown.text).toContain('可中和209千克');
  expect(shown.text).toContain('已售罄');
  expect(shown.text).toContain('我的积分100需10积分');
  expect(shown.texts('.order-btn')).toEqual(['中和 1 千克']);
});

test('choosing the kilograms: the stepper stays within what the pool has and the points follow', async () => {
  prepare({ pools: [pool(1, { available_kg: 3 })] });
  const page = await openOffsets();
  page.stepKg({ currentTarget: { dataset: { delta: 1 } } });
  page.stepKg({ currentTarget: { dataset: { delta: 1 } } });
  page.stepKg({ currentTarget: { dataset: { delta: 1 } } });
  expect(page.data.kg).toBe('3');
  expect(page.data.order).toEqual({ name: '森林碳汇·一元碳汇', kg: 3, points: 30, enough: true });
  page.onKgInput({ detail: { value: '2.5' } });
  expect(page.data.order).toBeNull();
  await page.onSubmit();
  expect(page.data.kgError).toBe('请输入 1~3 的整数千克');
  page.onKgInput({ detail: { value: '12' } });
  expect(render(page).texts('.order-btn')).toEqual(['请输入千克数']);
});

test('offset: confirm the points, POST {pool_id, kg} with a key, then 我的碳中和证书 with the URL to copy', async () => {
  const env = prepare();
  let balance = 100;
  env.backend.on('GET', '/me/account', () => ({ status: 200, body: { points_balance: balance } }));
  env.backend.on('POST', '/me/offsets', ({ body }) => {
    balance -= body.kg * 10;
    return { status: 201, body: { id: 31, kg: body.kg, points: body.kg * 10, certificate_id: 'RTPERSONAL0031' } };
  });
  const page = await openOffsets();
  page.onKgInput({ detail: { value: '3' } });

  await page.onSubmit();
  await flush();

  const [confirm] = env.wx.__calls.modals;
  expect(confirm.title).toBe('确认碳中和');
  expect(confirm.content).toBe(
    [
      '将使用 30 积分，以你的名义注销「森林碳汇·一元碳汇」3 千克，积分付给项目方。',
      '注销后不可撤回；公开证书上的受益人为你的昵称「小绿」。',
      '中和后剩余 70 积分。',
    ].join('\n'),
  );
  const [req] = env.backend.requestsTo('POST', '/me/offsets');
  expect(req.body).toEqual({ pool_id: 1, kg: 3 });
  expect(req.headers['Idempotency-Key']).toMatch(/^mp-/);
  const url = `${SITE}/registry/certificates/RTPERSONAL0031`;
  expect(page.data.result).toEqual({ kg: 3, points: 30, poolName: '森林碳汇·一元碳汇', holder: '小绿', certificateId: 'RTPERSONAL0031', certificateUrl: url });
  expect(page.data.balance).toBe(70);
  expect(env.backend.requestsTo('GET', '/offset-pools')).toHaveLength(2); // availability refreshed

  const shown = render(page);
  expect(shown.texts('.result-badge')).toEqual(['我的碳中和证书']);
  expect(shown.text).toContain('小绿已中和3千克CO₂e森林碳汇·一元碳汇·30积分');
  expect(shown.text).toContain('证书编号RTPERSONAL0031');
  expect(shown.texts('.result-url')).toEqual([url]);

  page.copyUrl({ currentTarget: { dataset: { url } } });
  await flush();
  expect(env.wx.__calls.clipboard).toEqual([url]);
  expect(env.wx.__calls.toasts.pop().title).toBe('证书链接已复制');

  // A deliberate second offset of the same size is a new action with a new key.
  page.closeResult();
  await page.onSubmit();
  expect(env.wx.__calls.modals.pop().content).toContain('中和后剩余 40 积分。');
  const both = env.backend.requestsTo('POST', '/me/offsets');
  expect(both).toHaveLength(2);
  expect(both[1].headers['Idempotency-Key']).not.toBe(both[0].headers['Idempotency-Key']);
});

test('offset: cancelling the confirmation sends nothing; too few points is said first', async () => {
  const env = prepare({ balance: 20 });
  const page = await openOffsets();
  env.wx.__script.modal.push({ confirm: false });
  await page.onSubmit();
  expect(env.wx.__calls.modals[0].title).toBe('确认碳中和');

  page.onKgInput({ detail: { value: '3' } });
  expect(page.data.order.enough).toBe(false);
  expect(render(page).texts('.order-btn')).toEqual(['积分不足']);
  await page.onSubmit();
  expect(env.wx.__calls.modals[1]).toMatchObject({ title: '积分不足', content: '中和 3 千克需要 30 积分，你现在有 20 积分。', confirmText: '去打卡' });
  expect(env.backend.requestsTo('POST', '/me/offsets')).toHaveLength(0);
});

test.each([
  [409, 'insufficient_units', '这个项目可中和的量不足，请减少千克数或稍后再试', true],
  [404, 'offset_pool_not_found', '这个碳中和项目不存在或已下线', true],
  [422, 'invalid_quantity', '每次可中和 1 到 1000 千克，请输入整数', false],
])('offset refused %s %s: explained in Chinese', async (status, reason, message, reloads) => {
  const env = prepare();
  env.backend.on('POST', '/me/offsets', () => ({ status, body: env.backend.errorBody(status, reason, 'x') }));
  const page = await openOffsets();
  await page.onSubmit();
  await flush();
  expect(env.wx.__calls.modals.pop()).toMatchObject({ title: '没有中和成功', content: message });
  expect(page.data.result).toBeNull();
  expect(page.data.submitting).toBe(false);
  expect(env.backend.requestsTo('GET', '/offset-pools')).toHaveLength(reloads ? 2 : 1);
});

test('offset refused insufficient_points by the server: 积分不足 with 去打卡', async () => {
  const env = prepare();
  env.backend.on('POST', '/me/offsets', () => ({ status: 409, body: env.backend.errorBody(409, 'insufficient_points', 'x') }));
  const page = await openOffsets();
  await page.onSubmit();
  expect(env.wx.__calls.modals.pop()).toMatchObject({ title: '积分不足', content: '积分不足，先去打卡攒积分吧', confirmText: '去打卡' });
  expect(env.wx.__calls.navigations.pop()).toEqual({ type: 'switchTab', url: '/pages/checkin/index' });
});

test('no pool open: the empty state', async () => {
  prepare({ pools: [] });
  const page = await openOffsets();
  expect(page.data.status).toBe('empty');
  expect(render(page).text).toContain('暂时没有可中和的项目');
});

test('my offsets: paged, each with its certificate and a link to copy', async () => {
  const env = prepare();
  env.backend.on('GET', '/me/offsets', ({ query }) => ({
    status: 200,
    body: query.cursor
      ? { items: [offset(1, { pool_id: 9, kg: 1, points: 5, certificate_id: null })], next_cursor: null }
      : { items: [offset(2)], next_cursor: 'c2' },
  }));
  const page = await openOffsets({ tab: 'mine' });
  expect(page.data.tab).toBe('mine');
  page.onReachBottom();
  await flush();
  expect(env.backend.requestsTo('GET', '/me/offsets').map((r) => r.query)).toEqual([{ limit: '20' }, { limit: '20', cursor: 'c2' }]);
  expect(page.data.mine.items.map((o) => [o.title, o.poolName, o.pointsText, o.certificateUrl])).toEqual([
    ['中和 3 千克', '森林碳汇·一元碳汇', '30 积分', `${SITE}/registry/certificates/RTOFFSET2`],
    ['中和 1 千克', '碳中和项目', '5 积分', ''], // a pool no longer listed; no certificate
  ]);

  const shown = render(page);
  expect(shown.texts('.mine-id')).toEqual(['证书 RTOFFSET2']);
  page.copyUrl({ currentTarget: { dataset: { url: page.data.mine.items[0].certificateUrl } } });
  await flush();
  expect(env.wx.__calls.clipboard).toEqual([`${SITE}/registry/certificates/RTOFFSET2`]);
});

test('my offsets: a new offset shows in the list the next time it is opened', async () => {
  const env = prepare();
  let items = [];
  env.backend.on('GET', '/me/offsets', () => ({ status: 200, body: { items, next_cursor: null } }));
  env.backend.on('POST', '/me/offsets', () => ({ status: 201, body: { id: 5, kg: 1, points: 10, certificate_id: 'RT5' } }));
  const page = await openOffsets();
  page.switchTab({ currentTarget: { dataset: { tab: 'mine' } } });
  await flush();
  expect(page.data.mine.status).toBe('empty');
  expect(render(page).text).toContain('还没有碳中和证书');

  page.switchTab({ currentTarget: { dataset: { tab: 'pools' } } });
  await page.onSubmit();
  items = [offset(5, { kg: 1, points: 10, certificate_id: 'RT5' })];
  page.showMine();
  await flush();
  expect(page.data.result).toBeNull();
  expect(page.data.mine.items.map((o) => o.certificateId)).toEqual(['RT5']);
});
