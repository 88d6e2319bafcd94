/** Mall, offer detail with redemption, my coupons, coupon page with cancel. */

const { setup, loggedIn, flush } = require('../helpers/env');
const { loadPage } = require('../helpers/page');
const { OFFER, coupon } = require('../helpers/fixtures');

function prepare(balance = 1000) {
  const env = setup();
  loggedIn(env);
  env.backend.on('GET', '/me/account', () => ({ status: 200, body: { points_balance: balance } }));
  env.backend.on('GET', '/offers/{offer_id}', ({ params }) =>
    String(params.offer_id) === '42'
      ? { status: 200, body: OFFER }
      : { status: 404, body: env.backend.errorBody(404, 'offer_not_found', '商品不存在') },
  );
  return env;
}

async function openOffer(env, id = '42') {
  const page = loadPage('pages/offer/index.js');
  page.onLoad({ id });
  await flush();
  return page;
}

describe('mall list', () => {
  test('lists live offers page by page and remembers their titles', async () => {
    const env = prepare();
    env.backend.on('GET', '/offers', ({ query }) => ({
      status: 200,
      body: query.cursor
        ? { items: [{ ...OFFER, id: 43, title: '第二页' }], next_cursor: null }
        : { items: [OFFER], next_cursor: 'p2' },
    }));
    const page = loadPage('pages/mall/index.js');
    page.onLoad();
    page.onShow();
    await flush();

    expect(page.data.balance).toBe(1000);
    expect(page.data.offers).toMatchObject({ status: 'ready', hasMore: true });
    page.onReachBottom();
    await flush();
    expect(page.data.offers.items.map((o) => o.id)).toEqual([42, 43]);
    expect(page.data.offers.hasMore).toBe(false);
    expect(env.backend.requestsTo('GET', '/offers')[1].query).toEqual({ limit: '20', cursor: 'p2' });
    expect(require('../../utils/offers').titleFor(43)).toEqual({ title: '第二页', merchant: '绿叶咖啡' });

    page.onSelect({ detail: { id: 42 } });
    expect(env.wx.__calls.navigations.pop()).toEqual({ type: 'navigateTo', url: '/pages/offer/index?id=42' });
  });

  test('no offers: the empty state', async () => {
    const env = prepare();
    env.backend.on('GET', '/offers', () => ({ status: 200, body: { items: [], next_cursor: null } }));
    const page = loadPage('pages/mall/index.js');
    page.onLoad();
    await flush();
    expect(page.data.offers.status).toBe('empty');
  });
});

describe('offer detail and redemption', () => {
  test('confirm, redeem with an Idempotency-Key, then open the coupon', async () => {
    const env = prepare(1000);
    env.backend.on('POST', '/offers/{offer_id}/redeem', () => ({
      status: 201,
      body: { coupon: coupon({ id: 77 }), points_balance: 700 },
    }));
    const page = await openOffer(env);
    expect(page.data.view).toMatchObject({ title: '美式咖啡一杯', merchant: '绿叶咖啡', price: 300, canRedeem: true, stockText: '剩余 37' });

    await page.onRedeem();

    const [confirm, success] = env.wx.__calls.modals;
    expect(confirm.content).toContain('将使用 300 积分兑换「美式咖啡一杯」');
    expect(confirm.content).toContain('兑换后剩余 700 积分');
    const [req] = env.backend.requestsTo('POST', '/offers/42/redeem');
    expect(req.body).toEqual({});
    expect(req.headers['Idempotency-Key']).toBeTruthy();
    expect(success.title).toContain('兑换成功');
    expect(page.data.balance).toBe(700);
    expect(env.wx.__calls.navigations.pop()).toEqual({ type: 'redirectTo', url: '/pages/coupon/index?id=77' });
  });

  test('cancelling the confirmation redeems nothing', async () => {
    const env = prepare();
    const page = await openOffer(env);
    env.wx.__script.modal.push({ confirm: false });
    await page.onRedeem();
    expect(env.backend.requestsTo('POST', '/offers/42/redeem')).toHaveLength(0);
  });

  test('not enough points: the button says how many are missing and nothing is sent', async () => {
    const env = prepare(120);
    const page = await openOffer(env);
    expect(page.data.view).toMatchObject({ canRedeem: false, blocker: '还差 180 积分' });
    await page.onRedeem();
    expect(env.wx.__calls.modals).toHaveLength(0);
  });

  test('insufficient_points from the server offers a way to earn more', async () => {
    const env = prepare(1000);
    env.backend.on('POST', '/offers/{offer_id}/redeem', () => ({
      status: 409,
      body: env.backend.errorBody(409, 'insufficient_points', '积分不足'),
    }));
    const page = await openOffer(env);
    await page.onRedeem();
    const last = env.wx.__calls.modals.pop();
    expect(last).toMatchObject({ title: '积分不足', content: '积分不足，先去打卡攒积分吧', confirmText: '去打卡' });
    expect(env.wx.__calls.navigations.pop()).toEqual({ type: 'switchTab', url: '/pages/checkin/index' });
  });

  test('out_of_stock is explained and the offer reloaded', async () => {
    const env = prepare(1000);
    env.backend.on('POST', '/offers/{offer_id}/redeem', () => ({
      status: 409,
      body: env.backend.errorBody(409, 'out_of_stock', '已兑完'),
    }));
    const page = await openOffer(env);
    await page.onRedeem();
    await flush();
    expect(env.wx.__calls.modals.pop().content).toBe('手慢了，这张券已经被抢光了');
    expect(env.backend.requestsTo('GET', '/offers/42')).toHaveLength(2);
  });

  test('an unknown offer shows the error state', async () => {
    const env = prepare();
    const page = await openOffer(env, '999');
    expect(page.data.status).toBe('error');
    expect(page.data.errorMessage).toBe('没有找到这个优惠');
  });
});

describe('coupons', () => {
  test('my coupons by status, with titles and validity', async () => {
    const env = prepare();
    env.backend.on('GET', '/me/coupons', ({ query }) => ({
      status: 200,
      body: { items: query.status === 'used' ? [coupon({ id: 2, status: 'used', used_at: new Date().toISOString() })] : [coupon()], next_cursor: null },
    }));
    const page = loadPage('pages/coupons/index.js');
    page.onLoad({});
    await flush();
    expect(page.data.coupons.items[0]).toMatchObject({ title: '美式咖啡一杯', merchant: '绿叶咖啡', statusText: '可使用', usable: true });
    expect(page.data.coupons.items[0].whenText).toMatch(/前有效$/);

    page.switchTab({ currentTarget: { dataset: { tab: 'used' } } });
    await flush();
    expect(env.backend.requestsTo('GET', '/me/coupons').map((r) => r.query.status)).toEqual(['issued', 'used']);
    expect(page.data.coupons.items[0]).toMatchObject({ statusText: '已使用', usable: false });
    expect(page.data.coupons.items[0].whenText).toMatch(/^今天 \d\d:\d\d 已使用$/);
  });

  test('the coupon page shows the code for the QR and cancels with a refund', async () => {
    const env = prepare();
    env.backend.on('GET', '/me/coupons/{coupon_id}', () => ({ status: 200, body: coupon() }));
    env.backend.on('POST', '/me/coupons/{coupon_id}/cancel', () => ({
      status: 200,
      body: { coupon: coupon({ status: 'cancelled', cancelled_at: new Date().toISOString() }), points_balance: 1300 },
    }));
    const page = loadPage('pages/coupon/index.js');
    page.onLoad({ id: '9' });
    await flush();
    expect(page.data.coupon).toMatchObject({ code: coupon().code, shortCode: '1234567890', usable: true });

    await page.onCancel();

    const [confirm] = env.wx.__calls.modals;
    expect(confirm.content).toContain('积分会退回');
    expect(confirm.confirmColor).toBe('#e5484d');
    const [req] = env.backend.requestsTo('POST', '/me/coupons/9/cancel');
    expect(req.headers['Idempotency-Key']).toBeTruthy();
    expect(page.data.coupon).toMatchObject({ status: 'cancelled', statusText: '已取消', usable: false });
    expect(env.wx.__calls.toasts.pop().title).toBe('已取消，积分余额 1300');
  });

  test('a coupon that can no longer be cancelled says why', async () => {
    const env = prepare();
    env.backend.on('GET', '/me/coupons/{coupon_id}', () => ({ status: 200, body: coupon() }));
    env.backend.on('POST', '/me/coupons/{coupon_id}/cancel', () => ({
      status: 409,
      body: env.backend.errorBody(409, 'coupon_not_cancellable', '该券不可取消'),
    }));
    const page = loadPage('pages/coupon/index.js');
    page.onLoad({ id: '9' });
    await flush();
    await page.onCancel();
    expect(env.wx.__calls.modals.pop().content).toBe('这张券现在不能取消（可能已使用、已过期或已取消）');
    expect(page.data.coupon.usable).toBe(true);
  });
});
