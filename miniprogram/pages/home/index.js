/**
 * Home: the carbon account (GET /me/account) — total carbon, points, today's bubbles to
 * collect, illustrative equivalences with their basis, and carbon by scenario.
 */
const api = require('../../utils/api');
const bubbles = require('../../utils/bubbles');
const equivalences = require('../../utils/equivalences');
const format = require('../../utils/format');
const scenarios = require('../../utils/scenarios');

const EXPIRY_NOTICE_DAYS = 60;

function scenarioRows(byScenario, catalog) {
  const rows = (byScenario || []).filter((row) => Number(row.carbon_g) > 0 || Number(row.count) > 0);
  const max = rows.reduce((m, row) => Math.max(m, Number(row.carbon_g) || 0), 0) || 1;
  return rows
    .sort((a, b) => (Number(b.carbon_g) || 0) - (Number(a.carbon_g) || 0))
    .map((row) => {
      const known = catalog[row.scenario] || {};
      return {
        code: row.scenario,
        name: row.name || known.name || row.scenario,
        icon: scenarios.icon(row.scenario),
        carbonText: format.carbon(row.carbon_g),
        count: Number(row.count) || 0,
        percent: Math.max(4, Math.round(((Number(row.carbon_g) || 0) / max) * 100)),
      };
    });
}

function expiryNotice(body, now) {
  const items = (body && body.items) || [];
  const soon = items.find((lot) => {
    const at = format.parseTime(lot.expires_at);
    return Number(lot.points) > 0 && !Number.isNaN(at) && at - now < EXPIRY_NOTICE_DAYS * 86400000;
  });
  return soon ? { points: soon.points, dateText: format.date(soon.expires_at) } : null;
}

Page({
  data: {
    status: 'loading',
    errorMessage: '',
    account: null,
    bubbles: [],
    equivalences: [],
    basisOpen: '',
    byScenario: [],
    expiring: null,
  },

  onShow() {
    // Points change after check-ins and redemptions: refresh quietly on every visit.
    this.load({ quiet: this.data.status === 'ready' });
  },

  onPullDownRefresh() {
    this.load({ quiet: true }).then(() => wx.stopPullDownRefresh());
  },

  async load(options = {}) {
    if (!options.quiet) this.setData({ status: 'loading', errorMessage: '' });
    try {
      const [account, ledger, expiring, catalog] = await Promise.all([
        api.call('account'),
        api.list('ledger', { query: { limit: 20 } }).catch(() => ({ items: [] })),
        api.call('expiringPoints').catch(() => null),
        scenarios.load().catch(() => []),
      ]);
      this.ledger = ledger.items;
      this.catalog = catalog;
      const carbon = format.carbonParts(account.carbon_total_g);
      this.setData({
        status: 'ready',
        account: {
          points: Number(account.points_balance) || 0,
          carbonValue: carbon.value,
          carbonUnit: carbon.unit,
          checkins: Number(account.checkins_count) || 0,
          pending: Number(account.pending_count) || 0,
        },
        equivalences: equivalences.forCarbon(account.carbon_total_g),
        byScenario: scenarioRows(account.by_scenario, scenarios.byCode(catalog)),
        expiring: expiryNotice(expiring, Date.now()),
      });
      this.refreshBubbles();
    } catch (err) {
      if (options.quiet && this.data.status === 'ready') {
        wx.showToast({ title: err.message, icon: 'none' });
      } else {
        this.setData({ status: 'error', errorMessage: err.message });
      }
    }
  },

  refreshBubbles() {
    const today = format.shanghaiDate();
    this.setData({
      bubbles: bubbles.build(this.ledger || [], {
        today,
        collected: bubbles.readCollected(today),
        hasWeRun: (this.catalog || []).some((s) => s.isWeRun),
        werunSynced: bubbles.werunSyncedToday(today),
      }),
    });
  },

  onCollect(event) {
    const { id, kind } = event.detail;
    if (kind === 'credit') {
      const bubble = this.data.bubbles.find((b) => b.id === id);
      bubbles.markCollected(id, format.shanghaiDate());
      wx.showToast({ title: `${bubble ? bubble.amountText : ''} 积分已收入账户`, icon: 'none' });
      this.refreshBubbles();
      return;
    }
    if (id === 'action-werun') getApp().globalData.pendingAction = 'werun';
    wx.switchTab({ url: '/pages/checkin/index' });
  },

  onRetry() {
    this.load();
  },

  toggleBasis(event) {
    const { key } = event.currentTarget.dataset;
    this.setData({ basisOpen: this.data.basisOpen === key ? '' : key });
  },

  goRecords() {
    wx.navigateTo({ url: '/pages/records/index' });
  },

  goLeaderboard() {
    wx.navigateTo({ url: '/pages/leaderboard/index' });
  },

  goCoupons() {
    wx.navigateTo({ url: '/pages/coupons/index' });
  },

  goMall() {
    wx.switchTab({ url: '/pages/mall/index' });
  },

  goCheckin() {
    wx.switchTab({ url: '/pages/checkin/index' });
  },

  onShareAppMessage() {
    const account = this.data.account;
    return {
      title: account ? `我已累计减碳 ${account.carbonValue} ${account.carbonUnit}，一起低碳生活吧！` : '一起低碳生活，攒积分换好礼',
      path: '/pages/home/index',
    };
  },
});
