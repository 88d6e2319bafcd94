/**
 * @jest-environment jsdom
 */
/**
 * The registry in the mini-program: the aggregation consent (asked once per text version,
 * on the records page or after a check-in; a yes or a no is final until changed on
 * 「授权与隐私」), and the records page's line and detail for records in a batch. The
 * last tests render the pages and the consent sheet with WeChat's compiler.
 */

const path = require('path');
const simulate = require('miniprogram-simulate');

const { setup, loggedIn, flush } = require('../helpers/env');
const { loadPage } = require('../helpers/page');
const { render } = require('../helpers/render');
const { SCENARIOS, CONSENT_TEXT, registryConsent, reduction, SERIAL, PSEUDONYM } = require('../helpers/fixtures');

const CERTIFICATE = 'RT0A1B2C3D4E5F';

function record(id, overrides = {}) {
  return { id, scenario: 'bus_ride', scenario_name: '公交出行', status: 'approved', quantity: 1, unit: 'ride', carbon_g: 80, points: 10, created_at: '2026-11-08T01:00:00Z', ...overrides };
}

/**
 * A backend that keeps the resident's consent like the server does: `needs_answer` until
 * an answer to the current version is stored. Returns the store (set `version` to publish
 * a new text, `failPut` to make the PUT fail).
 */
function consentServer(env, initial = {}) {
  const store = { current: '2026-12', answer: null, failPut: false, ...initial };
  const view = () =>
    registryConsent({
      current_version: store.current,
      ...(store.answer || {}),
    });
  env.backend.on('GET', '/me/registry-consent', () => ({ status: 200, body: view() }));
  env.backend.on('PUT', '/me/registry-consent', ({ body }) => {
    if (store.failPut) return { status: 503, body: env.backend.errorBody(503, 'service_unavailable', 'x') };
    if (typeof body.granted !== 'boolean' || Object.keys(body).length !== 1) {
      return { status: 422, body: env.backend.errorBody(422, 'validation_error', 'x') };
    }
    store.answer = { granted: body.granted, version: store.current, updated_at: new Date().toISOString() };
    return { status: 200, body: view() };
  });
  return store;
}

function prepare({ records = [record(11)], items = [], consent = {} } = {}) {
  const env = setup();
  loggedIn(env);
  env.backend.on('GET', '/scenarios', () => ({ status: 200, body: { items: SCENARIOS } }));
  env.backend.on('GET', '/me/carbon-records', ({ query }) =>
    query.cursor
      ? { status: 200, body: { items: records.slice(2), next_cursor: null } }
      : { status: 200, body: { items: records.slice(0, 2), next_cursor: records.length > 2 ? 'next' : null } },
  );
  env.backend.on('GET', '/me/reductions', () => ({ status: 200, body: { pseudonym: PSEUDONYM, items } }));
  const store = consentServer(env, consent);
  return { env, store };
}

async function openRecords(options = {}) {
  const page = loadPage('pages/records/index.js', options);
  page.onLoad({});
  await flush();
  return page;
}

const gets = (env) => env.backend.requestsTo('GET', '/me/registry-consent').length;
const puts = (env) => env.backend.requestsTo('PUT', '/me/registry-consent').map((r) => r.body);

// ---------------------------------------------------------------- the consent

test('consent: asked on the records page when needs_answer, with the server text, once per run', async () => {
  const { env } = prepare();
  const page = await openRecords();
  expect(page.data.records.status).toBe('ready');
  expect(page.data.consentSheet).toEqual({ text: CONSENT_TEXT, version: '2026-12', saving: false });

  // Another page in the same run while this one still asks: no second sheet.
  const second = await openRecords();
  expect(second.data.consentSheet).toBeNull();
  expect(env.wx.__calls.modals).toEqual([]); // a sheet, not a blocking modal
});

test('consent: not shown when already answered, and not asked again in this run', async () => {
  const { env } = prepare({ consent: { answer: { granted: false, version: '2026-12', updated_at: '2025-12-02T02:00:00Z' } } });
  const page = await openRecords();
  expect(page.data.consentSheet).toBeNull();
  await openRecords();
  expect(gets(env)).toBe(1); // the server said "answered": no more requests this run
});

test('consent: not asked while there is nothing to show yet (no records)', async () => {
  const { env } = prepare({ records: [] });
  const page = await openRecords();
  expect(page.data.records.status).toBe('empty');
  expect(page.data.consentSheet).toBeNull();
  expect(gets(env)).toBe(0);
});

test('consent: accepting sends PUT {granted: true}, closes the sheet and is never asked again', async () => {
  const { env, store } = prepare();
  const page = await openRecords();
  await page.onConsentAgree();
  expect(puts(env)).toEqual([{ granted: true }]);
  expect(page.data.consentSheet).toBeNull();
  expect(env.wx.__calls.toasts.pop().title).toBe('感谢你的同意');
  expect(store.answer).toMatchObject({ granted: true, version: '2026-12' });

  await openRecords(); // same run
  const reopened = await openRecords({ fresh: true }); // the mini-program closed and reopened
  expect(reopened.data.consentSheet).toBeNull();
  expect(puts(env)).toHaveLength(1);
});

test('consent: declining sends {granted: false} and is not asked again, here or after a check-in', async () => {
  const { env } = prepare();
  env.backend.on('POST', '/checkins', () => ({ status: 201, body: { id: 12, status: 'approved', carbon_g: 80, points: 10 } }));
  const page = await openRecords();
  await page.onConsentDecline();
  expect(puts(env)).toEqual([{ granted: false }]);
  expect(page.data.consentSheet).toBeNull();
  expect(env.wx.__calls.toasts.pop().title).toContain('你的积分不受影响');

  const fresh = await openRecords({ fresh: true });
  expect(fresh.data.consentSheet).toBeNull();
  const checkin = loadPage('pages/checkin/index.js');
  checkin.onLoad({});
  checkin.onShow();
  await flush();
  env.wx.__script.scanCode.push({ result: 'site:1.sig' });
  await checkin.scanAndSubmit(checkin.byCode.bus_ride);
  await checkin.closeResult();
  expect(checkin.data.consentSheet).toBeNull();
  expect(puts(env)).toEqual([{ granted: false }]);
});

test('consent: a new version of the text asks again, even after a no', async () => {
  const { env, store } = prepare({ consent: { answer: { granted: false, version: '2026-12', updated_at: '2025-12-02T02:00:00Z' } } });
  store.current = '2027-06';
  const page = await openRecords();
  expect(page.data.consentSheet).toMatchObject({ version: '2027-06' });
  await page.onConsentAgree();
  expect(puts(env)).toEqual([{ granted: true }]);
});

test('consent: asked after the first check-in goes through, once the result is closed', async () => {
  const { env } = prepare();
  let status = 'rejected';
  env.backend.on('POST', '/checkins', () => ({ status: 201, body: { id: 12, status, carbon_g: 80, points: 0 } }));
  const page = loadPage('pages/checkin/index.js');
  page.onLoad({});
  page.onShow();
  await flush();

  env.wx.__script.scanCode.push({ result: 'site:1.sig' });
  await page.scanAndSubmit(page.byCode.bus_ride);
  expect(page.data.consentSheet).toBeNull(); // never on top of the result card
  await page.closeResult();
  expect(page.data.consentSheet).toBeNull(); // a rejected check-in is no moment to ask
  expect(gets(env)).toBe(0);

  status = 'approved';
  env.wx.__script.scanCode.push({ result: 'site:2.sig' });
  await page.scanAndSubmit(page.byCode.bus_ride);
  expect(page.data.consentSheet).toBeNull();
  await page.closeResult();
  expect(page.data.consentSheet).toMatchObject({ text: CONSENT_TEXT });
  await page.onConsentAgree();
  expect(puts(env)).toEqual([{ granted: true }]);
});

test('consent: an unreachable server shows nothing and asks at the next calm moment', async () => {
  const { env } = prepare();
  env.backend.on('GET', '/me/registry-consent', () => ({ status: 500, body: env.backend.errorBody(500, 'internal_error', 'x') }));
  const page = await openRecords();
  expect(page.data.consentSheet).toBeNull();
  expect(env.wx.__calls.toasts).toEqual([]);
  expect(env.wx.__calls.modals).toEqual([]);

  consentServer(env);
  const later = await openRecords();
  expect(later.data.consentSheet).toMatchObject({ version: '2026-12' });
});

test('consent: a failed PUT keeps the sheet open to try again; leaving without answering asks again', async () => {
  const { env, store } = prepare();
  const page = await openRecords();
  store.failPut = true;
  await page.onConsentAgree();
  expect(page.data.consentSheet).toMatchObject({ saving: false });
  expect(env.wx.__calls.modals.pop().title).toBe('没有保存成功');

  page.onUnload(); // closed without an answer: not a no
  const again = await openRecords();
  expect(again.data.consentSheet).toMatchObject({ version: '2026-12' });
  store.failPut = false;
  await again.onConsentDecline();
  expect(store.answer).toMatchObject({ granted: false });
});

// ---------------------------------------------------------------- the privacy switch

async function openPrivacy(env) {
  env.backend.on('GET', '/me/consents', () => ({ status: 200, body: { items: [] } }));
  const page = loadPage('pages/privacy/index.js');
  page.onLoad();
  await flush();
  return page;
}

test('privacy: the 减排量汇总与转让 switch shows the answer and withdraws with PUT {granted: false}', async () => {
  const { env, store } = prepare({ consent: { answer: { granted: true, version: '2026-12', updated_at: '2025-12-02T02:00:00Z' } } });
  const page = await openPrivacy(env);
  expect(page.data.registry).toEqual({ status: 'ready', granted: true, note: '已同意 · 2025年12月2日 · 版本 2026-12', text: CONSENT_TEXT, saving: false });

  await page.onRegistryToggle({ detail: { value: false } });
  expect(puts(env)).toEqual([{ granted: false }]);
  expect(store.answer.granted).toBe(false);
  expect(page.data.registry).toMatchObject({ granted: false, saving: false });
  expect(page.data.registry.note).toMatch(/^未同意 · 今天 \d\d:\d\d · 版本 2026-12$/);
  expect(env.wx.__calls.toasts.pop().title).toBe('已撤回，今后的批次不再纳入');

  await page.onRegistryToggle({ detail: { value: true } });
  expect(puts(env)).toEqual([{ granted: false }, { granted: true }]);
  expect(page.data.registry.granted).toBe(true);

  // Answered on this page: the records page does not ask in this run.
  const records = await openRecords();
  expect(records.data.consentSheet).toBeNull();
});

test('privacy: never asked, or a yes to an older text, shows the switch off', async () => {
  const { env, store } = prepare();
  const page = await openPrivacy(env);
  expect(page.data.registry).toMatchObject({ granted: false, note: '尚未选择' });

  store.answer = { granted: true, version: '2026-06', updated_at: '2026-06-02T02:00:00Z' };
  await page.loadRegistry();
  expect(page.data.registry).toMatchObject({ granted: false, note: '说明已更新，重新开启即同意新的说明' });
});

test('privacy: a failed switch goes back; a failed load offers a retry', async () => {
  const { env, store } = prepare({ consent: { answer: { granted: true, version: '2026-12', updated_at: '2025-12-02T02:00:00Z' } } });
  const page = await openPrivacy(env);
  store.failPut = true;
  await page.onRegistryToggle({ detail: { value: false } });
  expect(page.data.registry).toMatchObject({ granted: true, saving: false });

  env.backend.on('GET', '/me/registry-consent', () => ({ status: 500, body: env.backend.errorBody(500, 'internal_error', 'x') }));
  await page.loadRegistry();
  expect(page.data.registry.status).toBe('error');
  expect(page.data.status).toBe('ready'); // the scenario consents are not affected
});

// ---------------------------------------------------------------- the records lines

const RETIRED = {
  held: [{ holder: '碳普惠平台', kg: 1000 }],
  buffer_kg: 121,
  cancelled_kg: 0,
  retired: [{ holder: '绿色制造有限公司', beneficiary: '绿色制造有限公司 2026 年度运营', purpose: 'voluntary', kg: 1291, certificate_id: CERTIFICATE }],
};

function batchedRecords() {
  return prepare({
    records: [record(11), record(12), record(13, { status: 'approved' }), record(14), record(15)],
    items: [
      reduction(11, 'issued', { fate: RETIRED }),
      reduction(12, 'issued'),
      reduction(13, 'submitted'),
      reduction(14, 'issued', { revoked: true }),
    ],
    consent: { answer: { granted: true, version: '2026-12', updated_at: '2025-12-02T02:00:00Z' } },
  });
}

test('records: one line per batched record, for each state, with the exact wording', async () => {
  const { env } = batchedRecords();
  const page = await openRecords();
  page.onReachBottom(); // the second page of records: no second /me/reductions
  await flush();
  expect(page.data.records.items.map((r) => r.id)).toEqual([11, 12, 13, 14, 15]);
  expect(env.backend.requestsTo('GET', '/me/reductions')).toHaveLength(1);

  const line = (id) => page.data.registry[id] && page.data.registry[id].text;
  expect(line(11)).toBe(`这笔减排已纳入批次 ${SERIAL}（2026年11月），已由 绿色制造有限公司 注销用于 自愿碳中和`);
  expect(line(12)).toBe(`这笔减排已纳入批次 ${SERIAL}（2026年11月），由 碳普惠平台 持有中`);
  expect(line(13)).toBe('这笔减排已纳入批次（2026年11月），核查中');
  expect(line(14)).toBe(`这笔减排曾纳入批次 ${SERIAL}（2026年11月），已撤销`);
  expect(line(15)).toBeUndefined(); // not in any batch: no line
  expect([11, 12, 13, 14].map((id) => page.data.registry[id].tone)).toEqual(['retired', 'held', 'pending', 'revoked']);
});

test('records: tapping a retired record opens its detail with the certificate link', async () => {
  const { env } = batchedRecords();
  const page = await openRecords();
  page.openReduction({ currentTarget: { dataset: { id: 11 } } });
  const detail = page.data.detail;
  expect(detail.revoked).toBe(false);
  expect(detail.rows).toEqual([
    { label: '批次编号', value: SERIAL },
    { label: '监测期', value: '2026年11月1日—2026年11月30日' },
    { label: '批次状态', value: '已签发' },
    { label: '核查机构', value: '中碳核查（北京）有限公司' },
    { label: '项目', value: '公交出行（方法学 v1）' },
    { label: '批次总量', value: '2.412 吨CO₂e' },
  ]);
  expect(detail.merkleRoot).toBe(reduction(11).batch.merkle_root);
  expect(detail.pseudonym).toBe(PSEUDONYM);
  const url = `https://tanpuhui.example.com/registry/certificates/${CERTIFICATE}`;
  expect(detail.moves).toEqual([
    { key: `r-${CERTIFICATE}`, text: '绿色制造有限公司 注销 1291 kg，用于自愿碳中和（受益方：绿色制造有限公司 2026 年度运营）', certificateUrl: url },
    { key: 'h-0', text: '碳普惠平台 持有 1000 kg', certificateUrl: '' },
    { key: 'buffer', text: '风险缓冲 121 kg', certificateUrl: '' },
  ]);

  page.copyText({ currentTarget: { dataset: { text: url, what: '证书链接' } } });
  await flush();
  expect(env.wx.__calls.clipboard).toEqual([url]);
  expect(env.wx.__calls.toasts.pop().title).toBe('证书链接已复制');

  page.closeReduction();
  expect(page.data.detail).toBeNull();
});

test('records: a revoked record says 已撤销 and shows no fate; a batch under verification has no serial yet', async () => {
  const { env } = batchedRecords();
  const page = await openRecords();
  page.openReduction({ currentTarget: { dataset: { id: 14 } } });
  expect(page.data.detail).toMatchObject({ revoked: true, moves: [], line: `这笔减排曾纳入批次 ${SERIAL}（2026年11月），已撤销` });

  page.openReduction({ currentTarget: { dataset: { id: 13 } } });
  expect(page.data.detail.rows.slice(0, 4)).toEqual([
    { label: '批次编号', value: '签发后生成' },
    { label: '监测期', value: '2026年11月1日—2026年11月30日' },
    { label: '批次状态', value: '核查中' },
    { label: '核查机构', value: '中碳核查（北京）有限公司' },
  ]);
  expect(page.data.detail.moves).toEqual([]);

  page.openReduction({ currentTarget: { dataset: { id: 15 } } }); // no batch: nothing opens
  expect(page.data.detail.recordId).toBe(13);
  expect(env.backend.requestsTo('GET', '/me/reductions')).toHaveLength(1);
});

test('records: without /me/reductions the records still show, without lines; pull-down fetches again', async () => {
  const { env } = batchedRecords();
  env.backend.on('GET', '/me/reductions', () => ({ status: 500, body: env.backend.errorBody(500, 'internal_error', 'x') }));
  const page = await openRecords();
  expect(page.data.records.items).toHaveLength(2);
  expect(page.data.registry).toEqual({});
  expect(env.wx.__calls.toasts).toEqual([]);

  env.backend.on('GET', '/me/reductions', () => ({ status: 200, body: { pseudonym: PSEUDONYM, items: [reduction(12, 'issued')] } }));
  page.onPullDownRefresh();
  await flush();
  expect(Object.keys(page.data.registry)).toEqual(['12']);
});

test('reductions: wording of every purpose, other states, several retirements, periods', () => {
  const r = require('../../utils/reductions');
  expect(['compliance', 'voluntary', 'event', 'personal'].map(r.purposeText)).toEqual(['履约抵消', '自愿碳中和', '活动碳中和', '个人碳中和']);
  expect(r.periodText('2026-11-01', '2026-11-30')).toBe('2026年11月');
  expect(r.periodText('2026-10-01', '2026-12-31')).toBe('2026年10月—12月');
  expect(r.periodText('2026-11-01', '2027-01-31')).toBe('2026年11月—2027年1月');

  const line = (item) => r.lineOf(item).text;
  expect(line(reduction(1, 'verified'))).toBe('这笔减排已纳入批次（2026年11月），已通过核查，待签发');
  expect(line(reduction(1, 'draft'))).toBe('这笔减排已纳入批次（2026年11月），待提交核查');
  expect(line(reduction(1, 'returned'))).toBe('这笔减排已纳入批次（2026年11月），核查中');
  const retired = (list) => line(reduction(1, 'issued', { fate: { held: [], buffer_kg: 0, cancelled_kg: 0, retired: list } }));
  const by = (holder, purpose) => ({ holder, beneficiary: 'x', purpose, kg: 10, certificate_id: `RT${holder.length}${purpose}` });
  expect(retired([by('市文旅局', 'event')])).toBe(`这笔减排已纳入批次 ${SERIAL}（2026年11月），已由 市文旅局 注销用于 活动碳中和`);
  expect(retired([by('甲公司', 'compliance'), by('乙公司', 'personal'), by('甲公司', 'compliance')])).toBe(
    `这笔减排已纳入批次 ${SERIAL}（2026年11月），已由 甲公司 等 2 家机构 注销用于 履约抵消、个人碳中和`,
  );
  const held = (fate) => line(reduction(1, 'issued', { fate: { held: [], buffer_kg: 0, cancelled_kg: 0, retired: [], ...fate } }));
  expect(held({ held: [{ holder: '碳普惠平台', kg: 5 }, { holder: '绿色制造有限公司', kg: 3 }] })).toBe(
    `这笔减排已纳入批次 ${SERIAL}（2026年11月），由 碳普惠平台 等 2 家机构 持有中`,
  );
  expect(held({ buffer_kg: 4 })).toBe(`这笔减排已纳入批次 ${SERIAL}（2026年11月），作为风险缓冲保留`);
  expect(held({ cancelled_kg: 4 })).toBe(`这笔减排已纳入批次 ${SERIAL}（2026年11月），已作废`);
});

// ---------------------------------------------------------------- rendered

test('rendered: the records show their registry lines, word for word, and the detail sheet', async () => {
  batchedRecords();
  const page = await openRecords();
  page.onReachBottom();
  await flush();
  const shown = render(page);
  expect(shown.texts('.reduction-text')).toEqual([
    `这笔减排已纳入批次 ${SERIAL}（2026年11月），已由 绿色制造有限公司 注销用于 自愿碳中和`,
    `这笔减排已纳入批次 ${SERIAL}（2026年11月），由 碳普惠平台 持有中`,
    '这笔减排已纳入批次（2026年11月），核查中',
    `这笔减排曾纳入批次 ${SERIAL}（2026年11月），已撤销`,
  ]);
  expect(shown.count('.item')).toBe(5);
  expect(shown.count('.reduction-sheet')).toBe(0);
  expect(shown.count('.registry-consent--consent-sheet')).toBe(0); // answered already

  page.openReduction({ currentTarget: { dataset: { id: 11 } } });
  const detail = render(page);
  expect(detail.count('.reduction-sheet')).toBe(1);
  expect(detail.text).toContain(`批次编号${SERIAL}`);
  expect(detail.text).toContain('监测期2026年11月1日—2026年11月30日');
  expect(detail.text).toContain('核查机构中碳核查（北京）有限公司');
  expect(detail.text).toContain(`默克尔根${reduction(11).batch.merkle_root}`);
  expect(detail.text).toContain(`我的匿名编号${PSEUDONYM}`);
  expect(detail.text).toContain(`公开证书：https://tanpuhui.example.com/registry/certificates/${CERTIFICATE}复制链接`);
  expect(detail.text).not.toContain('已撤销：');

  page.openReduction({ currentTarget: { dataset: { id: 14 } } });
  const revoked = render(page);
  expect(revoked.texts('.reduction-revoked')).toEqual(['已撤销：这笔记录已从批次中撤回，对应的减排量已在公开登记中注销。如有疑问请联系运营。']);
  expect(revoked.count('.reduction-cert')).toBe(0);
});

test('rendered: the consent sheet on the records page, in plain words with the server text', async () => {
  prepare();
  const page = await openRecords();
  const shown = render(page);
  expect(shown.count('.registry-consent--consent-sheet')).toBe(1);
  expect(shown.text).toContain(CONSENT_TEXT.replace(/\s+/g, ''));
  expect(shown.text).toContain('不论是否同意，你的积分和记录都不受影响');
  expect(shown.texts('.registry-consent--consent-btn')).toEqual(['暂不同意', '同意']);
});

test('rendered: the privacy page has the 减排量汇总与转让 switch and says what withdrawing means', async () => {
  const { env } = prepare({ consent: { answer: { granted: true, version: '2026-12', updated_at: '2025-12-02T02:00:00Z' } } });
  const page = await openPrivacy(env);
  const shown = render(page);
  expect(shown.texts('.registry .consent-name')).toEqual(['减排量汇总与转让']);
  expect(shown.texts('.registry-note')).toEqual(['已同意 · 2025年12月2日 · 版本 2026-12']);
  expect(shown.comp.dom.querySelector('.registry wx-switch')).toBeTruthy();
  expect(shown.texts('.registry-foot')).toEqual(['撤回只对今后的批次生效，已纳入的批次不变；不论是否同意，你的积分都不受影响。']);
});

test('registry-consent component: the buttons send agree and decline, not while saving', async () => {
  global.wx = require('../helpers/wx').createWx();
  const id = simulate.load(path.resolve(__dirname, '../../components/registry-consent/index'), { compiler: 'official' });
  const comp = simulate.render(id, { text: CONSENT_TEXT, saving: false });
  comp.attach(document.createElement('parent-wrapper'));
  const events = [];
  comp.addEventListener('agree', () => events.push('agree'));
  comp.addEventListener('decline', () => events.push('decline'));
  expect(comp.querySelector('.consent-text').dom.textContent).toBe(CONSENT_TEXT);

  comp.querySelector('.consent-decline').dispatchEvent('tap');
  comp.querySelector('.consent-agree').dispatchEvent('tap');
  await simulate.sleep(0);
  expect(events).toEqual(['decline', 'agree']);

  comp.setData({ saving: true });
  comp.querySelector('.consent-agree').dispatchEvent('tap');
  await simulate.sleep(0);
  expect(events).toEqual(['decline', 'agree']);
});
