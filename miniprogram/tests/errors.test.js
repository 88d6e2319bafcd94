/** Reason slugs -> Chinese messages: every reason of shared/API.md and the client's own. */

const fs = require('fs');
const path = require('path');
const errors = require('../utils/errors');

// shared/ sits beside the repository (in CI: a fresh clone with shared/ next to it).
const API_MD = [path.resolve(__dirname, '../../../shared/API.md'), path.resolve(__dirname, '../../shared/API.md')].find(
  (file) => fs.existsSync(file),
);

// The reasons API.md names, kept here too so the test means something without shared/.
const API_REASONS = [
  'wechat_login_failed', 'invalid_credentials', 'scenario_not_found', 'invalid_qr',
  'daily_cap_reached', 'duplicate_evidence', 'invalid_image', 'invalid_encrypted_data',
  'stale_data', 'out_of_stock', 'insufficient_points', 'limit_reached', 'offer_not_live',
  'coupon_not_cancellable', 'coupon_not_found', 'coupon_already_used', 'coupon_expired',
  'coupon_cancelled', 'same_operator', 'idempotency_key_reused',
];

function reasonsInApiMd(text) {
  const found = new Set();
  const statusRun = /\b[45]\d\d `([a-z_]+)`((?:,\s*`[a-z_]+`)*)/g;
  let match;
  while ((match = statusRun.exec(text))) {
    found.add(match[1]);
    (match[2].match(/`([a-z_]+)`/g) || []).forEach((slug) => found.add(slug.replace(/`/g, '')));
  }
  return Array.from(found);
}

test('every reason in API.md has its own Chinese message', () => {
  const reasons = new Set(API_REASONS);
  if (API_MD) reasonsInApiMd(fs.readFileSync(API_MD, 'utf8')).forEach((r) => reasons.add(r));
  const missing = Array.from(reasons).filter((r) => !errors.REASON_MESSAGES[r]);
  expect(missing).toEqual([]);
  if (API_MD) expect(reasonsInApiMd(fs.readFileSync(API_MD, 'utf8')).length).toBeGreaterThanOrEqual(API_REASONS.length);
});

test.each([
  ['validation_error', '填写的内容有误，请检查后重试'],
  ['rate_limited', '操作太频繁了，请稍等一会儿再试'],
  ['invalid_token', '登录已失效，正在为你重新登录'],
  ['wechat_unavailable', '微信服务暂时不可用，请稍后再试'],
  ['network_error', '网络连接失败，请检查网络后重试'],
  ['timeout', '网络请求超时，请稍后重试'],
  ['insufficient_points', '积分不足，先去打卡攒积分吧'],
  ['coupon_already_used', '这张券已经核销过了'],
])('%s -> %s', (reason, message) => {
  expect(errors.messageFor(reason)).toBe(message);
});

test('every message is Chinese and short enough to read at a glance', () => {
  Object.entries(errors.REASON_MESSAGES).forEach(([reason, message]) => {
    expect([reason, /[\u4e00-\u9fa5]/.test(message)]).toEqual([reason, true]);
    expect([reason, message.length <= 40]).toEqual([reason, true]);
  });
});

test('unknown reasons: the server message if Chinese, else a message by status', () => {
  expect(errors.messageFor('brand_new', { status: 409, serverMessage: '活动已结束' })).toBe('活动已结束');
  expect(errors.messageFor('brand_new', { status: 409, serverMessage: 'Conflict' })).toBe('操作与当前状态冲突，请刷新后重试');
  expect(errors.messageFor('brand_new', { status: 502 })).toBe('上游服务暂时不可用，请稍后再试');
  expect(errors.messageFor('brand_new', { status: 599 })).toBe('服务器开小差了，请稍后再试');
  expect(errors.messageFor('brand_new', {})).toBe('操作失败，请稍后重试');
});

test('validation errors name the fields; transient reasons are retryable', () => {
  expect(errors.messageFor('validation_error', { errors: { quantity: ['x'], evidence: { token: ['y'] } } })).toBe('请检查：数量、凭证');
  expect(errors.messageFor('validation_error', { errors: { _schema: ['x'] } })).toBe('填写的内容有误，请检查后重试');
  expect(errors.isTransient('timeout')).toBe(true);
  expect(errors.isTransient('wechat_unavailable', 503)).toBe(true);
  expect(errors.isTransient('out_of_stock', 409)).toBe(false);
});

test('API.md parsing finds multi-reason lines', () => {
  expect(reasonsInApiMd('409 `daily_cap_reached`, `duplicate_evidence`; 400 `invalid_qr`').sort()).toEqual([
    'daily_cap_reached',
    'duplicate_evidence',
    'invalid_qr',
  ]);
});

test("a call's own wording wins where the general one does not fit (offsets, event codes)", () => {
  expect(errors.messageFor('invalid_quantity', { status: 422 })).toBe(errors.REASON_MESSAGES.invalid_quantity);
  expect(errors.messageFor('invalid_quantity', { status: 422, call: 'createOffset' })).toBe('每次可中和 1 到 1000 千克，请输入整数');
  expect(errors.messageFor('invalid_qr', { status: 400, call: 'createCheckin' })).toBe('二维码无效或已过期，请扫描现场的官方二维码');
  expect(errors.messageFor('invalid_qr', { status: 400, call: 'recordAttendance' })).toBe('这不是有效的活动签到码，请扫描活动现场的二维码');
  expect(errors.messageFor('insufficient_points', { call: 'createOffset' })).toBe('积分不足，先去打卡攒积分吧');
  expect(errors.messageFor('validation_error', { errors: { mode: ['x'], distance_km: ['y'], kg: ['z'] } })).toBe('请检查：出行方式、往返距离、千克数');
});
