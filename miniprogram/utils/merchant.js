/**
 * Merchant mode helpers: offer statuses, money in fen, the result of a verification
 * (核销), and today's verifications (GET /merchant/coupons?status=used, filtered to the
 * Asia/Shanghai day) merged with the ones made on this phone a moment ago.
 */

const api = require('./api');
const format = require('./format');

const OFFER_STATUS = {
  pending_review: { text: '待审核', cls: 'warn' },
  live: { text: '已上架', cls: '' },
  paused: { text: '已暂停', cls: 'grey' },
  rejected: { text: '未通过', cls: 'danger' },
};

// Reasons after which the clerk should NOT hand over the goods, with a headline.
const VERIFY_FAILURES = {
  coupon_not_found: '券码无效',
  coupon_already_used: '已核销过',
  coupon_expired: '券已过期',
  coupon_cancelled: '券已取消',
  coupon_not_yet_valid: '未到使用时间',
  rate_limited: '尝试太频繁',
};

const TODAY_PAGES = 3;
const local = []; // verifications made from this phone since the app started

function yuan(fen) {
  const n = Number(fen);
  if (!Number.isFinite(n)) return '';
  return `¥${(n / 100).toFixed(2).replace(/\.00$/, '')}`;
}

function offerView(offer) {
  const status = OFFER_STATUS[offer.status] || { text: offer.status || '', cls: 'grey' };
  const total = Number(offer.stock_total !== undefined ? offer.stock_total : offer.stock) || 0;
  const left = Number(offer.stock_left);
  return {
    id: offer.id,
    title: offer.title || '未命名优惠',
    price: Number(offer.points_price) || 0,
    statusText: status.text,
    statusClass: status.cls,
    status: offer.status,
    stockText: Number.isNaN(left) ? `库存 ${total}` : `剩余 ${left} / ${total}`,
    issued: Number.isNaN(left) ? 0 : Math.max(0, total - left),
    soldOut: !Number.isNaN(left) && left <= 0,
    canPause: offer.status === 'live',
    canResume: offer.status === 'paused',
    reviewNote: offer.status === 'rejected' ? offer.review_note || '' : '',
  };
}

function couponLine(coupon, titles) {
  const title = coupon.offer_title || coupon.title || (titles && titles[coupon.offer_id]) || `优惠 #${coupon.offer_id}`;
  return {
    id: coupon.id,
    title,
    shortCode: format.shortCode(coupon.short_code),
    time: format.dateTime(coupon.used_at),
    usedAt: coupon.used_at,
    value: coupon.settlement_value_fen ? yuan(coupon.settlement_value_fen) : '',
  };
}

/** The result card after a verify call: {ok, headline, detail, coupon?}. */
function verifyResult(coupon, err, titles) {
  if (coupon) {
    const line = couponLine(coupon, titles);
    return { ok: true, headline: '核销成功', detail: `${line.title}${line.shortCode ? ` · ${line.shortCode}` : ''}`, line };
  }
  return {
    ok: false,
    headline: VERIFY_FAILURES[err.reason] || '核销失败',
    detail: err.message,
  };
}

function rememberLocal(line) {
  if (line && !local.some((l) => l.id === line.id)) local.unshift(line);
}

/** Coupons verified today (newest first), from the server plus this phone's own. */
async function todaysVerifications(titles) {
  const today = format.shanghaiDate();
  const found = {};
  let cursor = null;
  for (let page = 0; page < TODAY_PAGES; page += 1) {
    // eslint-disable-next-line no-await-in-loop
    const result = await api.list('merchantCoupons', { query: { status: 'used', limit: 100, cursor } });
    result.items
      .filter((c) => c.used_at && format.shanghaiDate(c.used_at) === today)
      .forEach((c) => {
        found[c.id] = couponLine(c, titles);
      });
    cursor = result.next_cursor;
    if (!cursor) break;
  }
  local.filter((l) => format.shanghaiDate(l.usedAt) === today).forEach((l) => {
    if (!found[l.id]) found[l.id] = l;
  });
  return Object.keys(found)
    .map((id) => found[id])
    .sort((a, b) => format.parseTime(b.usedAt) - format.parseTime(a.usedAt));
}

module.exports = { OFFER_STATUS, yuan, offerView, couponLine, verifyResult, rememberLocal, todaysVerifications };
