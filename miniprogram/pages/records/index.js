/**
 * Records: my carbon records (GET /me/carbon-records) and my points history
 * (GET /me/ledger), newest first, loaded page by page with next_cursor.
 *
 * A rejected record shows why: the operator's note (`decision_note`), the same words the
 * review-result notice carried.
 *
 * Records in a registry batch get a line saying what became of it (GET /me/reductions,
 * once per page load, matched by record_id) and a detail on tap; the aggregation consent
 * is asked here once the records are shown (utils/registryconsent.js).
 */
const api = require('../../utils/api');
const format = require('../../utils/format');
const pager = require('../../utils/pager');
const reductions = require('../../utils/reductions');
const registryConsent = require('../../utils/registryconsent');
const scenarios = require('../../utils/scenarios');
const ui = require('../../utils/ui');

const RECORD_STATUS = {
  approved: { text: '已发放', cls: '' },
  pending: { text: '审核中', cls: 'warn' },
  rejected: { text: '未通过', cls: 'danger' },
  revoked: { text: '已撤销', cls: 'grey' },
};

/** Why a record did not count, for the resident (empty for the others). */
function decisionText(record) {
  const note = String(record.decision_note || '').trim();
  if (record.status === 'rejected') return note ? `未通过原因：${note}` : '未通过审核，如有疑问请联系运营';
  if (record.status === 'revoked') return note ? `已撤销：${note}` : '这笔记录核查后已撤销';
  return '';
}

const LEDGER_CODES = {
  checkin_reward: '打卡奖励',
  werun_reward: '步行奖励',
  partner_reward: '合作方记录',
  campaign_bonus: '活动加赠',
  redemption: '兑换优惠券',
  redemption_refund: '取消兑换退回',
  adjustment: '积分调整',
  expiry: '积分过期',
  tree_adoption: '认领树苗',
  tree_adoption_refund: '认领树苗退还',
  personal_offset: '个人碳中和',
};

function recordItem(record) {
  const status = RECORD_STATUS[record.status] || { text: record.status, cls: 'grey' };
  const unit = scenarios.unitLabel(record.unit);
  return {
    id: record.id,
    icon: scenarios.icon(record.scenario),
    name: record.scenario_name || record.scenario,
    quantityText: record.quantity ? `${record.quantity} ${unit}` : '',
    carbonText: format.carbon(record.carbon_g),
    points: Number(record.points) || 0,
    statusText: status.text,
    statusClass: status.cls,
    decision: decisionText(record),
    time: format.dateTime(record.created_at),
  };
}

function ledgerItem(entry) {
  const amount = Number(entry.amount) || 0;
  return {
    id: entry.id,
    title: entry.memo || LEDGER_CODES[entry.code] || '积分变动',
    kind: LEDGER_CODES[entry.code] || '',
    amountText: format.signedPoints(amount),
    plus: amount > 0,
    balanceAfter: entry.balance_after,
    time: format.dateTime(entry.created_at),
  };
}

Page({
  ...registryConsent.pageMethods,

  data: {
    tab: 'records',
    records: pager.initialState(),
    ledger: pager.initialState(),
    registry: {}, // record id -> {text, tone}: the record's line, when it is in a batch
    detail: null, // the open reduction detail (utils/reductions.detailOf)
    consentSheet: null,
  },

  onLoad(options) {
    this.lists = {
      records: pager.create(this, 'records', (page) => api.list('records', { query: page }), recordItem),
      ledger: pager.create(this, 'ledger', (page) => api.list('ledger', { query: page }), ledgerItem),
    };
    const tab = options && options.tab === 'ledger' ? 'ledger' : 'records';
    this.setData({ tab });
    this.loaded = {};
    this.loadReductions();
    this.ensureLoaded(tab);
  },

  onUnload() {
    this.releaseRegistryConsent();
  },

  ensureLoaded(tab) {
    if (this.loaded[tab]) return Promise.resolve();
    this.loaded[tab] = true;
    const loading = this.lists[tab].refresh();
    if (tab !== 'records') return loading;
    // A calm moment to ask: the resident is looking at the reductions they made.
    return loading.then(() => (this.data.records.status === 'ready' ? this.askRegistryConsent() : false));
  },

  /** My records in registry batches: one request for the whole page, not one per record. */
  async loadReductions() {
    const mine = await reductions.load();
    this.reductions = mine;
    this.setData({ registry: reductions.lines(mine.byRecord) });
  },

  openReduction(event) {
    const item = this.reductions && this.reductions.byRecord[event.currentTarget.dataset.id];
    if (item) this.setData({ detail: reductions.detailOf(item, this.reductions.pseudonym) });
  },

  closeReduction() {
    this.setData({ detail: null });
  },

  copyText(event) {
    const { text, what } = event.currentTarget.dataset;
    if (!text) return;
    wx.setClipboardData({ data: text, success: () => ui.toast(`${what || '内容'}已复制`) });
  },

  switchTab(event) {
    const tab = event.currentTarget.dataset.tab;
    this.setData({ tab });
    this.ensureLoaded(tab);
  },

  onPullDownRefresh() {
    const tab = this.data.tab;
    const done = [this.lists[tab].refresh({ quiet: true })];
    if (tab === 'records') done.push(this.loadReductions());
    Promise.all(done).then(() => wx.stopPullDownRefresh());
  },

  onReachBottom() {
    this.lists[this.data.tab].more();
  },

  onRetry() {
    this.lists[this.data.tab].refresh();
  },

  goCheckin() {
    wx.switchTab({ url: '/pages/checkin/index' });
  },

  noop() {},
});
