/**
 * @jest-environment jsdom
 */
/**
 * Where to use a coupon and joining the alliance: the merchants page (a <map>, distance
 * sorting on the phone once location is granted, a merchant's sheet with its offers),
 * the place on offers and coupons, and the application page (form, checks, the result
 * notice asked for before submitting, each state of an application).
 */

const { setup, loggedIn, flush } = require('../helpers/env');
const { loadPage } = require('../helpers/page');
const { render } = require('../helpers/render');
const { OFFER, coupon, merchantPlace, offerMerchant, application, NOTICE_TEMPLATES } = require('../helpers/fixtures');

// Far (id 9, ~8 km north), near (id 2) and one without a position (id 5).
const MERCHANTS = [merchantPlace(9, { latitude_e6: 28950000 }), merchantPlace(2), merchantPlace(5, { latitude_e6: null, longitude_e6: null })];
const HERE = { latitude: 28.873, longitude: 105.443 };

function prepare(merchants = MERCHANTS) {
  const env = setup();
  loggedIn(env);
  env.backend.on('GET', '/merchants', () => ({ status: 200, body: { items: merchants, next_cursor: null } }));
  env.backend.on('GET', '/offers', ({ query }) => ({
    status: 200,
    body: { items: query.merchant_id === '2' ? [{ ...OFFER, merchant: offerMerchant(2) }] : [], next_cursor: null },
  }));
  env.backend.on('GET', '/notice-templates', () => ({ status: 200, body: NOTICE_TEMPLATES }), { auth: false });
  return env;
}

async function openMerchants(env, options = {}) {
  const page = loadPage('pages/merchants/index.js');
  page.onLoad(options);
  await flush();
  return page;
}

// ---------------------------------------------------------------- merchants page

test('merchants: a marker per placed merchant, the list as the server gives it until location is allowed', async () => {
  const env = prepare();
  const page = await openMerchants(env);
  expect(page.data.status).toBe('ready');
  expect(page.data.map.markers.map((m) => m.id)).toEqual([9, 2]);
  expect(page.data.map.markers[1]).toMatchObject({ latitude: 28.873, longitude: 105.443, iconPath: '/assets/map/shop.png' });
  expect(page.data.rows.map((r) => r.id)).toEqual([9, 2, 5]);
  expect(page.data.sorted).toBe(false);
  expect(env.wx.__calls.locations).toBe(0); // never asked without a tap
  const { text, count } = render(page);
  expect(count('wx-map')).toBe(1);
  expect(text).toContain('按距离排序');
  expect(text).toContain('位置只在手机上用来计算距离，不会上传。');
  expect(text).toContain('江阳区滨江路2号');
  expect(text).toContain('营业时间每天9:00-21:00');
});

test('merchants: sorting by distance reads the position on the phone and never sends it', async () => {
  const env = prepare();
  const page = await openMerchants(env);
  env.wx.__script.getLocation.push(HERE);
  await page.onSortByDistance();
  expect(page.data.rows.map((r) => [r.id, r.distanceText])).toEqual([[2, '10 m'], [9, '8.6 km'], [5, '']]);
  expect(page.data.map.showLocation).toBe(true);
  expect(render(page).text).toContain('按距离由近到远');
  const sent = JSON.stringify(env.backend.state.requests);
  expect(sent).not.toMatch(/28\.87|105\.44|latitude|longitude/);
});

test('merchants: granted before, sorted at once; refused, the settings are offered', async () => {
  const granted = prepare();
  granted.wx.__script.authSetting['scope.userLocation'] = true;
  granted.wx.__script.getLocation.push(HERE);
  const page = await openMerchants(granted);
  expect(page.data.sorted).toBe(true);
  expect(page.data.rows[0].id).toBe(2);

  const refused = prepare();
  const other = await openMerchants(refused);
  refused.wx.__script.modal.push({ confirm: false });
  await other.onSortByDistance(); // the fake's getLocation says auth deny
  expect(other.data.sorted).toBe(false);
  expect(refused.wx.__calls.modals.pop().content).toContain('只在手机上计算距离，不会上传');
});

test('merchants: a merchant sheet with where to go, the phone and its live offers', async () => {
  const env = prepare();
  const page = await openMerchants(env);
  page.onMarkerTap({ detail: { markerId: 2 } });
  await flush();
  expect(env.backend.requestsTo('GET', '/offers').pop().query).toMatchObject({ merchant_id: '2' });
  expect(page.data.selected.offers.items.map((o) => o.title)).toEqual(['美式咖啡一杯']);
  const { text } = render(page);
  expect(text).toContain('联盟商户2');
  expect(text).toContain('导航到店');
  expect(text).toContain('致电商户');
  expect(text).toContain('美式咖啡一杯300积分');

  page.openOffer({ currentTarget: { dataset: { id: 42 } } });
  expect(env.wx.__calls.navigations.pop().url).toBe('/pages/offer/index?id=42');

  const none = await openMerchants(prepare(), { id: '9' }); // opened from an offer
  expect(none.data.selected.place.id).toBe(9);
  expect(none.data.selected.offers.status).toBe('empty');
});

test('merchant-place: 导航 opens WeChat\'s map at the shop and 致电 dials its number', () => {
  setup();
  let definition;
  const before = global.Component;
  global.Component = (def) => {
    definition = def;
  };
  jest.isolateModules(() => require('../../components/merchant-place/index.js'));
  global.Component = before; // miniprogram-simulate registers components through it
  const place = require('../../utils/merchants').placeOf(merchantPlace(2, { phone: '0830-123 4567' }));
  const self = { data: { place } };
  definition.methods.onNavigate.call(self);
  definition.methods.onCall.call(self);
  expect(global.wx.__calls.openedLocations).toEqual([{ latitude: 28.873, longitude: 105.443, name: '联盟商户2', address: '江阳区滨江路 2 号', scale: 17 }]);
  expect(global.wx.__calls.phoneCalls).toEqual(['08301234567']);
});

test('offer and coupon pages say where to use the coupon', async () => {
  const env = prepare();
  env.backend.on('GET', '/me/account', () => ({ status: 200, body: { points_balance: 100 } }));
  env.backend.on('GET', '/offers/{offer_id}', () => ({ status: 200, body: { ...OFFER, merchant: offerMerchant(3, { name: '绿叶咖啡' }) } }));
  env.backend.on('GET', '/me/coupons/{coupon_id}', () => ({ status: 200, body: coupon({ merchant: offerMerchant(3, { name: '绿叶咖啡' }) }) }));
  const offer = loadPage('pages/offer/index.js');
  offer.onLoad({ id: '42' });
  offer.onShow && offer.onShow();
  await flush();
  const shownOffer = render(offer).text;
  expect(shownOffer).toContain('在哪里用');
  expect(shownOffer).toContain('江阳区滨江路3号');
  expect(shownOffer).toContain('每天9:00-21:00');
  offer.goMerchants();
  expect(env.wx.__calls.navigations.pop().url).toBe('/pages/merchants/index?id=3');

  const held = loadPage('pages/coupon/index.js');
  held.onLoad({ id: '9' });
  await flush();
  expect(render(held).text).toContain('在哪里用绿叶咖啡📍江阳区滨江路3号');
  // A merchant that told nothing: no empty section.
  expect(require('../../utils/merchants').placeOf({ id: 3, name: '绿叶咖啡' })).toBeNull();
});

// ---------------------------------------------------------------- applying

function prepareApply(items = []) {
  const env = prepare();
  env.backend.on('GET', '/me/merchant-applications', () => ({ status: 200, body: { items, next_cursor: null } }));
  env.backend.on('POST', '/uploads', () => ({ status: 201, body: { upload_id: 'cd'.repeat(16) } }));
  env.backend.on('POST', '/me/merchant-applications', ({ body }) => {
    items.unshift(application(12, { ...body }));
    return { status: 201, body: items[0] };
  });
  env.backend.on('POST', '/me/merchant-applications/{application_id}/withdraw', () => {
    items[0] = { ...items[0], status: 'withdrawn' };
    return { status: 200, body: items[0] };
  });
  return env;
}

async function openApply() {
  const page = loadPage('pages/merchant-apply/index.js');
  page.onLoad();
  await flush();
  return page;
}

function fill(page, env) {
  ['name', 'address', 'phone', 'opening_hours'].forEach((field) => {
    const value = { name: '绿叶便利店', address: '酒城大道 88 号', phone: '0830-1234567', opening_hours: '每天 8:00-22:00' }[field];
    page.onInput({ currentTarget: { dataset: { field } }, detail: { value } });
  });
  env.wx.__script.chooseLocation.push({ name: '绿叶便利店', address: '泸州市江阳区酒城大道 88 号', latitude: 28.871234, longitude: 105.44321 });
  env.wx.__script.chooseMedia.push({ tempFiles: [{ tempFilePath: 'wxfile://tmp/licence.jpg' }] });
}

test('apply: the form is checked on the phone before anything is sent', async () => {
  const env = prepareApply();
  const page = await openApply();
  expect(page.data.showForm).toBe(true);
  page.onInput({ currentTarget: { dataset: { field: 'phone' } }, detail: { value: 'call me' } });
  await page.onSubmit();
  expect(Object.keys(page.data.errors).sort()).toEqual(['address', 'licence', 'location', 'name', 'opening_hours', 'phone']);
  expect(env.backend.requestsTo('POST', '/me/merchant-applications')).toHaveLength(0);
  expect(env.wx.__calls.subscriptions).toEqual([]);
  const { text } = render(page);
  expect(text).toContain('请在地图上选择店铺位置');
  expect(text).toContain('请上传营业执照照片');
});

test('apply: asks for the result notice inside the tap, uploads the licence, then shows 审核中', async () => {
  const env = prepareApply();
  const page = await openApply();
  fill(page, env);
  page.chooseLocation();
  await page.chooseLicence();
  await flush();
  expect(page.data.form.location).toEqual({ latitude_e6: 28871234, longitude_e6: 105443210, text: '绿叶便利店', address: '泸州市江阳区酒城大道 88 号' });

  const submitting = page.onSubmit();
  // Asked synchronously, before any request: WeChat refuses the prompt outside a tap.
  expect(env.wx.__calls.subscriptions).toEqual([['tmpl-application']]);
  const requestsBefore = env.backend.state.requests.filter((r) => r.method === 'POST').length;
  expect(requestsBefore).toBe(0);
  await submitting;
  await flush();

  const [sent] = env.backend.requestsTo('POST', '/me/merchant-applications');
  expect(sent.body).toEqual({
    name: '绿叶便利店', address: '酒城大道 88 号', phone: '0830-1234567', opening_hours: '每天 8:00-22:00',
    latitude_e6: 28871234, longitude_e6: 105443210, licence_upload_id: 'cd'.repeat(16),
  });
  expect(env.wx.__calls.uploadFile).toHaveLength(1);
  expect(page.data.latest).toMatchObject({ status: 'pending', text: '审核中' });
  expect(page.data.showForm).toBe(false);
  expect(render(page).text).toContain('审核中');
});

test('apply: a refusal shows the operator\'s reason and the form filled again; approval opens the workbench', async () => {
  const env = prepareApply([application(4, { status: 'rejected', review_note: '营业执照照片不清晰' })]);
  const page = await openApply();
  expect(page.data.latest.detail).toBe('原因：营业执照照片不清晰');
  expect(page.data.form.name).toBe('绿叶便利店');
  expect(page.data.form.licence).toBe(''); // a new photo each time
  const { text } = render(page);
  expect(text).toContain('未通过');
  expect(text).toContain('原因：营业执照照片不清晰');
  expect(text).toContain('修改后重新提交');

  prepareApply([application(4, { status: 'approved', merchant_id: 3 })]);
  const approved = await openApply();
  expect(approved.data.showForm).toBe(false);
  expect(render(approved).text).toContain('进入商户工作台');
  await approved.goWorkbench();
  expect(global.wx.__calls.navigations.pop().url).toBe('/merchant/index/index');
  expect(env).toBeTruthy();
});

test('apply: a pending application can be withdrawn, then the form comes back', async () => {
  const env = prepareApply([application(4)]);
  const page = await openApply();
  expect(page.data.showForm).toBe(false);
  await page.onWithdraw();
  await flush();
  expect(env.backend.requestsTo('POST', '/me/merchant-applications/4/withdraw')).toHaveLength(1);
  expect(page.data.latest.status).toBe('withdrawn');
  expect(page.data.showForm).toBe(true);
});
