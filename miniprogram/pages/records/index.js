/**
 * Records: my carbon records (GET /me/carbon-records) and my points history
 * (GET /me/ledger), newest first, loaded page by page with next_cursor.
 */
const api = require('../../utils/api');
const format = require('../../utils/format');
const pager = require('../../utils/pager');
const scenarios = require('../../utils/scenarios');

const RECORD_STATUS = {
  approved: { text: '已发放', cls: '' },
  pending: { text: '审核中', cls: 'warn' },
  rejected: { text: '未通过', cls: 'danger' },
};

const LEDGER_CODES = {
  checkin_reward: '打卡奖励',
  werun_reward: '步行奖励',
  partner_reward: '合作方记录',
  campaign_bonus: '活动加赠',
  redemption: '兑换优惠券',
  redemption_refund: '取消兑换退回',
  adjustment: '积分调整',
  expiry: '积分过期',
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
  data: {
    tab: 'records',
    records: pager.initialState(),
    ledger: pager.initialState(),
  },

  onLoad(options) {
    this.lists = {
      records: pager.create(this, 'records', (page) => api.list('records', { query: page }), recordItem),
      ledger: pager.create(this, 'ledger', (page) => api.list('ledger', { query: page }), ledgerItem),
    };
    const tab = options && options.tab === 'ledger' ? 'ledger' : 'records';
    this.setData({ tab });
    this.loaded = {};
    this.ensureLoaded(tab);
  },

  ensureLoaded(tab) {
    if (this.loaded[tab]) return Promise.resolve();
    this.loaded[tab] = true;
    return this.lists[tab].refresh();
  },

  switchTab(event) {
    const tab = event.currentTarget.dataset.tab;
    this.setData({ tab });
    this.ensureLoaded(tab);
  },

  onPullDownRefresh() {
    this.lists[this.data.tab].refresh({ quiet: true }).then(() => wx.stopPullDownRefresh());
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
});
