/**
 * @jest-environment jsdom
 */
/**
 * 活动签到: an event's QR scanned on the check-in page (or a link ?event= / ?scene=) opens
 * the event page; the attendee picks how they came and the round trip, POST
 * /events/attendance; each refusal explained; it says that it earns no extra points.
 */

const { setup, loggedIn, flush } = require('../helpers/env');
const { loadPage } = require('../helpers/page');
const { render } = require('../helpers/render');
const { SCENARIOS, EVENT_ID, EVENT_TOKEN, publicEvent } = require('../helpers/fixtures');

function prepare(eventBody = publicEvent()) {
  const env = setup();
  loggedIn(env);
  env.backend.on('GET', '/scenarios', () => ({ status: 200, body: { items: SCENARIOS } }));
  env.backend.on('GET', '/public/events/{public_id}', ({ params }) =>
    params.public_id === EVENT_ID
      ? { status: 200, body: eventBody }
      : { status: 404, body: env.backend.errorBody(404, 'event_not_found', 'x') },
  { auth: false });
  return env;
}

async function openEvent(query) {
  const page = loadPage('pages/event/index.js');
  page.onLoad(query);
  await flush();
  return page;
}

async function fill(page, mode, km) {
  page.chooseMode({ currentTarget: { dataset: { mode } } });
  page.onDistanceInput({ detail: { value: km } });
  await page.onSubmit();
  await flush();
}

// ---------------------------------------------------------------- how the page opens

test('check-in page: 扫活动码 opens the event page with the scanned token', async () => {
  const env = prepare();
  const page = loadPage('pages/checkin/index.js');
  page.onLoad({});
  page.onShow();
  await flush();
  expect(render(page).text).toContain('零碳活动签到扫活动现场的二维码，记录你是怎么来的（不另发积分）扫活动码');

  env.wx.__script.scanCode.push({ result: EVENT_TOKEN });
  await page.onScanEvent();
  expect(env.wx.__calls.navigations.pop()).toEqual({ type: 'navigateTo', url: `/pages/event/index?event=${encodeURIComponent(EVENT_TOKEN)}` });

  env.wx.__script.scanCode.push({ result: 'site:bus-12.sig' }); // a check-in site, not an event
  await page.onScanEvent();
  expect(env.wx.__calls.modals.pop()).toMatchObject({ title: '这不是活动签到码' });
  expect(env.wx.__calls.navigations).toEqual([]);
  expect(env.backend.requestsTo('POST', '/checkins')).toHaveLength(0);
});

test('check-in page: an event QR read by a scenario scan button or a deep link is not a check-in', async () => {
  const env = prepare();
  const page = loadPage('pages/checkin/index.js');
  page.onLoad({});
  page.onShow();
  await flush();
  env.wx.__script.scanCode.push({ result: EVENT_TOKEN });
  page.onScan({ currentTarget: { dataset: { code: 'bus_ride' } } });
  await flush();
  expect(env.wx.__calls.navigations.pop().url).toBe(`/pages/event/index?event=${encodeURIComponent(EVENT_TOKEN)}`);

  const linked = loadPage('pages/checkin/index.js');
  linked.onLoad({ scene: encodeURIComponent(EVENT_TOKEN) });
  linked.onShow();
  await flush();
  expect(env.wx.__calls.navigations.pop().url).toBe(`/pages/event/index?event=${encodeURIComponent(EVENT_TOKEN)}`);
  expect(env.backend.requestsTo('POST', '/checkins')).toHaveLength(0);
});

test('event page: opened with ?event= or ?scene= it shows the public event', async () => {
  const env = prepare();
  const page = await openEvent({ event: encodeURIComponent(EVENT_TOKEN) });
  expect(page.data.event).toMatchObject({ name: '2026 绿色发展论坛', venue: '市会展中心', dates: '2026年5月8日—2026年5月9日', closed: false });
  expect(env.backend.requestsTo('GET', `/public/events/${EVENT_ID}`)).toHaveLength(1);
  expect(env.wx.__calls.title).toBe('2026 绿色发展论坛');

  const shown = render(page);
  expect(shown.text).toContain('零碳活动筹备中2026绿色发展论坛2026年5月8日—2026年5月9日·市会展中心主办方：论坛组委会');
  expect(shown.texts('.mode')).toEqual(['🚇地铁', '🚌公交', '🚲骑行', '🚶步行']);
  expect(shown.text).toContain('往返距离');
  expect(shown.text).toContain('这里不另发积分，出行积分照常通过公交/步行等打卡获得。');

  const scene = await openEvent({ scene: encodeURIComponent(EVENT_TOKEN) });
  expect(scene.data.status).toBe('ready');
});

test('event page: a code that is not an event QR, or an unknown event, says so', async () => {
  const env = prepare();
  const page = await openEvent({ event: 'site:bus-12.sig' });
  expect(page.data.status).toBe('invalid');
  expect(env.backend.state.requests.filter((r) => r.path.indexOf('/public/events') >= 0)).toHaveLength(0);
  expect(render(page).text).toContain('这不是活动签到码请在「打卡」页点「扫活动码」，扫描活动现场张贴的二维码。去扫码');
  page.goCheckin();
  expect(env.wx.__calls.navigations.pop()).toEqual({ type: 'switchTab', url: '/pages/checkin/index' });

  const unknown = await openEvent({ event: EVENT_TOKEN.replace(EVENT_ID, 'EV0000000000') });
  expect(unknown.data).toMatchObject({ status: 'error', errorMessage: '没有找到这场活动，请扫描活动现场的二维码' });
});

test('event page: without the public view (network) the attendee can still record', async () => {
  const env = prepare();
  env.backend.on('GET', '/public/events/{public_id}', () => ({ status: 503, body: env.backend.errorBody(503, 'service_unavailable', 'x') }), { auth: false });
  const page = await openEvent({ event: EVENT_TOKEN });
  expect(page.data).toMatchObject({ status: 'ready', event: null });
  expect(render(page).text).toContain('零碳活动签到你是怎么来的？');
});

test('event page: an event already accounted shows no form', async () => {
  prepare(publicEvent({ event: { stage: 'accounted' } }));
  const page = await openEvent({ event: EVENT_TOKEN });
  const shown = render(page);
  expect(shown.text).toContain('这场活动的碳核算已完成不再记录出行方式。');
  expect(shown.count('.mode')).toBe(0);
});

// ---------------------------------------------------------------- recording

test('recording: mode and round trip are sent with the token; the answer is shown', async () => {
  const env = prepare();
  env.backend.on('POST', '/events/attendance', ({ body }) => ({
    status: 201,
    body: { id: 3, mode: body.mode, distance_km: body.distance_km, event: '2026 绿色发展论坛' },
  }));
  const page = await openEvent({ event: EVENT_TOKEN });

  await fill(page, 'metro', '12.5');

  const [req] = env.backend.requestsTo('POST', '/events/attendance');
  expect(req.body).toEqual({ token: EVENT_TOKEN, mode: 'metro', distance_km: 12.5 });
  expect(req.headers.Authorization).toBeTruthy();
  expect(page.data.done).toEqual({ icon: '✅', title: '已记录你的出行方式', detail: '🚇 地铁 · 往返 12.5 公里，计入「2026 绿色发展论坛」的碳排放核算' });
  const shown = render(page);
  expect(shown.text).toContain('已记录你的出行方式🚇地铁·往返12.5公里，计入「2026绿色发展论坛」的碳排放核算出行积分照常通过公交/步行等打卡获得。');
  expect(shown.count('.mode')).toBe(0);

  await page.onSubmit(); // done: a second tap sends nothing
  expect(env.backend.requestsTo('POST', '/events/attendance')).toHaveLength(1);
});

test('recording: the form asks for a mode and a sensible distance before sending', async () => {
  const env = prepare();
  const page = await openEvent({ event: EVENT_TOKEN });
  await page.onSubmit();
  expect(page.data.formError).toBe('请选择你是怎么来的');
  for (const km of ['', '0', '-3', 'abc', '5000.5', '1.2345']) {
    // eslint-disable-next-line no-await-in-loop
    await fill(page, 'bus', km);
    expect([km, page.data.formError]).toEqual([km, '请输入往返公里数：大于 0，最多 5000，最多三位小数']);
  }
  expect(render(page).texts('.field-error')).toEqual(['请输入往返公里数：大于 0，最多 5000，最多三位小数']);
  expect(env.backend.requestsTo('POST', '/events/attendance')).toHaveLength(0);
});

test.each([
  [400, 'invalid_qr', '这不是有效的活动签到码，请扫描活动现场的二维码'],
  [409, 'event_wrong_stage', '这场活动的碳核算已完成，不再记录出行方式'],
  [422, 'invalid_mode', '请选择出行方式：地铁、公交、骑行或步行'],
  [422, 'invalid_distance', '往返距离须大于 0 且不超过 5000 公里'],
  [404, 'event_not_found', '没有找到这场活动，请扫描活动现场的二维码'],
])('recording refused %s %s: explained in Chinese', async (status, reason, message) => {
  const env = prepare();
  env.backend.on('POST', '/events/attendance', () => ({ status, body: env.backend.errorBody(status, reason, 'x') }));
  const page = await openEvent({ event: EVENT_TOKEN });
  await fill(page, 'bike', '8');
  expect(env.wx.__calls.modals.pop()).toMatchObject({ title: '没有记录成功', content: message });
  expect(page.data.done).toBeNull();
  expect(page.data.submitting).toBe(false);
  expect(page.data.event.closed).toBe(reason === 'event_wrong_stage');
});

test('recording refused validation_error: the fields are named', async () => {
  const env = prepare();
  env.backend.on('POST', '/events/attendance', () => ({
    status: 422,
    body: env.backend.errorBody(422, 'validation_error', 'x', { mode: ['Must be one of'], distance_km: ['Not a valid number.'] }),
  }));
  const page = await openEvent({ event: EVENT_TOKEN });
  await fill(page, 'walk', '2');
  expect(env.wx.__calls.modals.pop().content).toBe('请检查：出行方式、往返距离');
});

test('recording: recorded before is not a failure', async () => {
  const env = prepare();
  env.backend.on('POST', '/events/attendance', () => ({ status: 409, body: env.backend.errorBody(409, 'attendance_recorded', 'x') }));
  const page = await openEvent({ event: EVENT_TOKEN });
  await fill(page, 'walk', '3');
  expect(env.wx.__calls.modals).toEqual([]);
  expect(page.data.done).toMatchObject({ title: '你已记录过本次活动的出行方式' });
  expect(render(page).text).toContain('你已记录过本次活动的出行方式每人每场活动记录一次，无需重复提交');
});
