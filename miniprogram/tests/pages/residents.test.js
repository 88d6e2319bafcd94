/**
 * @jest-environment jsdom
 */
/**
 * Residents (issue 17): the subscribe-message request before actions that lead to a
 * notice, why a check-in was rejected, nickname and avatar through WeChat's fill-ins and
 * on the leaderboard, binding a partner account, site mini-program codes (short scene)
 * opening the check-in page, and the export downloaded as a file.
 */

const { setup, loggedIn, flush } = require('../helpers/env');
const { loadPage } = require('../helpers/page');
const { render } = require('../helpers/render');
const { SCENARIOS, NOTICE_TEMPLATES, PARTNER, bindResult, sinkProject, tree, adoption } = require('../helpers/fixtures');

const SCENE = 's=2f.0.Jr0dW2sU1vV8ZQx_';

function prepare(options = {}) {
  const env = setup(options);
  loggedIn(env);
  env.backend.on('GET', '/scenarios', () => ({ status: 200, body: { items: SCENARIOS } }));
  env.backend.on('GET', '/notice-templates', () => ({ status: 200, body: NOTICE_TEMPLATES }), { auth: false });
  return env;
}

async function openCheckin(env, query) {
  const page = loadPage('pages/checkin/index.js');
  page.onLoad(query || {});
  page.onShow();
  await flush();
  return page;
}

// ---------------------------------------------------------------- subscribe messages

test('a photo check-in asks for the review notice inside the tap, before it is sent', async () => {
  const env = prepare();
  env.backend.on('POST', '/uploads', () => ({ status: 201, body: { upload_id: 'up-1' } }));
  env.backend.on('POST', '/checkins', () => ({ status: 201, body: { id: 7, scenario: 'clean_plate', status: 'pending', carbon_g: 144, points: 0 } }));
  const page = await openCheckin(env);
  env.wx.__script.chooseMedia.push({ tempFiles: [{ tempFilePath: 'wxfile://tmp/plate.jpg' }] });
  await page.onPhoto({ currentTarget: { dataset: { code: 'clean_plate' } } });

  const submitting = page.onSheetSubmit();
  expect(env.wx.__calls.subscriptions).toEqual([['tmpl-review']]); // synchronously, in the tap
  expect(env.wx.__calls.uploadFile).toHaveLength(0);
  await submitting;
  expect(env.backend.requestsTo('POST', '/checkins')).toHaveLength(1);
  expect(page.data.result.title).toBe('已提交，等待审核');
});

test('a refused, failed or impossible subscription never stops the check-in', async () => {
  for (const variant of ['reject', 'fail', 'missing', 'no-templates']) {
    const env = setup();
    loggedIn(env);
    env.backend.on('GET', '/scenarios', () => ({ status: 200, body: { items: SCENARIOS } }));
    if (variant === 'no-templates') env.backend.on('GET', '/notice-templates', () => ({ status: 503, body: env.backend.errorBody(503, 'service_unavailable') }), { auth: false });
    else env.backend.on('GET', '/notice-templates', () => ({ status: 200, body: NOTICE_TEMPLATES }), { auth: false });
    if (variant === 'reject') env.wx.__script.subscribe = 'reject';
    if (variant === 'fail') env.wx.__script.subscribe = 'fail';
    if (variant === 'missing') env.wx.__script.subscribeAvailable = false;
    env.backend.on('POST', '/uploads', () => ({ status: 201, body: { upload_id: 'up-1' } }));
    env.backend.on('POST', '/checkins', () => ({ status: 201, body: { id: 7, status: 'pending', carbon_g: 144, points: 0 } }));
    // eslint-disable-next-line no-await-in-loop
    const page = await openCheckin(env);
    env.wx.__script.chooseMedia.push({ tempFiles: [{ tempFilePath: 'wxfile://tmp/plate.jpg' }] });
    // eslint-disable-next-line no-await-in-loop
    await page.onPhoto({ currentTarget: { dataset: { code: 'clean_plate' } } });
    // eslint-disable-next-line no-await-in-loop
    await page.onSheetSubmit();
    expect([variant, env.backend.requestsTo('POST', '/checkins').length]).toEqual([variant, 1]);
    expect([variant, env.wx.__calls.subscriptions.length]).toEqual([variant, ['missing', 'no-templates'].indexOf(variant) >= 0 ? 0 : 1]);
  }
});

test('utils/subscribe: templates loaded once, unknown kinds left out, the accepted ones reported', async () => {
  const env = prepare();
  const subscribe = require('../../utils/subscribe');
  await Promise.all([subscribe.preload(), subscribe.preload()]);
  await subscribe.preload();
  expect(env.backend.requestsTo('GET', '/notice-templates')).toHaveLength(1);
  expect(await subscribe.ask(['nope'])).toEqual({ accepted: [], asked: false });
  expect(await subscribe.ask(['merchant_application', 'tree_replaced', 'nope'])).toEqual({ accepted: ['merchant_application', 'tree_replaced'], asked: true });
  expect(env.wx.__calls.subscriptions).toEqual([['tmpl-application', 'tmpl-tree']]);
});

test('adopting a tree asks for the tree-replaced notice before the confirmation', async () => {
  const env = prepare();
  env.backend.on('GET', '/me/account', () => ({ status: 200, body: { points_balance: 1000 } }));
  env.backend.on('GET', '/sinks/projects', () => ({ status: 200, body: { items: [sinkProject()], next_cursor: null } }), { auth: false });
  env.backend.on('GET', '/sinks/projects/{project_id}/trees', () => ({ status: 200, body: { items: [tree(1)] } }), { auth: false });
  env.backend.on('POST', '/sinks/trees/{tree_id}/adopt', () => ({ status: 201, body: adoption(1) }));
  const page = loadPage('pages/sink-trees/index.js');
  page.onLoad({ id: '3' });
  await flush();
  env.wx.__script.modal.push({ confirm: true }, { confirm: false });
  const adopting = page.onAdopt({ detail: { id: 1 } });
  expect(env.wx.__calls.subscriptions).toEqual([['tmpl-tree']]);
  expect(env.wx.__calls.modals).toHaveLength(0); // the confirmation comes after
  await adopting;
  expect(env.backend.requestsTo('POST', '/sinks/trees/1/adopt')).toHaveLength(1);
});

// ---------------------------------------------------------------- records

test('records: a rejected check-in says why, in the operator\'s words', async () => {
  const env = prepare();
  env.backend.on('GET', '/me/carbon-records', () => ({
    status: 200,
    body: {
      items: [
        { id: 3, scenario: 'clean_plate', scenario_name: '光盘打卡', status: 'rejected', quantity: 1, unit: 'meal', carbon_g: 144, points: 0, created_at: new Date().toISOString(), decision_note: '照片里没有餐盘' },
        { id: 2, scenario: 'clean_plate', scenario_name: '光盘打卡', status: 'rejected', quantity: 1, unit: 'meal', carbon_g: 144, points: 0, created_at: new Date().toISOString(), decision_note: '' },
        { id: 1, scenario: 'bus_ride', scenario_name: '公交出行', status: 'approved', quantity: 1, unit: 'ride', carbon_g: 80, points: 10, created_at: new Date().toISOString(), decision_note: '' },
      ],
      next_cursor: null,
    },
  }));
  env.backend.on('GET', '/me/reductions', () => ({ status: 200, body: { items: [], pseudonym: 'x' } }));
  env.backend.on('GET', '/me/registry-consent', () => ({ status: 200, body: { needs_answer: false } }));
  const page = loadPage('pages/records/index.js');
  page.onLoad({});
  await flush();
  expect(page.data.records.items.map((r) => r.decision)).toEqual(['未通过原因：照片里没有餐盘', '未通过审核，如有疑问请联系运营', '']);
  const { texts } = render(page);
  expect(texts('.decision-line')).toEqual(['未通过原因：照片里没有餐盘', '未通过审核，如有疑问请联系运营']);
});

// ---------------------------------------------------------------- profile

test('profile: the avatar from chooseAvatar is uploaded, the nickname saved, a refusal shown', async () => {
  const env = prepare({ user: { id: 7, nickname: '绿友000007', roles: ['resident'], avatar_url: null } });
  env.backend.on('POST', '/me/avatar', () => ({ status: 200, body: { ...env.backend.state.user, avatar_url: '/api/v1/avatars/abc.jpg' } }));
  env.backend.on('PUT', '/me/nickname', ({ body }) =>
    body.nickname === '赌博达人'
      ? { status: 422, body: env.backend.errorBody(422, 'nickname_rejected', '昵称未通过内容安全检查') }
      : { status: 200, body: { ...env.backend.state.user, nickname: body.nickname } },
  );
  const page = loadPage('pages/profile/index.js');
  page.onLoad();
  await flush();
  expect(page.data).toMatchObject({ nickname: '', isDefault: true, avatar: '' });

  await page.onChooseAvatar({ detail: { avatarUrl: 'wxfile://tmp/avatar.jpg' } });
  expect(env.wx.__calls.uploadFile.pop()).toMatchObject({ filePath: 'wxfile://tmp/avatar.jpg', name: 'file', url: expect.stringMatching(/\/me\/avatar$/) });
  expect(page.data.avatar).toBe('https://tanpuhui.example.com/api/v1/avatars/abc.jpg');

  page.onNicknameInput({ detail: { value: '赌博达人' } });
  await page.onSaveNickname();
  expect(page.data.error).toBe('这个昵称没有通过微信内容安全检查，请换一个');
  page.onNicknameInput({ detail: { value: '  低碳  小王 ' } });
  await page.onSaveNickname();
  expect(env.backend.requestsTo('PUT', '/me/nickname').pop().body).toEqual({ nickname: '低碳 小王' });
  expect(require('../../utils/session').currentUser().nickname).toBe('低碳 小王');
  const { text } = render(page);
  expect(text).toContain('保存昵称');
  expect(text).toContain('经微信内容安全检查后生效');
});

test('profile page uses WeChat\'s fill-in components', () => {
  const wxml = require('fs').readFileSync(require('path').join(__dirname, '../../pages/profile/index.wxml'), 'utf8');
  expect(wxml).toMatch(/open-type="chooseAvatar"[^>]*bindchooseavatar="onChooseAvatar"/);
  expect(wxml).toContain('type="nickname"');
});

test('leaderboard: residents with an avatar and nickname show them', async () => {
  const env = prepare();
  env.backend.on('GET', '/leaderboard', () => ({
    status: 200,
    body: {
      period: 'week',
      items: [
        { rank: 1, nickname: '低碳小王', avatar_url: '/api/v1/avatars/abc.jpg', carbon_g: 240 },
        { rank: 2, nickname: '绿友000002', avatar_url: null, carbon_g: 80 },
      ],
      me: { rank: 2, carbon_g: 80 },
    },
  }));
  const page = loadPage('pages/leaderboard/index.js');
  page.onLoad();
  await flush();
  expect(page.data.board.podium.map((i) => i.avatar)).toEqual(['https://tanpuhui.example.com/api/v1/avatars/abc.jpg', '']);
  const { comp, text } = render(page);
  expect(comp.dom.querySelectorAll('wx-image').length).toBe(1);
  expect(text).toContain('低碳小王');
  expect(text).toContain('绿友000002');
});

// ---------------------------------------------------------------- partner binding

function preparePartners(bindings = []) {
  const env = prepare();
  env.backend.on('GET', '/partners', () => ({ status: 200, body: { items: [PARTNER, { code: 'city-bus', name: '城市公交', scenarios: ['bus_ride'] }] } }));
  env.backend.on('GET', '/me/partner-bindings', () => ({ status: 200, body: { items: bindings } }));
  env.backend.on('POST', '/me/partner-bindings', ({ body }) => {
    if (body.code !== 'ABCDEFGHJK') return { status: 404, body: env.backend.errorBody(404, 'binding_code_not_found', 'x') };
    bindings.push({ partner: PARTNER, partner_user_id: 'U-1001', bound_at: new Date().toISOString() });
    return { status: 201, body: bindResult() };
  });
  env.backend.on('DELETE', '/me/partner-bindings/{partner_code}', ({ params }) => {
    bindings.splice(bindings.findIndex((b) => b.partner.code === params.partner_code), 1);
    return { status: 204, body: '' };
  });
  return env;
}

test('partner binding: the code is checked, the consent explained, the back pay told', async () => {
  const env = preparePartners();
  const page = loadPage('pages/partner-bind/index.js');
  page.onLoad();
  await flush();
  expect(page.data.partners.map((p) => [p.name, p.scenarioText])).toEqual([['青桔单车', '公交出行、地铁出行'], ['城市公交', '公交出行']]);

  page.onCodeInput({ detail: { value: 'abc' } });
  await page.onBind();
  expect(page.data.codeError).toContain('10 位');
  expect(env.backend.requestsTo('POST', '/me/partner-bindings')).toHaveLength(0);

  page.onCodeInput({ detail: { value: 'ABCDE-FGHJK' } });
  await page.onBind();
  await flush();
  const [confirm, done] = env.wx.__calls.modals;
  expect(confirm.content).toContain('相当于开启该场景的数据授权');
  expect(env.backend.requestsTo('POST', '/me/partner-bindings')[0].body).toEqual({ code: 'ABCDEFGHJK' });
  expect(done.content).toBe('已绑定青桔单车账号，今后的公交出行、地铁出行记录会自动计入你的碳账户。\n绑定前 30 天内的 2 条记录已补记，获得 20 积分。\n另有 1 条记录超过 30 天或超出当日上限，未能补记。');
  expect(page.data.bindings.map((b) => [b.name, b.account])).toEqual([['青桔单车', 'U-1001']]);
  expect(page.data.partners.map((p) => p.code)).toEqual(['city-bus']);
  expect(render(page).text).toContain('已绑定青桔单车');

  page.onCodeInput({ detail: { value: 'ZZZZZZZZZZ' } });
  await page.onBind();
  expect(page.data.codeError).toBe('绑定码不正确，请在合作方应用中核对');

  await page.onUnbind({ currentTarget: { dataset: { code: 'green-bike' } } });
  await flush();
  expect(env.backend.requestsTo('DELETE', '/me/partner-bindings/green-bike')).toHaveLength(1);
  expect(page.data.bindings).toEqual([]);
});

// ---------------------------------------------------------------- site mini-program codes

test('a site mini-program code (?scene=s=...) checks in with the scenario the server names', async () => {
  const env = prepare();
  env.backend.on('GET', '/sites/lookup', ({ query }) =>
    query.token === SCENE
      ? { status: 200, body: { id: 87, name: '滨江路站', scenario: 'bus_ride', scenario_name: '公交出行' } }
      : { status: 400, body: env.backend.errorBody(400, 'invalid_qr', '二维码无效') },
  );
  env.backend.on('POST', '/checkins', ({ body }) => ({ status: 201, body: { id: 1, scenario: body.scenario, status: 'approved', carbon_g: 80, points: 10 } }));
  const page = await openCheckin(env, { scene: encodeURIComponent(SCENE) });
  const [sent] = env.backend.requestsTo('POST', '/checkins');
  expect(sent.body).toEqual({ scenario: 'bus_ride', evidence: { type: 'qr', token: SCENE } });
  expect(page.data.result.title).toBe('打卡成功');

  const forged = prepare();
  forged.backend.on('GET', '/sites/lookup', () => ({ status: 400, body: forged.backend.errorBody(400, 'invalid_qr', '二维码无效') }));
  await openCheckin(forged, { scene: encodeURIComponent('s=2f.0.AAAAAAAAAAAAAAAA') });
  expect(forged.backend.requestsTo('POST', '/checkins')).toHaveLength(0);
  expect(forged.wx.__calls.modals.pop().content).toBe('二维码无效或已过期，请扫描现场的官方二维码');
});

test('an event mini-program code (e=...) is an event, not a check-in', async () => {
  const env = prepare();
  const events = require('../../utils/events');
  expect(events.isEventToken('e=EV3F9A1C0B7D.AbCdEfGhIjKlMnOp')).toBe(true);
  expect(events.publicIdOf('e=EV3F9A1C0B7D.AbCdEfGhIjKlMnOp')).toBe('EV3F9A1C0B7D');
  expect(events.isEventToken(SCENE)).toBe(false);
  await openCheckin(env, { scene: encodeURIComponent('e=EV3F9A1C0B7D.AbCdEfGhIjKlMnOp') });
  expect(env.wx.__calls.navigations.pop().url).toBe(`/pages/event/index?event=${encodeURIComponent('e=EV3F9A1C0B7D.AbCdEfGhIjKlMnOp')}`);
});

// ---------------------------------------------------------------- the export file

test('export: downloaded as a file with the token (a 401 logs in again once) and offered to a chat', async () => {
  const env = prepare();
  let calls = 0;
  env.backend.on('GET', '/me/export', ({ headers }) => {
    calls += 1;
    if (calls === 1) return { status: 401, body: env.backend.errorBody(401, 'invalid_token') };
    return { status: 200, body: { user: { id: 7, authorised: headers.Authorization }, points_history: [{ id: 1, amount: 10 }] } };
  });
  env.backend.on('GET', '/me/consents', () => ({ status: 200, body: { items: [] } }));
  env.backend.on('GET', '/me/registry-consent', () => ({ status: 200, body: { needs_answer: false } }));
  const shared = [];
  env.wx.shareFileMessage = (opts) => {
    shared.push(opts);
    opts.success({});
  };
  const page = loadPage('pages/privacy/index.js');
  page.onLoad();
  await flush();
  await page.onExport();
  const downloads = env.wx.__calls.downloadFile;
  expect(downloads).toHaveLength(2);
  expect(downloads[0].url).toMatch(/\/api\/v1\/me\/export$/);
  expect(downloads[1].header.Authorization).toMatch(/^Bearer tok-/);
  expect(downloads[1].header.Authorization).not.toBe(downloads[0].header.Authorization);
  expect(shared).toHaveLength(1);
  expect(shared[0].filePath).toBe('wxfile://tmp/download-2');
  expect(shared[0].fileName).toMatch(/^tanpuhui-export-\d{8}\.json$/);
  expect(JSON.parse(env.wx.__files[shared[0].filePath]).points_history).toEqual([{ id: 1, amount: 10 }]);
});

test('export: without shareFileMessage the downloaded file is read and copied', async () => {
  const env = prepare();
  env.backend.on('GET', '/me/export', () => ({ status: 200, body: { user: { id: 7 } } }));
  env.backend.on('GET', '/me/consents', () => ({ status: 200, body: { items: [] } }));
  env.backend.on('GET', '/me/registry-consent', () => ({ status: 200, body: { needs_answer: false } }));
  delete env.wx.shareFileMessage;
  const page = loadPage('pages/privacy/index.js');
  page.onLoad();
  await flush();
  await page.onExport();
  await flush();
  expect(JSON.parse(env.wx.__calls.clipboard.pop())).toEqual({ user: { id: 7 } });
  const failed = prepare();
  failed.backend.on('GET', '/me/export', () => ({ status: 500, body: '' }));
  failed.backend.on('GET', '/me/consents', () => ({ status: 200, body: { items: [] } }));
  failed.backend.on('GET', '/me/registry-consent', () => ({ status: 200, body: { needs_answer: false } }));
  const other = loadPage('pages/privacy/index.js');
  other.onLoad();
  await flush();
  await other.onExport();
  expect(failed.wx.__calls.modals.pop()).toMatchObject({ title: '导出没有成功', content: '服务器开小差了，请稍后再试' });
});
