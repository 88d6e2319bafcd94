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
  const moving = ['createCheckin', 'werunSync', 'redeem', 'cancelCoupon', 'verifyCoupon'];
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

function responseSchema(document, method, route) {
  const op = document.paths[BASE_PATH + route][method];
  return op.responses['200'].content['application/json'].schema;
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
