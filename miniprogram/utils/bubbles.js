/**
 * Today's bubbles on the home page. Points are credited by the server when a check-in is
 * approved; a bubble is the little celebration of a credit that arrived today and that the
 * resident has not tapped yet (remembered on the phone), plus bubbles for things still
 * to do today (sync WeRun, check in).
 */

const format = require('./format');

const COLLECTED_KEY = 'tph_collected_bubbles';
const WERUN_SYNCED_KEY = 'tph_werun_synced_on';

function readCollected(today) {
  try {
    const value = wx.getStorageSync(COLLECTED_KEY);
    return value && value.date === today && Array.isArray(value.ids) ? value.ids : [];
  } catch (e) {
    return [];
  }
}

function markCollected(id, today) {
  const ids = readCollected(today);
  if (ids.indexOf(String(id)) < 0) ids.push(String(id));
  wx.setStorageSync(COLLECTED_KEY, { date: today, ids });
}

function werunSyncedToday(today) {
  try {
    return wx.getStorageSync(WERUN_SYNCED_KEY) === today;
  } catch (e) {
    return false;
  }
}

function markWeRunSynced(today) {
  wx.setStorageSync(WERUN_SYNCED_KEY, today);
}

function titleOf(entry) {
  const memo = String(entry.memo || '').replace(/\s*[+-]\s*\d+\s*$/, '').trim();
  return memo || '积分到账';
}

/**
 * Bubbles for the home page.
 * @param {Array} ledgerItems GET /me/ledger items, newest first
 * @param {object} opts {today (YYYY-MM-DD), collected (ids), hasWeRun, werunSynced}
 */
function build(ledgerItems, opts) {
  const today = opts.today;
  const collected = opts.collected || [];
  const bubbles = [];
  let creditedToday = false;
  (ledgerItems || []).forEach((entry) => {
    if (!(Number(entry.amount) > 0) || format.shanghaiDate(entry.created_at) !== today) return;
    creditedToday = true;
    const id = `ledger-${entry.id}`;
    if (collected.indexOf(id) >= 0) return;
    bubbles.push({ id, kind: 'credit', title: titleOf(entry), amountText: `+${entry.amount}`, amount: Number(entry.amount) });
  });
  if (opts.hasWeRun && !opts.werunSynced) {
    bubbles.push({ id: 'action-werun', kind: 'action', title: '同步步数', amountText: '👟' });
  }
  if (!creditedToday) {
    bubbles.push({ id: 'action-checkin', kind: 'action', title: '去打卡', amountText: '🌱' });
  }
  return bubbles.slice(0, 6);
}

module.exports = {
  COLLECTED_KEY,
  WERUN_SYNCED_KEY,
  build,
  readCollected,
  markCollected,
  werunSyncedToday,
  markWeRunSynced,
};
