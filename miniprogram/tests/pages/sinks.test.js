/**
 * @jest-environment jsdom
 */
/**
 * 认领树苗: the projects (estimates labelled 预估), a project's trees on a map or in a
 * list, adopting with a confirmation and an Idempotency-Key, each refusal explained, 我的树
 * with its statuses and replacement notices, and the certificate with its URL to copy.
 */

const { setup, loggedIn, flush } = require('../helpers/env');
const { loadPage } = require('../helpers/page');
const { render } = require('../helpers/render');
const { sinkProject, tree, adoption, CERT_ID } = require('../helpers/fixtures');

const CERT_URL = `https://tanpuhui.example.com/registry/certificates/${CERT_ID}`;

function thisYear() {
  return Number(require('../../utils/format').shanghaiDate().slice(0, 4));
}

function prepare({ balance = 300, projects = [sinkProject(), sinkProject({ id: 4, name: '科尔沁草原修复', kind: 'grassland', adoption_points: 0, estimated_kg_per_year: 1000, methodology: { name: '草地（每公顷，缺省值）', basis: 'hectare', kg_per_year: 1000 } })], trees = [tree(1), tree(2, { adopted: true }), tree(3, { status: 'dead' })] } = {}) {
  const env = setup();
  loggedIn(env);
  env.backend.on('GET', '/me/account', () => ({ status: 200, body: { points_balance: balance, carbon_total_g: 0, sink_total_g: 0 } }));
  env.backend.on('GET', '/sinks/projects', () => ({ status: 200, body: { items: projects, next_cursor: null } }), { auth: false });
  env.backend.on('GET', '/sinks/projects/{project_id}/trees', ({ params }) =>
    String(params.project_id) === '3'
      ? { status: 200, body: { items: trees } }
      : { status: 404, body: env.backend.errorBody(404, 'sink_project_not_found', 'x') },
  { auth: false });
  return env;
}

async function openTrees(id = '3') {
  const page = loadPage('pages/sink-trees/index.js');
  page.onLoad({ id });
  await flush();
  return page;
}

const adoptTap = (id) => ({ detail: { id } });

// ---------------------------------------------------------------- projects

test('projects: the public list with the estimate labelled 预估 and the price per tree-year', async () => {
  const env = prepare();
  const page = loadPage('pages/sinks/index.js');
  page.onLoad();
  await flush();

  expect(page.data.projects.items.map((p) => [p.name, p.kindText, p.estimateText, p.priceText, p.perTreeText])).toEqual([
    ['乌兰察布防护林', '森林', '220 kg', '100 积分 / 棵·年', '22 kg'],
    ['科尔沁草原修复', '草地', '1 吨', '暂未开放认领', ''],
  ]);
  const [req] = env.backend.requestsTo('GET', '/sinks/projects');
  expect(req.headers.Authorization).toBeUndefined(); // public: no login needed to browse
  expect(req.query).toEqual({ limit: '20' });

  const shown = render(page);
  expect(shown.texts('.figure-value')).toEqual(['220 kg预估', '100 积分 / 棵·年', '1 吨预估', '暂未开放认领']);
  expect(shown.text).toContain('标注「预估」的数字按方法学缺省值估算，仅供参考，不发放、不计入碳汇。');

  page.openProject({ currentTarget: { dataset: { id: 3 } } });
  expect(env.wx.__calls.navigations.pop()).toEqual({ type: 'navigateTo', url: '/pages/sink-trees/index?id=3' });
});

test('projects: none yet shows the empty state; a failure offers a retry', async () => {
  const env = prepare({ projects: [] });
  const page = loadPage('pages/sinks/index.js');
  page.onLoad();
  await flush();
  expect(render(page).text).toContain('暂时没有可认领的碳汇项目');

  env.backend.on('GET', '/sinks/projects', () => ({ status: 503, body: env.backend.errorBody(503, 'service_unavailable', 'x') }), { auth: false });
  page.onRetry();
  await flush();
  expect(render(page).text).toContain('服务暂时不可用，请稍后再试重新加载');
});

// ---------------------------------------------------------------- trees: map or list

test('trees with coordinates: a <map> with one marker per tree, free and taken told apart', async () => {
  prepare({ trees: [tree(1), tree(2, { adopted: true }), tree(3, { latitude_e6: null, longitude_e6: null })] });
  const page = await openTrees();

  const { map } = page.data;
  expect(map.markers.map((m) => [m.id, m.latitude, m.longitude, m.iconPath])).toEqual([
    [1, 40.9901, 113.1201, '/assets/map/tree-free.png'],
    [2, 40.9902, 113.1202, '/assets/map/tree-taken.png'],
  ]);
  expect(map.markers[0].callout.content).toBe('樟子松 T001 · 可认领');
  expect(map.points).toHaveLength(2);
  expect(map.unplaced.map((t) => t.id)).toEqual([3]);

  let shown = render(page);
  expect(shown.count('wx-map')).toBe(1);
  expect(shown.texts('.tree-card--tree-title')).toEqual(['樟子松 T003']); // only the tree without a place, listed
  expect(shown.text).toContain('没有位置信息的树');

  page.onMarkerTap({ detail: { markerId: 2 } });
  expect(page.data.selected).toMatchObject({ id: 2, stateText: '已被认领', free: false });
  page.onMarkerTap({ detail: { markerId: 1 } });
  shown = render(page);
  expect(shown.texts('.selected .tree-card--tree-title')).toEqual(['樟子松 T001']);
  expect(shown.texts('.selected .tree-card--adopt-btn')).toEqual(['认领']);
  expect(shown.text).toContain('2020年种植·察右前旗2号地块');
});

test('trees without coordinates: a list with photo, species, planted year and whether each is free', async () => {
  const noPlace = { latitude_e6: null, longitude_e6: null };
  prepare({
    trees: [
      tree(1, { ...noPlace, photo_url: 'https://img.example.com/t1.jpg' }),
      tree(2, { ...noPlace, adopted: true }),
      tree(3, { ...noPlace, status: 'dead' }),
    ],
  });
  const page = await openTrees();
  expect(page.data.map).toBeNull();

  const shown = render(page);
  expect(shown.count('wx-map')).toBe(0);
  expect(shown.texts('.tree-card--tree-title')).toEqual(['樟子松 T001', '樟子松 T002', '樟子松 T003']);
  expect(shown.texts('.tree .tree-card--tag')).toEqual(['可认领', '已被认领', '已枯死']);
  expect(shown.count('.tree-card--adopt-btn')).toBe(1); // only the free one
  const photos = shown.comp.dom.querySelectorAll('wx-image.tree-card--tree-photo');
  expect(photos).toHaveLength(1);
  expect(shown.count('.tree-card--tree-photo-none')).toBe(2);
  expect(shown.text).toContain('每棵每年约22kg预估');
  expect(shown.text).toContain('100积分/棵·年我的积分300');
});

test('trees: opened straight from a link, the project is found in the public list', async () => {
  const env = prepare();
  const page = await openTrees('3');
  expect(page.data.project).toMatchObject({ id: 3, name: '乌兰察布防护林', price: 100 });
  expect(env.backend.requestsTo('GET', '/sinks/projects')[0].query).toEqual({ limit: '100' });
  expect(env.wx.__calls.title).toBe('乌兰察布防护林');

  const missing = await openTrees('99');
  expect(missing.data).toMatchObject({ status: 'error', errorMessage: '没有找到这个碳汇项目，可能已下线' });
});

test('trees: next year asks the server for that year; this year uses its default', async () => {
  const env = prepare();
  const page = await openTrees();
  const year = thisYear();
  expect(page.data.years.map((y) => y.label)).toEqual([`${year}年（今年）`, `${year + 1}年`]);
  await page.switchYear({ currentTarget: { dataset: { year: year + 1 } } });
  expect(env.backend.requestsTo('GET', '/sinks/projects/3/trees').map((r) => r.query)).toEqual([{}, { year: String(year + 1) }]);
});

// ---------------------------------------------------------------- adopting

test('adopt: a confirmation with the points price, then POST with an Idempotency-Key', async () => {
  const env = prepare({ balance: 300 });
  env.backend.on('POST', '/sinks/trees/{tree_id}/adopt', ({ params }) => ({
    status: 201,
    body: adoption(Number(params.tree_id), { year: thisYear() }),
  }));
  const page = await openTrees();

  await page.onAdopt(adoptTap(1));

  const [confirm, success] = env.wx.__calls.modals;
  expect(confirm.title).toBe('确认认领');
  expect(confirm.content).toBe(
    [
      `将使用 100 积分认领「樟子松 T001」${thisYear()}年一年，积分付给项目方用于养护。`,
      '每棵树每年固碳约 22 kg（预估，仅供参考）。',
      '年度监测核证后，按实测固碳量发放认领证书。',
      '认领后剩余 200 积分。',
    ].join('\n'),
  );
  const [req] = env.backend.requestsTo('POST', '/sinks/trees/1/adopt');
  expect(req.body).toEqual({});
  expect(req.headers['Idempotency-Key']).toMatch(/^mp-/);
  expect(success).toMatchObject({ title: '认领成功 🌳', confirmText: '查看我的树' });
  expect(success.content).toContain('年度监测核证后，这棵树当年的固碳量会记入你的碳汇');
  expect(page.data.balance).toBe(200);
  expect(env.backend.requestsTo('GET', '/sinks/projects/3/trees')).toHaveLength(2); // reloaded
  expect(env.wx.__calls.navigations.pop()).toEqual({ type: 'navigateTo', url: '/pages/trees/index' });
});

test('adopt next year: the year goes in the body', async () => {
  const env = prepare();
  env.backend.on('POST', '/sinks/trees/{tree_id}/adopt', ({ body }) => ({ status: 201, body: adoption(1, { year: body.year }) }));
  const page = await openTrees();
  await page.switchYear({ currentTarget: { dataset: { year: thisYear() + 1 } } });
  await page.onAdopt(adoptTap(1));
  expect(env.backend.requestsTo('POST', '/sinks/trees/1/adopt')[0].body).toEqual({ year: thisYear() + 1 });
  expect(env.wx.__calls.modals[0].content).toContain(`${thisYear() + 1}年一年`);
});

test('adopt: cancelling sends nothing; an adopted or dead tree has no adopt action', async () => {
  const env = prepare();
  const page = await openTrees();
  env.wx.__script.modal.push({ confirm: false });
  await page.onAdopt(adoptTap(1));
  await page.onAdopt(adoptTap(2));
  await page.onAdopt(adoptTap(3));
  expect(env.wx.__calls.modals).toHaveLength(1);
  expect(env.backend.requestsTo('POST', '/sinks/trees/1/adopt')).toHaveLength(0);
});

test('adopt: too few points is said before anything is sent, with a way to earn more', async () => {
  const env = prepare({ balance: 40 });
  const page = await openTrees();
  await page.onAdopt(adoptTap(1));
  expect(env.wx.__calls.modals[0]).toMatchObject({ title: '积分不足', content: '认领需要 100 积分，你现在有 40 积分。', confirmText: '去打卡' });
  expect(env.backend.state.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  expect(env.wx.__calls.navigations.pop()).toEqual({ type: 'switchTab', url: '/pages/checkin/index' });
});

test.each([
  [409, 'tree_already_adopted', '这棵树这一年已被认领，换一棵吧', true],
  [409, 'tree_not_adoptable', '这棵树暂不可认领（可能已枯死或项目暂停认领）', true],
  [404, 'tree_not_found', '没有找到这棵树，请刷新后重试', true],
  [422, 'invalid_year', '只能认领今年或明年的树', false],
])('adopt refused %s %s: explained in Chinese', async (status, reason, message, reloads) => {
  const env = prepare();
  env.backend.on('POST', '/sinks/trees/{tree_id}/adopt', () => ({ status, body: env.backend.errorBody(status, reason, 'x') }));
  const page = await openTrees();
  await page.onAdopt(adoptTap(1));
  await flush();
  expect(env.wx.__calls.modals.pop()).toMatchObject({ title: '认领没有成功', content: message });
  expect(env.backend.requestsTo('GET', '/sinks/projects/3/trees')).toHaveLength(reloads ? 2 : 1);
  expect(page.data.adopting).toBe(0);
});

test('adopt refused insufficient_points by the server: 积分不足 with 去打卡', async () => {
  const env = prepare();
  env.backend.on('POST', '/sinks/trees/{tree_id}/adopt', () => ({ status: 409, body: env.backend.errorBody(409, 'insufficient_points', 'x') }));
  const page = await openTrees();
  env.wx.__script.modal.push({ confirm: true }, { confirm: false });
  await page.onAdopt(adoptTap(1));
  expect(env.wx.__calls.modals.pop()).toMatchObject({ title: '积分不足', content: '积分不足，先去打卡攒积分吧', confirmText: '去打卡' });
  expect(env.wx.__calls.navigations).toEqual([]);
});

test('adopt: a lost answer, tapped again, replays the same key; the next adoption has a new one', async () => {
  const env = prepare({ balance: 1000 });
  let attempts = 0;
  env.backend.on('POST', '/sinks/trees/{tree_id}/adopt', ({ params }) => {
    attempts += 1;
    if (attempts <= 2) return { fail: 'request:fail timeout' }; // the try and its automatic retry
    return { status: 201, body: adoption(Number(params.tree_id)) };
  });
  const page = await openTrees();
  // confirm, the error, confirm again, the success (stay), confirm the next, its success
  env.wx.__script.modal.push({ confirm: true }, { confirm: true }, { confirm: true }, { confirm: false }, { confirm: true }, { confirm: false });
  await page.onAdopt(adoptTap(1));
  expect(env.wx.__calls.modals[1]).toMatchObject({ title: '网络不太顺畅', content: '网络请求超时，请稍后重试' });
  await page.onAdopt(adoptTap(1));
  const first = env.backend.requestsTo('POST', '/sinks/trees/1/adopt');
  expect(first).toHaveLength(3);
  expect(new Set(first.map((r) => r.headers['Idempotency-Key'])).size).toBe(1);

  page.setData({ trees: page.data.trees.map((t) => (t.id === 3 ? { ...t, free: true } : t)) });
  await page.onAdopt(adoptTap(3));
  const [other] = env.backend.requestsTo('POST', '/sinks/trees/3/adopt');
  expect(other.headers['Idempotency-Key']).not.toBe(first[0].headers['Idempotency-Key']);
});

// ---------------------------------------------------------------- my trees

function myTrees(env, items) {
  env.backend.on('GET', '/me/adoptions', () => ({ status: 200, body: { items } }));
}

async function openMyTrees() {
  const page = loadPage('pages/trees/index.js');
  page.onShow();
  await flush();
  return page;
}

test('my trees: credited, waiting for monitoring, and replaced with the tree that replaced it', async () => {
  const env = prepare();
  myTrees(env, [
    adoption(9, { year: 2026, tree: tree(20, { code: 'S000', spare: true }) }), // the replacement
    adoption(8, { year: 2026, status: 'replaced', tree: tree(5, { status: 'dead' }) }),
    adoption(7, { year: 2026 }),
    adoption(6, {}, true),
  ]);
  const page = await openMyTrees();

  expect(page.data.items.map((a) => [a.id, a.statusText, a.credited])).toEqual([
    [9, '认领中', false],
    [8, '已更换', false],
    [7, '认领中', false],
    [6, '已核证', true],
  ]);
  const shown = render(page);
  expect(shown.texts('.notice')).toEqual(['原认领的樟子松已枯死，已为你更换为 樟子松 S000（同一项目、同一年份），无需任何操作']);
  expect(shown.texts('.figure.verified')).toEqual(['经核证固碳 18.4 kg · 查看证书 ›']);
  expect(shown.texts('.figure:not(.verified)').map((t) => t.replace(/\s+/g, ''))).toEqual([
    '当年固碳约22kg预估·年度监测核证后发放',
    '当年固碳约22kg预估·年度监测核证后发放',
  ]);
  expect(shown.texts('.adoption .tag')).toEqual(['认领中', '已更换', '认领中', '已核证']);

  page.openCertificate({ currentTarget: { dataset: { id: 6 } } });
  expect(env.wx.__calls.navigations.pop()).toEqual({ type: 'navigateTo', url: '/pages/tree-cert/index?id=6' });
});

test('my trees: a replaced tree with no spare to point to says what may have happened', async () => {
  const env = prepare();
  // Adopted later in the same project and year, but not a spare: the resident's own choice.
  myTrees(env, [adoption(10), adoption(8, { status: 'replaced', tree: tree(5, { status: 'dead' }) }), adoption(7)]);
  const page = await openMyTrees();
  expect(page.data.items[1].notice).toBe('原认领的樟子松已枯死，已为你更换为同项目的另一棵树；没有可更换的树时，认领积分已退还（见积分明细）');
});

test('my trees: none yet offers to adopt one', async () => {
  const env = prepare();
  myTrees(env, []);
  const page = await openMyTrees();
  const shown = render(page);
  expect(shown.text).toContain('还没有认领树苗去认领一棵');
  page.goSinks();
  expect(env.wx.__calls.navigations.pop()).toEqual({ type: 'navigateTo', url: '/pages/sinks/index' });
});

// ---------------------------------------------------------------- certificate

async function openCertificate(id) {
  const page = loadPage('pages/tree-cert/index.js');
  page.onLoad({ id: String(id) });
  await flush();
  return page;
}

test('certificate: once verified, the tree, project, year, verified kg and the id, with the public URL to copy', async () => {
  const env = prepare();
  myTrees(env, [adoption(6, { year: 2025 }, true), adoption(7)]);
  const page = await openCertificate(6);

  expect(page.data.cert).toMatchObject({ holder: '小绿', title: '樟子松 T006', yearText: '2025年', verifiedText: '18.4 kg', certificateId: CERT_ID, certificateUrl: CERT_URL });
  const shown = render(page);
  expect(shown.texts('.cert-badge')).toEqual(['碳汇认领证书']);
  expect(shown.text).toContain('小绿于2025年认领并守护樟子松T006乌兰察布防护林·内蒙古乌兰察布');
  expect(shown.text).toContain('18.4kgCO₂e2025年经核证的固碳量，已计入你的碳汇');
  expect(shown.text).toContain(`证书编号${CERT_ID}`);
  expect(shown.texts('.copy-btn')).toEqual(['复制公开证书链接']);
  expect(shown.texts('.cert-url')).toEqual([CERT_URL]);
  expect(shown.text).not.toContain('预估');

  page.copyUrl();
  await flush();
  expect(env.wx.__calls.clipboard).toEqual([CERT_URL]);
  expect(env.wx.__calls.toasts.pop().title).toBe('证书链接已复制');
});

test('certificate: before monitoring it shows the estimate as 预估 and 年度监测核证后发放, nothing to copy', async () => {
  const env = prepare();
  myTrees(env, [adoption(7, { year: 2026 })]);
  const page = await openCertificate(7);
  const shown = render(page);
  expect(shown.texts('.cert-badge')).toEqual(['认领凭证']);
  expect(shown.text).toContain('22kg预估2026年的固碳量以年度监测为准，年度监测核证后发放');
  expect(shown.count('.copy-btn')).toBe(0);
  page.copyUrl();
  await flush();
  expect(env.wx.__calls.clipboard).toEqual([]);

  const missing = await openCertificate(99);
  expect(missing.data).toMatchObject({ status: 'error', errorMessage: '没有找到这条认领记录' });
});

test('certificate: a replaced adoption shows its notice instead of a figure', async () => {
  const env = prepare();
  myTrees(env, [adoption(9, { tree: tree(20, { code: 'S000', spare: true }) }), adoption(8, { status: 'replaced' })]);
  const page = await openCertificate(8);
  const shown = render(page);
  expect(shown.texts('.cert-notice')).toEqual(['原认领的樟子松已枯死，已为你更换为 樟子松 S000（同一项目、同一年份），无需任何操作']);
  expect(shown.count('.cert-kg')).toBe(0);
});
