/**
 * How an offer reads to a resident: merchant name, price, stock, validity, and whether
 * the resident can redeem it now (and if not, why). Also a small local cache of offer
 * titles so coupons can show what they are for.
 */

const format = require('./format');
const merchants = require('./merchants');

const TITLE_CACHE_KEY = 'tph_offer_titles';
const TITLE_CACHE_MAX = 200;

function merchantName(offer) {
  const m = offer && offer.merchant;
  if (!m) return offer && offer.merchant_name ? offer.merchant_name : '';
  return typeof m === 'string' ? m : m.name || '';
}

function validityText(offer) {
  if (offer.valid_until) return `${format.date(offer.valid_until)} 前有效`;
  if (offer.valid_days) return `兑换后 ${offer.valid_days} 天内有效`;
  return '';
}

/** Display fields for an offer, given the resident's points balance (null if unknown). */
function view(offer, balance) {
  if (!offer) return null;
  const left = Number(offer.stock_left);
  const price = Number(offer.points_price) || 0;
  const soldOut = offer.stock_left !== undefined && offer.stock_left !== null && left <= 0;
  const knownBalance = balance !== null && balance !== undefined && balance !== '';
  const affordable = !knownBalance || Number(balance) >= price;
  const saleStarts = format.parseTime(offer.sale_starts_at);
  const notStarted = !Number.isNaN(saleStarts) && saleStarts > Date.now();
  let blocker = '';
  if (soldOut) blocker = '已抢光';
  else if (notStarted) blocker = `${format.dateTime(offer.sale_starts_at)} 开抢`;
  else if (!affordable) blocker = `还差 ${price - Number(balance)} 积分`;
  return {
    id: offer.id,
    title: offer.title || '优惠券',
    description: offer.description || '',
    merchant: merchantName(offer),
    place: merchants.placeOf(offer.merchant), // where to use it (null: not told)
    price,
    stockText: soldOut ? '已抢光' : Number.isNaN(left) ? '' : `剩余 ${left}`,
    lowStock: !soldOut && left > 0 && left <= 10,
    soldOut,
    flashSale: !!offer.flash_sale,
    notStarted,
    affordable,
    canRedeem: !blocker,
    blocker,
    limitText: offer.per_user_limit ? `每人限兑 ${offer.per_user_limit} 张` : '',
    validText: validityText(offer),
    cancellable: offer.cancel_policy !== 'not_cancellable',
  };
}

function readTitles() {
  try {
    const value = wx.getStorageSync(TITLE_CACHE_KEY);
    return value && typeof value === 'object' ? value : {};
  } catch (e) {
    return {};
  }
}

/** Remember offer titles and merchants (used to label coupons). */
function rememberTitles(offers) {
  const titles = readTitles();
  (offers || []).forEach((offer) => {
    if (offer && offer.id) titles[offer.id] = { title: offer.title || '', merchant: merchantName(offer) };
  });
  const ids = Object.keys(titles);
  if (ids.length > TITLE_CACHE_MAX) ids.slice(0, ids.length - TITLE_CACHE_MAX).forEach((id) => delete titles[id]);
  try {
    wx.setStorageSync(TITLE_CACHE_KEY, titles);
  } catch (e) {
    // a full storage only costs us coupon labels
  }
}

function titleFor(offerId) {
  return readTitles()[offerId] || null;
}

module.exports = { view, merchantName, rememberTitles, titleFor, validityText };
