#!/usr/bin/env node
/**
 * Smoke run of the mini-program's own modules against a RUNNING backend (not part of
 * `npm test`): real HTTP behind `wx.request`/`wx.uploadFile`, the WeChat sandbox for
 * login codes and WeRun data, and the demo data of `make run`.
 *
 *   make run                      # in the repository root (API :8000, sandbox :8765)
 *   npm run smoke                 # in miniprogram/
 *   npm run smoke -- http://127.0.0.1:8010/api/v1 http://127.0.0.1:8775   # other ports
 *
 * It logs in a fresh resident through the sandbox, walks the resident flows (account,
 * scenarios, consents, WeRun, photo and QR check-ins, ledger, records, leaderboard, mall,
 * redeem, coupon, cancel, export), joins the demo merchant as a clerk with an invite the
 * demo owner creates, verifies a coupon, and finally deletes the account. Each step prints
 * OK or the Chinese message the user would see.
 */

const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { createWx } = require('../helpers/wx');

const BASE = (process.argv[2] || 'http://127.0.0.1:8000/api/v1').replace(/\/+$/, '');
const SANDBOX = (process.argv[3] || 'http://127.0.0.1:8765').replace(/\/+$/, '');
const OPERATOR = ['admin', 'admin-demo-pw'];
const OWNER = ['shop', 'shop-demo-pw'];

// ---------------------------------------------------------------- real HTTP behind wx

async function realServer(req) {
  const headers = { ...(req.header || {}) };
  let body;
  if (req.kind === 'uploadFile') {
    const form = new FormData();
    form.append(req.name, new Blob([fs.readFileSync(req.filePath)], { type: 'image/png' }), path.basename(req.filePath));
    body = form;
  } else if (req.data !== undefined && req.method !== 'GET') {
    body = JSON.stringify(req.data);
  }
  let res;
  try {
    res = await fetch(req.url, { method: req.kind === 'uploadFile' ? 'POST' : req.method, headers, body });
  } catch (err) {
    return { fail: `request:fail ${err.message}` };
  }
  const text = await res.text();
  let parsed = text;
  try {
    parsed = text ? JSON.parse(text) : '';
  } catch (e) {
    // keep text
  }
  return { status: res.status, body: parsed };
}

async function http(method, url, { token, json } = {}) {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  const body = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return body;
}

async function consoleLogin([username, password]) {
  return (await http('POST', `${BASE}/auth/operator-login`, { json: { username, password } })).token;
}

// ---------------------------------------------------------------- a tiny PNG encoder

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'ascii'), data])), 8 + data.length);
  return out;
}

/** A random 64x64 RGB PNG (random so the duplicate-photo check does not trip). */
function randomPng() {
  const size = 64;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < size; y += 1) {
    const row = Buffer.alloc(1 + size * 3);
    for (let i = 1; i < row.length; i += 1) row[i] = Math.floor(Math.random() * 256);
    rows.push(row);
  }
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  const file = path.join(os.tmpdir(), `tph-smoke-${process.pid}-${Date.now()}.png`);
  fs.writeFileSync(file, png);
  return file;
}

// ---------------------------------------------------------------- the run

const results = [];

async function step(name, fn) {
  try {
    const note = await fn();
    results.push(['OK', name, note || '']);
    return true;
  } catch (err) {
    results.push(['FAIL', name, err.reason ? `${err.reason}: ${err.message}` : err.message]);
    return false;
  }
}

async function main() {
  global.wx = createWx({ envVersion: 'develop', server: realServer });
  global.getApp = () => ({ globalData: {} });
  const config = require('../../config');
  config.ENVIRONMENTS.develop.devLoginCode.sandboxUrl = SANDBOX;
  wx.setStorageSync(config.BASE_URL_OVERRIDE_KEY, BASE);
  wx.setStorageSync('tph_dev_steps', 9000);

  const api = require('../../utils/api');
  const checkin = require('../../utils/checkin');
  const consents = require('../../utils/consents');
  const coupons = require('../../utils/coupons');
  const merchant = require('../../utils/merchant');
  const scenarios = require('../../utils/scenarios');
  const session = require('../../utils/session');
  const werun = require('../../utils/werun');

  let catalog = [];
  let offerList = [];
  let coupon = null;

  await step('login through the WeChat sandbox', async () => {
    await api.login();
    return `user ${session.currentUser().id}, roles ${session.currentUser().roles.join(',')}`;
  });
  await step('GET /me/account', async () => JSON.stringify(await api.call('account')).slice(0, 120));
  await step('GET /scenarios', async () => {
    catalog = await scenarios.load(true);
    return `${catalog.length} scenarios, e.g. ${catalog[0].name} ${catalog[0].ruleText}`;
  });
  await step('GET /campaigns', async () => `${(await api.list('campaigns')).items.length} live`);
  await step('GET /me/consents', async () => `${Object.keys(await consents.load()).length} answers`);
  await step('WeRun sync (consent + sandbox data)', async () => {
    const result = await werun.sync('walk_steps');
    const summary = werun.summarize(result, require('../../utils/format').shanghaiDate());
    return `${summary.days.length} days, +${summary.points} points`;
  });
  await step('photo check-in (upload + POST /checkins)', async () => {
    const uploadId = await checkin.uploadPhoto(randomPng());
    const result = await checkin.submitPhoto('clean_plate', uploadId, 1);
    return checkin.resultView(result).title;
  });
  await step('QR check-in with a site the operator created', async () => {
    const operator = await consoleLogin(OPERATOR);
    const site = await http('POST', `${BASE}/admin/sites`, { token: operator, json: { name: `smoke ${Date.now()}`, scenario: 'bus_ride' } });
    const { payload } = await http('GET', `${BASE}/admin/sites/${site.id}/qr`, { token: operator });
    const result = await checkin.submitQr('bus_ride', payload);
    return `${checkin.resultView(result).title} ${checkin.resultView(result).detail}`;
  });
  await step('QR check-in with a forged code is refused', async () => {
    try {
      await checkin.submitQr('bus_ride', 'forged-payload');
    } catch (err) {
      if (err.reason === 'invalid_qr') return err.message;
      throw err;
    }
    throw new Error('a forged QR was accepted');
  });
  await step('GET /me/ledger', async () => `${(await api.list('ledger')).items.length} rows`);
  await step('GET /me/carbon-records', async () => `${(await api.list('records')).items.length} records`);
  await step('GET /me/points/expiring', async () => JSON.stringify(await api.call('expiringPoints')).slice(0, 100));
  await step('GET /leaderboard (week, month, all)', async () => {
    const ranks = [];
    for (const period of ['week', 'month', 'all']) {
      // eslint-disable-next-line no-await-in-loop
      ranks.push((await api.call('leaderboard', { query: { period } })).me.rank);
    }
    return `my ranks ${ranks.join('/')}`;
  });
  await step('GET /offers and /offers/{id}', async () => {
    offerList = (await api.list('offers')).items;
    if (!offerList.length) return 'no live offers';
    const detail = await api.call('offer', { params: { offer_id: offerList[0].id } });
    return `${offerList.length} offers; ${detail.title} ${detail.points_price} 积分`;
  });
  await step('redeem the cheapest offer', async () => {
    const cheapest = offerList.slice().sort((a, b) => a.points_price - b.points_price)[0];
    if (!cheapest) return 'skipped: no offers';
    try {
      const result = await api.call('redeem', { params: { offer_id: cheapest.id }, data: {} });
      coupon = coupons.remember(result.coupon);
      return `coupon ${coupon.id} (${coupons.view(coupon).title}), balance ${result.points_balance}`;
    } catch (err) {
      if (err.reason === 'insufficient_points') return `insufficient points (shown: ${err.message})`;
      throw err;
    }
  });
  await step('GET /me/coupons and /me/coupons/{id}', async () => {
    const list = await api.list('coupons', { query: { status: 'issued' } });
    if (coupon) await coupons.find(coupon.id);
    return `${list.items.length} issued`;
  });
  await step('join the demo merchant as a clerk with an invite', async () => {
    const owner = await consoleLogin(OWNER);
    const invite = await http('POST', `${BASE}/merchant/staff-invites`, { token: owner });
    await api.call('joinStaff', { data: { invite_code: invite.invite_code } });
    await api.refreshUser();
    return `roles now ${session.currentUser().roles.join(',')}`;
  });
  await step('merchant: profile, offers, verify the coupon, today', async () => {
    const profile = await api.call('merchantProfile');
    const mine = await api.list('merchantOffers');
    let verified = 'no coupon to verify';
    if (coupon) {
      const answer = await api.call('verifyCoupon', { data: { code: coupon.code } });
      verified = merchant.verifyResult(answer.coupon, null, {}).headline;
      try {
        await api.call('verifyCoupon', { data: { code: coupon.code } });
      } catch (err) {
        verified += `; again: ${merchant.verifyResult(null, err).headline}`;
      }
    }
    const today = await merchant.todaysVerifications({});
    return `${profile.name}: ${mine.items.length} offers; ${verified}; today ${today.length}`;
  });
  await step('GET /me/export', async () => `${Object.keys(await api.call('exportData')).join(',')}`);
  await step('DELETE /me', async () => {
    await api.call('deleteAccount');
    session.clear();
    try {
      await api.login();
    } catch (err) {
      return `logging in again: ${err.reason} (${err.message})`;
    }
    return 'deleted (a new login creates a new account)';
  });

  const width = Math.max(...results.map((r) => r[1].length));
  results.forEach(([status, name, note]) => console.log(`${status.padEnd(4)}  ${name.padEnd(width)}  ${note}`));
  const failed = results.filter((r) => r[0] !== 'OK').length;
  console.log(`\n${results.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
