/** Mall: live offers (GET /offers, paged) with my points balance; tap for the detail. */
const api = require('../../utils/api');
const offers = require('../../utils/offers');
const pager = require('../../utils/pager');

Page({
  data: {
    balance: null,
    offers: pager.initialState(),
  },

  onLoad() {
    this.list = pager.create(this, 'offers', async (page) => {
      const result = await api.list('offers', { query: page });
      offers.rememberTitles(result.items);
      return result;
    });
    this.list.refresh();
  },

  onShow() {
    this.loadBalance();
    // Stock moves fast: refresh quietly when coming back from a detail page.
    if (this.shownOnce) this.list.refresh({ quiet: true });
    this.shownOnce = true;
  },

  async loadBalance() {
    try {
      const account = await api.call('account');
      this.setData({ balance: Number(account.points_balance) || 0 });
    } catch (err) {
      // The balance is a convenience here; the list still works without it.
    }
  },

  onPullDownRefresh() {
    Promise.all([this.list.refresh({ quiet: true }), this.loadBalance()]).then(() =>
      wx.stopPullDownRefresh(),
    );
  },

  onReachBottom() {
    this.list.more();
  },

  onRetry() {
    this.list.refresh();
  },

  onSelect(event) {
    wx.navigateTo({ url: `/pages/offer/index?id=${event.detail.id}` });
  },

  goCoupons() {
    wx.navigateTo({ url: '/pages/coupons/index' });
  },

  goCheckin() {
    wx.switchTab({ url: '/pages/checkin/index' });
  },
});
