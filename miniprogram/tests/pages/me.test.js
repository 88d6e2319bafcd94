/**
 * @jest-environment jsdom
 */
/** 「我的」: the reductions and, apart from them, the verified 碳汇 of adopted trees; the new links. */

const { setup, loggedIn, flush } = require('../helpers/env');
const { loadPage } = require('../helpers/page');
const { render } = require('../helpers/render');

async function openMe(account) {
  const env = setup();
  loggedIn(env);
  env.backend.on('GET', '/me/account', () => (account ? { status: 200, body: account } : { status: 500, body: env.backend.errorBody(500, 'internal_error', 'x') }));
  const page = loadPage('pages/me/index.js');
  page.onShow();
  await flush();
  return { env, page };
}

test('me: 累计减碳 and 碳汇 are two figures, never added together', async () => {
  const { page } = await openMe({ points_balance: 35, carbon_total_g: 1280, checkins_count: 3, pending_count: 0, by_scenario: [], sink_total_g: 18400 });
  expect(page.data.totals).toEqual({ carbonText: '1.28 kg', sinkText: '18.4 kg' });
  const shown = render(page);
  expect(shown.texts('.total-value')).toEqual(['1.28 kg', '18.4 kg']);
  expect(shown.text).toContain('1.28kg累计减碳18.4kg碳汇·已核证');
  expect(shown.text).toContain('碳汇是你认领的树经年度监测核证的固碳量，与减碳分开统计，不另发积分。');
  expect(shown.text).not.toContain('19.68');
});

test('me: no sinks yet reads 0 g; without the account the figures are left out', async () => {
  const { page } = await openMe({ points_balance: 0, carbon_total_g: 0, sink_total_g: 0 });
  expect(page.data.totals.sinkText).toBe('0 g');
  const failed = await openMe(null);
  expect(failed.page.data.totals).toBeNull();
  expect(render(failed.page).count('.totals')).toBe(0);
});

test('me: links to 认领树苗, 我的树 and 个人碳中和 (and 碳汇 to my trees)', async () => {
  const { env, page } = await openMe({ points_balance: 0, carbon_total_g: 0, sink_total_g: 0 });
  const shown = render(page);
  expect(shown.text).toContain('认领树苗用积分认领一棵树');
  expect(shown.text).toContain('我的树认领证书');
  expect(shown.text).toContain('个人碳中和一元碳汇');
  const urls = Array.from(shown.comp.dom.querySelectorAll('.menu-item, .total')).map((node) => node.getAttribute('data-url'));
  expect(urls).toEqual(expect.arrayContaining(['/pages/sinks/index', '/pages/trees/index', '/pages/offsets/index']));
  const app = require('../../app.json');
  ['pages/sinks/index', 'pages/sink-trees/index', 'pages/trees/index', 'pages/tree-cert/index', 'pages/offsets/index', 'pages/event/index'].forEach((p) => expect(app.pages).toContain(p));

  page.go({ currentTarget: { dataset: { url: '/pages/offsets/index' } } });
  expect(env.wx.__calls.navigations.pop()).toEqual({ type: 'navigateTo', url: '/pages/offsets/index' });
});
