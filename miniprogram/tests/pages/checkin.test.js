/** Check-in page: scenario list, QR scan, photo upload, WeRun with consent, errors. */

const { setup, loggedIn, flush } = require('../helpers/env');
const { loadPage } = require('../helpers/page');
const { SCENARIOS } = require('../helpers/fixtures');

function prepare(options = {}) {
  const env = setup(options);
  loggedIn(env);
  env.backend.on('GET', '/scenarios', () => ({ status: 200, body: { items: SCENARIOS } }));
  return env;
}

async function openPage(env, query) {
  const page = loadPage('pages/checkin/index.js');
  page.onLoad(query || {});
  page.onShow();
  await flush();
  return page;
}

test('scenarios are grouped: WeRun, scan/photo, partner-only', async () => {
  const env = prepare();
  const page = await openPage(env);

  expect(page.data.status).toBe('ready');
  expect(page.data.werunScenario.code).toBe('walk_steps');
  expect(page.data.evidenceScenarios.map((s) => [s.code, s.canScan, s.canPhoto])).toEqual([
    ['clean_plate', false, true],
    ['bus_ride', true, false],
    ['old_clothes', true, true],
  ]);
  expect(page.data.partnerScenarios.map((s) => s.code)).toEqual(['metro_km']);
  expect(page.data.evidenceScenarios[0].ruleText).toBe('每餐 5 积分');
});

test('live campaigns show as a banner and on the scenarios they boost', async () => {
  const env = prepare();
  env.backend.on('GET', '/campaigns', () => ({
    status: 200,
    body: {
      items: [{ id: 1, name: '绿色出行周', scenarios: ['bus_ride'], multiplier: 2, bonus_points: 0, ends_at: '2030-06-30T15:59:59Z' }],
      next_cursor: null,
    },
  }));
  const page = await openPage(env);
  expect(page.data.campaigns).toEqual([{ id: 1, name: '绿色出行周', text: '积分×2', until: '2030年6月30日' }]);
  const bus = page.data.evidenceScenarios.find((s) => s.code === 'bus_ride');
  expect(bus.campaigns).toEqual([{ name: '绿色出行周', text: '积分×2' }]);
});

test('scanning a site QR posts a qr check-in and shows the result', async () => {
  const env = prepare();
  env.backend.on('POST', '/checkins', ({ body }) => ({
    status: 201,
    body: { id: 5, scenario: body.scenario, status: 'approved', carbon_g: 80, points: 10 },
  }));
  const page = await openPage(env);
  env.wx.__script.scanCode.push({ result: 'site:bus-12.sig' });

  page.onScan({ currentTarget: { dataset: { code: 'bus_ride' } } });
  await flush();

  const [req] = env.backend.requestsTo('POST', '/checkins');
  expect(req.body).toEqual({ scenario: 'bus_ride', evidence: { type: 'qr', token: 'site:bus-12.sig' } });
  expect(req.headers['Idempotency-Key']).toBeTruthy();
  expect(page.data.result).toMatchObject({ title: '打卡成功', tone: 'success', scenarioName: '公交出行' });
  expect(page.data.result.detail).toBe('减碳 80 g，获得 10 积分');
  expect(page.data.submitting).toBe(false);
});

test('a cancelled scan sends nothing', async () => {
  const env = prepare();
  const page = await openPage(env);
  page.onScan({ currentTarget: { dataset: { code: 'bus_ride' } } });
  await flush();
  expect(env.backend.requestsTo('POST', '/checkins')).toHaveLength(0);
  expect(page.data.result).toBeNull();
});

test('a forged QR and a full daily cap are explained in Chinese', async () => {
  const env = prepare();
  const reasons = ['invalid_qr', 'daily_cap_reached'];
  env.backend.on('POST', '/checkins', () => {
    const reason = reasons.shift();
    return { status: reason === 'invalid_qr' ? 400 : 409, body: env.backend.errorBody(400, reason, 'x') };
  });
  const page = await openPage(env);

  env.wx.__script.scanCode.push({ result: 'forged' });
  page.onScan({ currentTarget: { dataset: { code: 'bus_ride' } } });
  await flush();
  env.wx.__script.scanCode.push({ result: 'site:bus-12.sig' });
  page.onScan({ currentTarget: { dataset: { code: 'bus_ride' } } });
  await flush();

  const modals = env.wx.__calls.modals.map((m) => m.content);
  expect(modals).toEqual([
    '二维码无效或已过期，请扫描现场的官方二维码',
    '今天这个场景的打卡已达上限，明天再来吧',
  ]);
  expect(page.data.result).toBeNull();
});

test('a kg scan is sent alone; the quantity is asked only when the site has no scale', async () => {
  const env = prepare();
  env.backend.on('POST', '/checkins', ({ body }) => {
    if (body.quantity === undefined) {
      return { status: 422, body: { code: 422, status: 'Unprocessable Entity', reason: 'quantity_required', message: '请填写数量' } };
    }
    return { status: 201, body: { id: 6, status: 'pending', carbon_g: 3200, points: 0 } };
  });
  const page = await openPage(env);

  env.wx.__script.scanCode.push({ result: 'site:clothes-1.sig' });
  page.onScan({ currentTarget: { dataset: { code: 'old_clothes' } } });
  await flush();
  expect(env.backend.requestsTo('POST', '/checkins')[0].body).toEqual({
    scenario: 'old_clothes',
    evidence: { type: 'qr', token: 'site:clothes-1.sig' },
  });
  expect(env.wx.__calls.modals).toEqual([]); // not an error: the sheet asks instead
  expect(page.data.sheet).toMatchObject({ mode: 'qr', whole: false, unitLabel: '千克', token: 'site:clothes-1.sig' });
  expect(page.data.sheet.note).toContain('审核');

  page.onQuantityInput({ detail: { value: '-2' } });
  await page.onSheetSubmit();
  expect(page.data.sheet.error).toContain('大于 0');

  page.onQuantityInput({ detail: { value: '2.5' } });
  await page.onSheetSubmit();
  await flush();

  // The same scanned code, now with the quantity: no second scan.
  expect(env.backend.requestsTo('POST', '/checkins')[1].body).toEqual({
    scenario: 'old_clothes',
    quantity: 2.5,
    evidence: { type: 'qr', token: 'site:clothes-1.sig' },
  });
  expect(page.data.sheet).toBeNull();
  expect(page.data.result).toMatchObject({ title: '已提交，等待审核', tone: 'pending' });
});

test('a weighing-station receipt is paid from the scan alone', async () => {
  const env = prepare();
  env.backend.on('POST', '/checkins', () => ({ status: 201, body: { id: 8, status: 'approved', carbon_g: 4480, points: 105 } }));
  const page = await openPage(env);

  env.wx.__script.scanCode.push({ result: 'TPW1.3.1.R-1.3500.1700000000.sig' });
  page.onScan({ currentTarget: { dataset: { code: 'old_clothes' } } });
  await flush();

  expect(env.backend.requestsTo('POST', '/checkins')).toHaveLength(1);
  expect(env.backend.requestsTo('POST', '/checkins')[0].body.quantity).toBeUndefined();
  expect(page.data.sheet).toBeNull();
  expect(page.data.result).toMatchObject({ tone: 'success' });
});

test('photo: upload once, check in with the upload_id; a retry does not upload again', async () => {
  const env = prepare();
  let uploads = 0;
  env.backend.on('POST', '/uploads', () => {
    uploads += 1;
    return { status: 201, body: { upload_id: `up-${uploads}` } };
  });
  let attempts = 0;
  env.backend.on('POST', '/checkins', ({ body }) => {
    attempts += 1;
    if (attempts <= 2) return { fail: 'request:fail timeout' }; // first try + auto retry lost
    return { status: 201, body: { id: 7, scenario: body.scenario, status: 'pending', carbon_g: 144, points: 0 } };
  });
  const page = await openPage(env);
  env.wx.__script.chooseMedia.push({ tempFiles: [{ tempFilePath: 'wxfile://tmp/plate.jpg' }] });

  await page.onPhoto({ currentTarget: { dataset: { code: 'clean_plate' } } });
  expect(page.data.sheet).toMatchObject({ mode: 'photo', photo: 'wxfile://tmp/plate.jpg', whole: true });
  await page.onSheetSubmit();
  expect(env.wx.__calls.modals.pop().title).toBe('网络不太顺畅');
  expect(page.data.sheet).not.toBeNull(); // kept so the user can tap again

  await page.onSheetSubmit();

  expect(uploads).toBe(1);
  expect(env.wx.__calls.uploadFile[0]).toMatchObject({ filePath: 'wxfile://tmp/plate.jpg', name: 'file' });
  const sent = env.backend.requestsTo('POST', '/checkins');
  expect(sent).toHaveLength(3);
  expect(sent[2].body).toEqual({ scenario: 'clean_plate', quantity: 1, evidence: { type: 'photo', upload_id: 'up-1' } });
  expect(new Set(sent.map((r) => r.headers['Idempotency-Key'])).size).toBe(1);
  expect(page.data.sheet).toBeNull();
  expect(page.data.result.title).toBe('已提交，等待审核');
});

test('WeRun: consent first, then getWeRunData, then POST /werun/sync', async () => {
  const env = prepare();
  env.backend.on('GET', '/me/consents', () => ({ status: 200, body: { items: [] } }));
  env.backend.on('PUT', '/me/consents/{scenario}', ({ params, body }) => ({
    status: 200,
    body: { scenario: params.scenario, granted: body.granted, version: '2025-01' },
  }));
  const today = require('../../utils/format').shanghaiDate();
  env.backend.on('POST', '/werun/sync', () => ({
    status: 200,
    body: { days: [{ date: today, steps: 8000, carbon_g: 131.2, points: 16 }, { date: '2020-01-01', steps: 4000, carbon_g: 65.6, points: 8 }] },
  }));
  const page = await openPage(env);
  env.wx.__script.getWeRunData.push({ encryptedData: 'ENC', iv: 'IV' });

  await page.onWeRun();

  expect(env.wx.__calls.modals[0].title).toBe('开启步行减碳');
  expect(env.backend.requestsTo('PUT', '/me/consents/walk_steps')[0].body).toEqual({ granted: true });
  const [sync] = env.backend.requestsTo('POST', '/werun/sync');
  expect(sync.body).toEqual({ encrypted_data: 'ENC', iv: 'IV' });
  expect(sync.headers['Idempotency-Key']).toBeTruthy();
  expect(page.data.werunResult).toEqual({ todaySteps: 8000, todayCarbon: '131.2 g', points: 24, days: 2 });
  expect(env.wx.getStorageSync('tph_werun_synced_on')).toBe(today);
});

test('WeRun: declining the consent reads nothing', async () => {
  const env = prepare();
  env.backend.on('GET', '/me/consents', () => ({ status: 200, body: { items: [] } }));
  const page = await openPage(env);
  env.wx.__script.modal.push({ confirm: false });

  await page.onWeRun();

  expect(env.backend.requestsTo('PUT', '/me/consents/walk_steps')).toHaveLength(0);
  expect(env.backend.requestsTo('POST', '/werun/sync')).toHaveLength(0);
  expect(page.data.syncing).toBe(false);
});

test('WeRun: invalid_encrypted_data logs in again and retries once with fresh data', async () => {
  const env = prepare();
  env.backend.on('GET', '/me/consents', () => ({ status: 200, body: { items: [{ scenario: 'walk_steps', granted: true }] } }));
  let calls = 0;
  env.backend.on('POST', '/werun/sync', ({ body }) => {
    calls += 1;
    if (calls === 1) return { status: 400, body: env.backend.errorBody(400, 'invalid_encrypted_data', 'x') };
    return { status: 200, body: { days: [{ date: '2024-01-01', steps: 1, carbon_g: 0, points: 0, echo: body.iv }] } };
  });
  const page = await openPage(env);
  env.wx.__script.getWeRunData.push({ encryptedData: 'OLD', iv: 'IV1' }, { encryptedData: 'NEW', iv: 'IV2' });

  await page.onWeRun();

  const syncs = env.backend.requestsTo('POST', '/werun/sync');
  expect(syncs.map((s) => s.body.iv)).toEqual(['IV1', 'IV2']);
  expect(env.backend.state.logins).toBe(1);
  expect(page.data.werunResult).toBeTruthy();
});

test('WeRun in a develop build gets its data from the local WeChat sandbox', async () => {
  const env = prepare({ envVersion: 'develop' });
  env.backend.on('GET', '/me/consents', () => ({ status: 200, body: { items: [{ scenario: 'walk_steps', granted: true }] } }));
  env.backend.on('POST', '/werun/sync', () => ({ status: 200, body: { days: [] } }));
  const page = await openPage(env);

  await page.onWeRun();

  const built = env.backend.state.requests.find((r) => r.path === '/sandbox/werun-data');
  expect(built.body.step_info_list).toHaveLength(7);
  expect(built.body.step_info_list[6].step).toBe(6800);
  expect(env.backend.requestsTo('POST', '/werun/sync')[0].body.encrypted_data).toBe(`enc-${built.body.openid}`);
});

test('opened from a site code with ?scenario=&token= it checks in straight away', async () => {
  const env = prepare();
  env.backend.on('POST', '/checkins', () => ({ status: 201, body: { id: 8, status: 'approved', carbon_g: 80, points: 10 } }));
  await openPage(env, { scenario: 'bus_ride', token: 'site:bus-3.sig' });
  await flush();
  expect(env.backend.requestsTo('POST', '/checkins')[0].body).toEqual({
    scenario: 'bus_ride',
    evidence: { type: 'qr', token: 'site:bus-3.sig' },
  });
});

test('parseQuantity accepts whole units or decimals as the scenario allows', () => {
  setup();
  global.Page = () => {};
  const { parseQuantity } = require('../../pages/checkin/index.js');
  expect(parseQuantity('2', true)).toBe(2);
  expect(parseQuantity('2.5', true)).toBeNull();
  expect(parseQuantity('2.5', false)).toBe(2.5);
  expect(parseQuantity('0', false)).toBeNull();
  expect(parseQuantity('abc', false)).toBeNull();
  expect(parseQuantity('5000', false)).toBeNull();
});
