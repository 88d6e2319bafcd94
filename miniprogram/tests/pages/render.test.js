/**
 * @jest-environment jsdom
 */
/**
 * Pages rendered: drive a page's logic against the fake backend, then render its WXML
 * with miniprogram-simulate (components included) from the page's own data, and read
 * what a resident or clerk would see.
 */

const { setup, loggedIn, flush } = require('../helpers/env');
const { loadPage } = require('../helpers/page');
const { render } = require('../helpers/render');
const { SCENARIOS, OFFER, coupon } = require('../helpers/fixtures');

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function prepare(user) {
  const env = setup(user ? { user } : {});
  loggedIn(env, 'tok-1', user);
  env.backend.on('GET', '/scenarios', () => ({ status: 200, body: { items: SCENARIOS } }));
  return env;
}

test('home: the account, the bubbles, the empty scenario breakdown', async () => {
  const env = prepare();
  env.backend.on('GET', '/me/account', () => ({ status: 200, body: { points_balance: 35, carbon_total_g: 224, checkins_count: 2, pending_count: 0, by_scenario: [] } }));
  env.backend.on('GET', '/me/ledger', () => ({ status: 200, body: { items: [{ id: 1, amount: 10, memo: '公交出行 +10', created_at: new Date().toISOString() }], next_cursor: null } }));
  env.backend.on('GET', '/me/points/expiring', () => ({ status: 200, body: { items: [] } }));
  const page = loadPage('pages/home/index.js');
  page.onShow();
  await flush();
  const { text, count } = render(page);
  expect(text).toContain('累计减碳224g35积分2低碳行为');
  expect(text).toContain('相当于示意');
  expect(text).toContain('少用电0.42度');
  expect(text).toContain('还没有减碳记录，完成第一次低碳打卡吧');
  expect(count('.carbon-bubbles--bubble')).toBe(2); // +10 and 同步步数
});

test('home: the error state offers a retry', async () => {
  const env = prepare();
  env.backend.on('GET', '/me/account', () => ({ fail: 'request:fail net::ERR_INTERNET_DISCONNECTED' }));
  const page = loadPage('pages/home/index.js');
  page.onShow();
  await wait(600); // the one automatic retry of a GET waits 400 ms
  await flush();
  const { text } = render(page);
  expect(text).toContain('网络连接失败，请检查网络后重试');
  expect(text).toContain('重新加载');
});

test('check-in: scenario cards with their rules and the result card', async () => {
  const env = prepare();
  env.backend.on('POST', '/checkins', () => ({ status: 201, body: { id: 1, status: 'approved', carbon_g: 80, points: 10 } }));
  const page = loadPage('pages/checkin/index.js');
  page.onLoad({});
  page.onShow();
  await flush();
  env.wx.__script.scanCode.push({ result: 'site:1.sig' });
  await page.scanAndSubmit(page.byCode.bus_ride, null);
  const { text } = render(page);
  expect(text).toContain('同步微信运动步数');
  expect(text).toContain('光盘打卡');
  expect(text).toContain('光盘打卡减碳144g/餐·每餐5积分每天最多2餐');
  expect(text).toContain('扫码打卡');
  expect(text).toContain('拍照打卡');
  expect(text).toContain('合作方自动记录');
  expect(text).toContain('打卡成功公交出行减碳80g，获得10积分');
});

test('mall and offer: cards, price, and the redeem button', async () => {
  const env = prepare();
  env.backend.on('GET', '/me/account', () => ({ status: 200, body: { points_balance: 100 } }));
  env.backend.on('GET', '/offers', () => ({ status: 200, body: { items: [OFFER, { ...OFFER, id: 43, title: '拿铁', stock_left: 0 }], next_cursor: null } }));
  env.backend.on('GET', '/offers/{offer_id}', () => ({ status: 200, body: OFFER }));
  const mall = loadPage('pages/mall/index.js');
  mall.onLoad();
  mall.onShow();
  await flush();
  const shown = render(mall);
  expect(shown.text).toContain('我的积分100');
  expect(shown.count('.offer-card--offer')).toBe(2);
  expect(shown.text).toContain('还差200积分');
  expect(shown.text).toContain('已抢光');

  const offer = loadPage('pages/offer/index.js');
  offer.onLoad({ id: '42' });
  await flush();
  const detail = render(offer);
  expect(detail.text).toContain('绿叶咖啡美式咖啡一杯300积分');
  expect(detail.text).toContain('未使用的券可以在「我的券」中取消');
  expect(detail.comp.querySelector('.redeem-btn').dom.textContent.trim()).toBe('还差 200 积分');
});

test('coupon: QR canvas, grouped short code, cancel button', async () => {
  const env = prepare();
  env.backend.on('GET', '/me/coupons/{coupon_id}', () => ({ status: 200, body: coupon() }));
  const page = loadPage('pages/coupon/index.js');
  page.onLoad({ id: '9' });
  await flush();
  const { text, count } = render(page);
  expect(count('.coupon-qr--qr-canvas')).toBe(1);
  expect(text).toContain('券码1234567890');
  expect(text).toContain('请向店员出示此二维码');
  expect(text).toContain('取消并退回积分');
});

test('privacy: consent switches, what we collect, export and delete', async () => {
  const env = prepare();
  env.backend.on('GET', '/me/consents', () => ({ status: 200, body: { items: [] } }));
  const page = loadPage('pages/privacy/index.js');
  page.onLoad();
  await flush();
  const { text, count } = render(page);
  expect(count('.consent')).toBe(3);
  expect(text).toContain('低碳步行读取每日步数总数·未授权');
  expect(text).toContain('只保存每天的步数总数，不读取、不保存位置或轨迹');
  expect(text).toContain('导出我的数据');
  expect(text).toContain('注销账户');
});

test('merchant workbench: a failed verification says not to hand anything over', async () => {
  const user = { id: 8, nickname: '店员', roles: ['resident', 'merchant_clerk'] };
  const env = prepare(user);
  env.backend.on('GET', '/merchant/profile', () => ({ status: 200, body: { name: '绿叶咖啡' } }));
  env.backend.on('GET', '/merchant/offers', () => ({ status: 200, body: { items: [], next_cursor: null } }));
  env.backend.on('GET', '/merchant/coupons', () => ({ status: 200, body: { items: [], next_cursor: null } }));
  env.backend.on('POST', '/merchant/coupons/verify', () => ({ status: 409, body: env.backend.errorBody(409, 'coupon_already_used', 'x') }));
  const page = loadPage('merchant/index/index.js');
  page.onLoad();
  page.onShow();
  await flush(40);
  await page.verify('1234567890');
  const { text } = render(page);
  expect(text).toContain('绿叶咖啡');
  expect(text).toContain('扫码核销');
  expect(text).toContain('⛔已核销过这张券已经核销过了请勿发放商品或优惠');
  expect(text).toContain('今天还没有核销记录');
  expect(text).not.toContain('邀请店员'); // owners only
});

test('leaderboard and records render their lists', async () => {
  const env = prepare();
  env.backend.on('GET', '/leaderboard', () => ({
    status: 200,
    body: { items: [{ rank: 1, nickname: '绿豆', carbon_g: 3000 }, { rank: 2, nickname: '青柠', carbon_g: 2000 }], me: { rank: 2, carbon_g: 2000 } },
  }));
  env.backend.on('GET', '/me/carbon-records', () => ({
    status: 200,
    body: { items: [{ id: 1, scenario: 'bus_ride', scenario_name: '公交出行', status: 'approved', quantity: 1, unit: 'ride', carbon_g: 80, points: 10, created_at: new Date().toISOString() }], next_cursor: null },
  }));
  const board = loadPage('pages/leaderboard/index.js');
  board.onLoad();
  await flush();
  expect(render(board).text).toContain('我的排名第2名');

  const records = loadPage('pages/records/index.js');
  records.onLoad({});
  await flush();
  const { text } = render(records);
  expect(text).toContain('公交出行80g');
  expect(text).toContain('+10积分已发放');
  expect(text).toContain('没有更多了');
});
