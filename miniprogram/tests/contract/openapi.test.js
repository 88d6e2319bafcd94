/**
 * Contract: every call the mini-program makes (utils/api.js ENDPOINTS) exists, with its
 * method, in the backend's OpenAPI document. FAILS when a called path is missing.
 *
 * The document is read from $OPENAPI_JSON (default ../build/openapi.json, relative to
 * miniprogram/). If that file is missing it is generated from the backend in this
 * checkout with ../.venv/bin/python (APP_ENV=testing; no database or Redis needed),
 * building that virtualenv first with the project's own `make .venv/.installed` on a
 * fresh clone. OPENAPI_REFRESH=1 regenerates the document even when it exists.
 */

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { createWx } = require('../helpers/wx');

const MINIPROGRAM = path.resolve(__dirname, '../..');
const REPO = path.resolve(MINIPROGRAM, '..');
const SPEC_FILE = path.resolve(MINIPROGRAM, process.env.OPENAPI_JSON || '../build/openapi.json');
const BASE_PATH = '/api/v1';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

const GENERATE = [
  'import json, sys',
  'from pathlib import Path',
  'from app import create_app',
  "spec = create_app().test_client().get('/api/v1/openapi.json').get_json()",
  'Path(sys.argv[1]).parent.mkdir(parents=True, exist_ok=True)',
  "Path(sys.argv[1]).write_text(json.dumps(spec, ensure_ascii=False, indent=2), encoding='utf-8')",
].join('\n');

function backendPython() {
  const python = path.join(REPO, '.venv', 'bin', 'python');
  if (!fs.existsSync(python)) {
    // A fresh clone: build the backend's virtualenv the way `make test` does on first use.
    execFileSync('make', ['-C', REPO, '.venv/.installed'], {
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: 15 * 60 * 1000,
    });
  }
  return python;
}

let spec = null;

function loadSpec() {
  if (spec) return spec;
  if (process.env.OPENAPI_REFRESH || !fs.existsSync(SPEC_FILE)) {
    execFileSync(backendPython(), ['-c', GENERATE, SPEC_FILE], {
      cwd: REPO,
      env: { ...process.env, APP_ENV: 'testing' },
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 120000,
    });
  }
  spec = JSON.parse(fs.readFileSync(SPEC_FILE, 'utf8'));
  return spec;
}

/** `/offers/{offer_id}` and `/offers/{id}` are the same route: compare without param names. */
function normalise(route) {
  return route.replace(/\{[^}]+\}/g, '{}').replace(/\/+$/, '');
}

/** The calls missing from `document`: ["POST /api/v1/x", ...]. */
function missingCalls(endpoints, document) {
  const available = new Set();
  Object.keys(document.paths || {}).forEach((route) => {
    Object.keys(document.paths[route]).forEach((method) => {
      if (METHODS.includes(method)) available.add(`${method.toUpperCase()} ${normalise(route)}`);
    });
  });
  return Object.keys(endpoints)
    .map((name) => `${endpoints[name].method} ${normalise(BASE_PATH + endpoints[name].path)}`)
    .filter((call) => !available.has(call));
}

function endpoints() {
  global.wx = createWx();
  return require('../../utils/api').ENDPOINTS;
}

test('the matcher ignores parameter names and catches a missing path or method', () => {
  const document = {
    paths: {
      '/api/v1/offers/{offer_id}': { get: {}, parameters: [] },
      '/api/v1/me/coupons/{coupon_id}/cancel': { post: {} },
    },
  };
  const table = {
    offer: { method: 'GET', path: '/offers/{id}' },
    cancel: { method: 'POST', path: '/me/coupons/{coupon_id}/cancel' },
    redeem: { method: 'POST', path: '/offers/{offer_id}/redeem' },
    patch: { method: 'PATCH', path: '/offers/{offer_id}' },
  };
  expect(missingCalls(table, document)).toEqual(['POST /api/v1/offers/{}/redeem', 'PATCH /api/v1/offers/{}']);
});

test('every call of the mini-program exists in the backend OpenAPI document', () => {
  const document = loadSpec();
  expect(Object.keys(document.paths || {}).length).toBeGreaterThan(0);
  const table = endpoints();
  expect(Object.keys(table).length).toBeGreaterThan(25);
  expect(missingCalls(table, document)).toEqual([]);
}, 20 * 60 * 1000);

test('calls that move points, stock or coupons are idempotent POSTs', () => {
  const table = endpoints();
  const moving = ['createCheckin', 'werunSync', 'redeem', 'cancelCoupon', 'verifyCoupon', 'adoptTree', 'createOffset'];
  moving.forEach((name) => {
    expect(table[name]).toMatchObject({ method: 'POST', idempotent: true });
  });
});

test('every reason the OpenAPI document lists for a called path has a Chinese message', () => {
  const document = loadSpec();
  const { REASON_MESSAGES } = require('../../utils/errors');
  const operations = {};
  Object.keys(document.paths || {}).forEach((route) => {
    Object.keys(document.paths[route]).forEach((method) => {
      operations[`${method.toUpperCase()} ${normalise(route)}`] = document.paths[route][method];
    });
  });
  const table = endpoints();
  const reasons = new Set();
  Object.keys(table).forEach((name) => {
    const op = operations[`${table[name].method} ${normalise(BASE_PATH + table[name].path)}`];
    Object.entries((op && op.responses) || {}).forEach(([status, response]) => {
      if (/^[45]\d\d$/.test(status)) {
        (String(response.description || '').match(/\b[a-z]+(?:_[a-z]+)+\b/g) || []).forEach((r) => reasons.add(r));
      }
    });
  });
  expect(reasons.size).toBeGreaterThan(10);
  expect(Array.from(reasons).filter((reason) => !REASON_MESSAGES[reason])).toEqual([]);
});

/** The property names `value` uses that `schema` (resolved in `document`) does not have. */
function unknownFields(document, schema, value, where = '') {
  const resolve = (s) => {
    if (s && s.$ref) return resolve(document.components.schemas[s.$ref.split('/').pop()]);
    const options = s && (s.anyOf || s.oneOf || s.allOf);
    if (!options) return s || {};
    // `allow_none` nested schemas are anyOf [null, $ref]: the properties of every option.
    const merged = options.map(resolve);
    return { items: merged.map((m) => m.items).find(Boolean), properties: Object.assign({}, ...merged.map((m) => m.properties)) };
  };
  const node = resolve(schema);
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownFields(document, node.items, v, `${where}[${i}]`));
  if (!value || typeof value !== 'object') return [];
  const properties = node.properties || {};
  return Object.keys(value).flatMap((key) =>
    key in properties ? unknownFields(document, properties[key], value[key], `${where}.${key}`) : [`${where}.${key}`],
  );
}

function responseSchema(document, method, route, status = '200') {
  const op = document.paths[BASE_PATH + route][method];
  return op.responses[status].content['application/json'].schema;
}

function requestSchema(document, method, route) {
  return document.paths[BASE_PATH + route][method].requestBody.content['application/json'].schema;
}

test('the registry answers the tests use have only fields of the backend schemas', () => {
  const document = loadSpec();
  const { registryConsent, reduction } = require('../helpers/fixtures');
  const reductions = {
    pseudonym: 'x',
    items: [
      reduction(1, 'issued', {
        fate: { held: [{ holder: 'a', kg: 1 }], buffer_kg: 1, cancelled_kg: 0, retired: [{ holder: 'b', beneficiary: 'c', purpose: 'voluntary', kg: 1, certificate_id: 'RT1' }] },
      }),
      reduction(2, 'submitted'),
    ],
  };
  expect(unknownFields(document, responseSchema(document, 'get', '/me/reductions'), reductions)).toEqual([]);
  const consent = registryConsent({ granted: true, version: '2026-12', updated_at: '2026-12-02T02:00:00Z' });
  ['get', 'put'].forEach((method) => {
    expect(unknownFields(document, responseSchema(document, method, '/me/registry-consent'), consent)).toEqual([]);
  });
  expect(unknownFields(document, responseSchema(document, 'get', '/me/reductions'), { items: [{ batch: { colour: 1 } }] })).toEqual(['.items[0].batch.colour']);
});

test('every retirement purpose and batch status of the backend has Chinese words', () => {
  const document = loadSpec();
  global.wx = createWx();
  const reductions = require('../../utils/reductions');
  const schemas = document.components.schemas;
  expect(schemas.RetirementCreate.properties.purpose.enum.filter((p) => !reductions.PURPOSES[p])).toEqual([]);
  const statuses = schemas.Batch.properties.status.enum;
  expect(statuses.length).toBeGreaterThan(3);
  statuses.forEach((status) => {
    expect(reductions.lineOf(require('../helpers/fixtures').reduction(1, status)).text).toMatch(/^这笔减排已纳入批次.*（2026年11月），[^a-z]+$/);
  });
});

// ---------------------------------------------------------------- sinks, offsets, events

test('the sinks, offsets and events answers the tests use have only fields of the backend schemas', () => {
  const document = loadSpec();
  const f = require('../helpers/fixtures');
  const check = (method, route, value, status) => unknownFields(document, responseSchema(document, method, route, status), value);
  expect(check('get', '/sinks/projects', { items: [f.sinkProject()], next_cursor: null })).toEqual([]);
  expect(check('get', '/sinks/projects/{project_id}/trees', { items: [f.tree(1), f.tree(2, { latitude_e6: null, photo_url: 'https://x/y.jpg' })] })).toEqual([]);
  expect(check('get', '/me/adoptions', { items: [f.adoption(1, {}, true), f.adoption(2, { status: 'replaced' })] })).toEqual([]);
  expect(check('post', '/sinks/trees/{tree_id}/adopt', f.adoption(1), '201')).toEqual([]);
  expect(check('get', '/offset-pools', { items: [f.pool(1)] })).toEqual([]);
  expect(check('get', '/me/offsets', { items: [f.offset(1)], next_cursor: null })).toEqual([]);
  expect(check('post', '/me/offsets', { id: 31, kg: 3, points: 30, certificate_id: 'RT1' }, '201')).toEqual([]);
  expect(check('post', '/events/attendance', { id: 3, mode: 'metro', distance_km: 12.5, event: 'x' }, '201')).toEqual([]);
  expect(check('get', '/public/events/{public_id}', f.publicEvent())).toEqual([]);
  expect(check('get', '/me/account', { points_balance: 35, carbon_total_g: 1280, checkins_count: 3, pending_count: 0, by_scenario: [], sink_total_g: 18400 })).toEqual([]);
  // A fixture with a field the backend does not have is caught.
  expect(check('get', '/me/adoptions', { items: [{ ...f.adoption(1), replaces_id: 2 }] })).toEqual(['.items[0].replaces_id']);
});

/** Drive a page against the fake backend and return the body of its POST to `route`. */
async function postedBody(pagePath, route, drive, routes) {
  const { setup, loggedIn, flush } = require('../helpers/env');
  const { loadPage } = require('../helpers/page');
  const env = setup();
  loggedIn(env);
  Object.keys(routes).forEach((key) => {
    const [method, path] = key.split(' ');
    env.backend.on(method, path, routes[key], { auth: method !== 'GET' || path.indexOf('/me/') === 0 || path === '/offset-pools' });
  });
  const page = loadPage(pagePath);
  await drive(page, flush);
  const sent = env.backend.state.requests.filter((r) => r.method === 'POST' && r.path.indexOf(route) >= 0);
  expect(sent).toHaveLength(1);
  return { body: sent[0].body, headers: sent[0].headers };
}

test('the bodies the new pages POST fit the backend request schemas', async () => {
  const document = loadSpec();
  const f = require('../helpers/fixtures');
  const required = (schema) => (document.components.schemas[schema.$ref.split('/').pop()].required || []);
  const ok = (res) => () => ({ status: 201, body: res });

  const adopt = await postedBody('pages/sink-trees/index.js', '/adopt', async (page, flush) => {
    page.onLoad({ id: '3' });
    await flush();
    await page.switchYear({ currentTarget: { dataset: { year: page.data.years[1].year } } });
    await page.onAdopt({ detail: { id: 1 } });
  }, {
    'GET /me/account': () => ({ status: 200, body: { points_balance: 1000 } }),
    'GET /sinks/projects': () => ({ status: 200, body: { items: [f.sinkProject()], next_cursor: null } }),
    'GET /sinks/projects/{project_id}/trees': () => ({ status: 200, body: { items: [f.tree(1)] } }),
    'POST /sinks/trees/{tree_id}/adopt': ok(f.adoption(1)),
  });
  const offset = await postedBody('pages/offsets/index.js', '/me/offsets', async (page, flush) => {
    page.onLoad({});
    await flush();
    await page.onSubmit();
  }, {
    'GET /me/account': () => ({ status: 200, body: { points_balance: 1000 } }),
    'GET /offset-pools': () => ({ status: 200, body: { items: [f.pool(1)] } }),
    'POST /me/offsets': ok({ id: 1, kg: 1, points: 10, certificate_id: 'RT1' }),
  });
  const attendance = await postedBody('pages/event/index.js', '/events/attendance', async (page, flush) => {
    page.onLoad({ event: f.EVENT_TOKEN });
    await flush();
    page.chooseMode({ currentTarget: { dataset: { mode: 'bus' } } });
    page.onDistanceInput({ detail: { value: '7.25' } });
    await page.onSubmit();
  }, {
    'GET /public/events/{public_id}': () => ({ status: 200, body: f.publicEvent() }),
    'POST /events/attendance': ok({ id: 1, mode: 'bus', distance_km: 7.25, event: 'x' }),
  });

  [
    ['/sinks/trees/{tree_id}/adopt', adopt.body],
    ['/me/offsets', offset.body],
    ['/events/attendance', attendance.body],
  ].forEach(([route, body]) => {
    const schema = requestSchema(document, 'post', route);
    expect([route, unknownFields(document, schema, body)]).toEqual([route, []]);
    expect([route, required(schema).filter((name) => !(name in body))]).toEqual([route, []]);
  });
  expect(Object.keys(adopt.body)).toEqual(['year']);
  expect(adopt.headers['Idempotency-Key']).toBeTruthy();
  expect(offset.headers['Idempotency-Key']).toBeTruthy();
  const modes = document.components.schemas.Attendance.properties.mode.enum;
  expect(modes).toContain(attendance.body.mode);
});

test('every mode, sink kind, pool kind and event stage of the backend has Chinese words', () => {
  const document = loadSpec();
  global.wx = createWx();
  const schemas = document.components.schemas;
  const events = require('../../utils/events');
  const sinks = require('../../utils/sinks');
  const offsets = require('../../utils/offsets');
  expect(events.MODES.map((m) => m.key).sort()).toEqual(schemas.Attendance.properties.mode.enum.slice().sort());
  expect(schemas.SinkProject.properties.kind.enum.filter((k) => !sinks.KINDS[k])).toEqual([]);
  expect(schemas.PoolCreate.properties.kind.enum.filter((k) => !offsets.KINDS[k])).toEqual([]);
  expect(schemas.Event.properties.stage.enum.map((stage) => events.eventView({ event: { stage } }).stageText).filter((t) => !t)).toEqual([]);
  expect(schemas.Tree.properties.status.enum.sort()).toEqual(['alive', 'dead']);
});

// ---------------------------------------------------------------- issue 17

test('the alliance, partner, profile and notice answers the tests use have only fields of the backend schemas', () => {
  const document = loadSpec();
  const f = require('../helpers/fixtures');
  const check = (method, route, value, status) => unknownFields(document, responseSchema(document, method, route, status), value);
  expect(check('get', '/merchants', { items: [f.merchantPlace(1)], next_cursor: null })).toEqual([]);
  expect(check('get', '/merchants/{merchant_id}', f.merchantPlace(1))).toEqual([]);
  expect(check('get', '/offers', { items: [{ ...f.OFFER, merchant: f.offerMerchant(3) }], next_cursor: null })).toEqual([]);
  expect(check('get', '/me/coupons/{coupon_id}', f.coupon({ merchant: f.offerMerchant(3) }))).toEqual([]);
  expect(check('get', '/me/merchant-applications', { items: [f.application(1, { status: 'rejected', review_note: 'x' })], next_cursor: null })).toEqual([]);
  expect(check('post', '/me/merchant-applications', f.application(1), '201')).toEqual([]);
  expect(check('get', '/partners', { items: [f.PARTNER] })).toEqual([]);
  expect(check('get', '/me/partner-bindings', { items: [{ partner: f.PARTNER, partner_user_id: 'U-1', bound_at: f.nowIso() }] })).toEqual([]);
  expect(check('post', '/me/partner-bindings', f.bindResult(), '201')).toEqual([]);
  expect(check('get', '/sites/lookup', { id: 1, name: 'x', scenario: 'bus_ride', scenario_name: '公交出行' })).toEqual([]);
  expect(check('get', '/notice-templates', f.NOTICE_TEMPLATES)).toEqual([]);
  expect(check('put', '/me/nickname', { id: 7, nickname: 'x', roles: ['resident'], avatar_url: '/api/v1/avatars/a.jpg' })).toEqual([]);
  expect(check('get', '/leaderboard', { period: 'week', items: [{ rank: 1, nickname: 'x', avatar_url: null, carbon_g: 1 }], me: { rank: 1, carbon_g: 1 } })).toEqual([]);
  expect(check('get', '/me/carbon-records', { items: [{ id: 1, status: 'rejected', decision_note: 'x' }], next_cursor: null })).toEqual([]);
  // Every kind the mini-program asks for is a kind the backend sends.
  expect(document.components.schemas.NoticeTemplate.properties.kind.enum.sort()).toEqual(['checkin_review', 'merchant_application', 'tree_replaced']);
  // The export is a file.
  expect(Object.keys(document.paths[`${BASE_PATH}/me/export`].get.responses['200'].headers)).toContain('Content-Disposition');
});

test('the bodies the application, binding and profile pages send fit the backend request schemas', async () => {
  const document = loadSpec();
  const f = require('../helpers/fixtures');
  const required = (schema) => (document.components.schemas[schema.$ref.split('/').pop()].required || []);
  const { body: applied } = await postedBody('pages/merchant-apply/index.js', '/me/merchant-applications', async (page, flush) => {
    page.onLoad();
    await flush();
    ['name', 'address', 'phone', 'opening_hours'].forEach((field) => page.onInput({ currentTarget: { dataset: { field } }, detail: { value: field === 'phone' ? '13800000000' : '甲' } }));
    global.wx.__script.chooseLocation.push({ name: 'x', address: 'y', latitude: 28.1, longitude: 105.2 });
    global.wx.__script.chooseMedia.push({ tempFiles: [{ tempFilePath: 'wxfile://tmp/l.jpg' }] });
    page.chooseLocation();
    await page.chooseLicence();
    await flush();
    await page.onSubmit();
  }, {
    'GET /notice-templates': () => ({ status: 200, body: f.NOTICE_TEMPLATES }),
    'GET /me/merchant-applications': () => ({ status: 200, body: { items: [], next_cursor: null } }),
    'POST /uploads': () => ({ status: 201, body: { upload_id: 'u1' } }),
    'POST /me/merchant-applications': () => ({ status: 201, body: f.application(1) }),
  });
  const { body: bound } = await postedBody('pages/partner-bind/index.js', '/me/partner-bindings', async (page, flush) => {
    page.onLoad();
    await flush();
    page.onCodeInput({ detail: { value: 'ABCDE-FGHJK' } });
    await page.onBind();
  }, {
    'GET /scenarios': () => ({ status: 200, body: { items: [] } }),
    'GET /partners': () => ({ status: 200, body: { items: [f.PARTNER] } }),
    'GET /me/partner-bindings': () => ({ status: 200, body: { items: [] } }),
    'POST /me/partner-bindings': () => ({ status: 201, body: f.bindResult() }),
  });
  [
    ['post', '/me/merchant-applications', applied],
    ['post', '/me/partner-bindings', bound],
    ['put', '/me/nickname', { nickname: '小绿' }],
  ].forEach(([method, route, body]) => {
    const schema = requestSchema(document, method, route);
    expect([route, unknownFields(document, schema, body)]).toEqual([route, []]);
    expect([route, required(schema).filter((name) => !(name in body))]).toEqual([route, []]);
  });
});
