/** Merchant mode: access, verification (核销) results, today's list, offers, the offer form. */

const { setup, loggedIn, flush } = require('../helpers/env');
const { loadPage } = require('../helpers/page');
const { OFFER } = require('../helpers/fixtures');

const CLERK = { id: 8, nickname: '店员小王', roles: ['resident', 'merchant_clerk'] };
const OWNER = { id: 9, nickname: '老板', roles: ['resident', 'merchant_owner'] };

function merchantCoupon(overrides = {}) {
  return { id: 501, offer_id: 42, short_code: '1234567890', status: 'used', points_price: 300, settlement_value_fen: 1200, used_at: new Date().toISOString(), ...overrides };
}

function prepare(user = CLERK) {
  const env = setup({ user });
  loggedIn(env, 'tok-staff', user);
  env.backend.on('GET', '/merchant/profile', () => ({ status: 200, body: { id: 3, name: '绿叶咖啡' } }));
  env.backend.on('GET', '/merchant/offers', () => ({
    status: 200,
    body: {
      items: [
        { ...OFFER, status: 'live', stock_total: 100, stock_left: 37 },
        { ...OFFER, id: 44, title: '拿铁', status: 'paused', stock_total: 10, stock_left: 0 },
        { ...OFFER, id: 45, title: '套餐', status: 'rejected', review_note: '图片不清晰', stock_total: 5, stock_left: 5 },
      ],
      next_cursor: null,
    },
  }));
  env.backend.on('GET', '/merchant/coupons', () => ({
    status: 200,
    body: { items: [merchantCoupon(), merchantCoupon({ id: 400, used_at: '2020-01-01T02:00:00Z' })], next_cursor: null },
  }));
  env.backend.on('GET', '/merchant/settlement', ({ query }) => ({
    status: 200,
    body: { month: query.month, coupons: 12, points: 3600, settlement_fen: 14400 },
  }));
  return env;
}

async function openWorkbench(env) {
  const page = loadPage('merchant/index/index.js');
  page.onLoad();
  page.onShow();
  await flush(40);
  return page;
}

test('a resident without a merchant role is turned away', async () => {
  const env = setup();
  loggedIn(env);
  const page = await openWorkbench(env);
  expect(page.data.access).toBe('denied');
  expect(env.backend.requestsTo('GET', '/merchant/coupons')).toHaveLength(0);
});

test("a clerk sees today's verifications only, with offer titles", async () => {
  const env = prepare();
  const page = await openWorkbench(env);
  expect(page.data).toMatchObject({ access: 'staff', isOwner: false, merchantName: '绿叶咖啡', month: null });
  expect(page.data.today.items).toHaveLength(1);
  expect(page.data.today.items[0]).toMatchObject({ id: 501, title: '美式咖啡一杯', shortCode: '123 456 7890', value: '¥12' });
  expect(env.backend.requestsTo('GET', '/merchant/coupons')[0].query).toMatchObject({ status: 'used' });
  expect(env.backend.requestsTo('GET', '/merchant/settlement')).toHaveLength(0); // owner only
});

test('the owner also sees the month and can invite a clerk', async () => {
  const env = prepare(OWNER);
  env.backend.on('POST', '/merchant/staff-invites', () => ({ status: 201, body: { invite_code: 'K7Q2-9MZX', expires_at: new Date(Date.now() + 86400000).toISOString() } }));
  const page = await openWorkbench(env);
  expect(page.data.month).toMatchObject({ coupons: 12, amount: '¥144' });

  await page.inviteClerk();
  expect(env.wx.__calls.modals.pop().content).toContain('K7Q2-9MZX');
  expect(env.wx.__calls.clipboard).toEqual(['K7Q2-9MZX']);
});

test('scan -> verify: success card, and the list updates', async () => {
  const env = prepare();
  env.backend.on('POST', '/merchant/coupons/verify', ({ body }) => ({
    status: 200,
    body: { coupon: merchantCoupon({ id: 502, short_code: '5556667778', code_seen: body.code }) },
  }));
  const page = await openWorkbench(env);
  env.wx.__script.scanCode.push({ result: 'c0UPoN-full-code' });

  await page.onScan();
  await flush();

  const [req] = env.backend.requestsTo('POST', '/merchant/coupons/verify');
  expect(req.body).toEqual({ code: 'c0UPoN-full-code' });
  expect(req.headers['Idempotency-Key']).toBeTruthy();
  expect(page.data.result).toMatchObject({ ok: true, headline: '核销成功', detail: '美式咖啡一杯 · 555 666 7778' });
  expect(page.data.today.items.map((i) => i.id).sort()).toEqual([501, 502]);
});

test('verify failures say clearly not to hand anything over', async () => {
  const env = prepare();
  const answers = {
    '1111111111': [409, 'coupon_already_used'],
    '2222222222': [404, 'coupon_not_found'],
    '3333333333': [409, 'coupon_expired'],
    '4444444444': [409, 'coupon_cancelled'],
  };
  env.backend.on('POST', '/merchant/coupons/verify', ({ body }) => {
    const [status, reason] = answers[body.code];
    return { status, body: env.backend.errorBody(status, reason, 'x') };
  });
  const page = await openWorkbench(env);
  const seen = [];
  for (const code of Object.keys(answers)) {
    page.onCodeInput({ detail: { value: code.replace(/(\d{5})/, '$1 ') } });
    // eslint-disable-next-line no-await-in-loop
    await page.onManualVerify();
    seen.push([page.data.result.ok, page.data.result.headline, page.data.result.detail]);
  }
  expect(seen).toEqual([
    [false, '已核销过', '这张券已经核销过了'],
    [false, '券码无效', '券码无效，或不属于本店'],
    [false, '券已过期', '这张券已过期'],
    [false, '券已取消', '这张券已被用户取消'],
  ]);
});

test('a verify that times out can be retried with the same Idempotency-Key', async () => {
  const env = prepare();
  let calls = 0;
  env.backend.on('POST', '/merchant/coupons/verify', () => {
    calls += 1;
    if (calls <= 2) return { fail: 'request:fail timeout' };
    return { status: 200, body: { coupon: merchantCoupon({ id: 503 }) } };
  });
  const page = await openWorkbench(env);
  page.onCodeInput({ detail: { value: '9999999999' } });
  await page.onManualVerify();
  expect(page.data.result).toMatchObject({ ok: false, retryCode: '9999999999' });
  expect(page.data.result.detail).toBe('网络请求超时，请稍后重试');

  page.retryVerify();
  await flush(40);

  expect(page.data.result.ok).toBe(true);
  const keys = env.backend.requestsTo('POST', '/merchant/coupons/verify').map((r) => r.headers['Idempotency-Key']);
  expect(keys).toHaveLength(3);
  expect(new Set(keys).size).toBe(1);
});

test('offers: status and stock; the owner pauses a live offer', async () => {
  const env = prepare(OWNER);
  env.backend.on('POST', '/merchant/offers/{offer_id}/pause', ({ params }) => ({ status: 200, body: { id: Number(params.offer_id), status: 'paused' } }));
  const page = loadPage('merchant/offers/index.js');
  page.onLoad();
  await flush();

  expect(page.data.offers.items.map((o) => [o.statusText, o.stockText, o.canPause, o.canResume])).toEqual([
    ['已上架', '剩余 37 / 100', true, false],
    ['已暂停', '剩余 0 / 10', false, true],
    ['未通过', '剩余 5 / 5', false, false],
  ]);
  expect(page.data.offers.items[2].reviewNote).toBe('图片不清晰');

  await page.onPause({ currentTarget: { dataset: { id: 42, title: '美式咖啡一杯' } } });
  expect(env.backend.requestsTo('POST', '/merchant/offers/42/pause')[0].body).toEqual({});
});

test('offer form: validation, then POST /merchant/offers', async () => {
  const env = prepare(OWNER);
  env.backend.on('POST', '/merchant/offers', () => ({ status: 201, body: { id: 60, status: 'pending_review' } }));
  const page = loadPage('merchant/offer-form/index.js');
  page.onLoad({});

  await page.onSubmit();
  expect(page.data.errors).toMatchObject({ title: '请填写优惠标题', points_price: expect.any(String), stock: expect.any(String) });
  expect(env.backend.requestsTo('POST', '/merchant/offers')).toHaveLength(0);

  const input = (field, value) => page.onInput({ currentTarget: { dataset: { field } }, detail: { value } });
  input('title', '低碳套餐立减 10 元');
  input('points_price', '500');
  input('stock', '50');
  await page.onSubmit();

  expect(env.backend.requestsTo('POST', '/merchant/offers')[0].body).toEqual({
    title: '低碳套餐立减 10 元',
    description: '',
    points_price: 500,
    stock: 50,
    per_user_limit: 1,
    valid_days: 30,
  });
  expect(env.wx.__calls.navigations.pop()).toEqual({ type: 'navigateBack' });
});

test('offer form: editing sends only what changed', async () => {
  const env = prepare(OWNER);
  env.backend.on('GET', '/merchant/offers/{offer_id}', () => ({ status: 200, body: { ...OFFER, status: 'live' } }));
  env.backend.on('PATCH', '/merchant/offers/{offer_id}', ({ body }) => ({ status: 200, body: { ...OFFER, ...body } }));
  const page = loadPage('merchant/offer-form/index.js');
  page.onLoad({ id: '42' });
  await flush();
  expect(page.data.form).toMatchObject({ title: '美式咖啡一杯', stock: '100', valid_days: '30' });

  page.onInput({ currentTarget: { dataset: { field: 'stock' } }, detail: { value: '150' } });
  await page.onSubmit();

  expect(env.backend.requestsTo('PATCH', '/merchant/offers/42')[0].body).toEqual({ stock: 150 });
  expect(env.wx.__calls.toasts.pop().title).toBe('库存已更新');
});
