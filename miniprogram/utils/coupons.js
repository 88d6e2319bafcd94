/**
 * Coupons as a resident sees them: status in Chinese, what the coupon is for (from the
 * coupon if the server includes it, else from offers seen earlier), validity, and a
 * small in-memory cache so the coupon page opens instantly from the list or a redemption.
 */

const api = require('./api');
const format = require('./format');
const merchants = require('./merchants');
const offers = require('./offers');

const STATUS = {
  issued: { text: '可使用', cls: '' },
  used: { text: '已使用', cls: 'grey' },
  expired: { text: '已过期', cls: 'grey' },
  cancelled: { text: '已取消', cls: 'grey' },
};

const known = {};

function remember(coupon) {
  if (coupon && coupon.id !== undefined) known[coupon.id] = { ...(known[coupon.id] || {}), ...coupon };
  return coupon;
}

function label(coupon) {
  const cached = offers.titleFor(coupon.offer_id) || {};
  const offer = coupon.offer || {};
  return {
    title: coupon.title || coupon.offer_title || offer.title || cached.title || `优惠券 #${coupon.id}`,
    merchant: coupon.merchant_name || offers.merchantName(coupon) || offers.merchantName(offer) || cached.merchant || '',
  };
}

function view(coupon) {
  const status = STATUS[coupon.status] || { text: coupon.status || '', cls: 'grey' };
  const names = label(coupon);
  let when = '';
  if (coupon.status === 'used' && coupon.used_at) when = `${format.dateTime(coupon.used_at)} 已使用`;
  else if (coupon.status === 'cancelled' && coupon.cancelled_at) when = `${format.dateTime(coupon.cancelled_at)} 已取消`;
  else if (coupon.expires_at) when = `${format.date(coupon.expires_at)} 前有效`;
  return {
    id: coupon.id,
    title: names.title,
    merchant: names.merchant,
    place: merchants.placeOf(coupon.merchant), // where to use it (null: not told)
    code: coupon.code || '',
    shortCode: coupon.short_code || '',
    maskedCode: format.maskCode(coupon.short_code || coupon.code),
    status: coupon.status,
    statusText: status.text,
    statusClass: status.cls,
    usable: coupon.status === 'issued',
    pointsPrice: coupon.points_price,
    whenText: when,
  };
}

/**
 * A coupon by id, fresh from GET /me/coupons/{id} (its status may have changed at the
 * counter); what we already know is shown if the network fails.
 */
async function find(id) {
  try {
    return remember(await api.call('coupon', { params: { coupon_id: id } }));
  } catch (err) {
    if (known[id] && err.retryable) return known[id];
    throw err;
  }
}

module.exports = { STATUS, remember, view, find, label };
