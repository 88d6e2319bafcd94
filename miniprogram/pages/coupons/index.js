/** My coupons: GET /me/coupons?status=issued|used|expired|cancelled, paged; tap to show. */
const api = require('../../utils/api');
const coupons = require('../../utils/coupons');
const pager = require('../../utils/pager');

const TABS = [
  { key: 'issued', label: '可使用' },
  { key: 'used', label: '已使用' },
  { key: 'expired', label: '已过期' },
  { key: 'cancelled', label: '已取消' },
];

Page({
  data: {
    tabs: TABS,
    tab: 'issued',
    coupons: pager.initialState(),
  },

  onLoad(options) {
    const tab = TABS.some((t) => t.key === (options && options.status)) ? options.status : 'issued';
    this.setData({ tab });
    this.list = pager.create(
      this,
      'coupons',
      async (page) => {
        const result = await api.list('coupons', { query: { ...page, status: this.data.tab } });
        result.items.forEach(coupons.remember);
        return result;
      },
      coupons.view,
    );
    this.list.refresh();
  },

  onShow() {
    // A coupon may have been used at the counter or cancelled meanwhile.
    if (this.shownOnce) this.list.refresh({ quiet: true });
    this.shownOnce = true;
  },

  switchTab(event) {
    const tab = event.currentTarget.dataset.tab;
    if (tab === this.data.tab) return;
    this.setData({ tab });
    this.list.refresh();
  },

  onPullDownRefresh() {
    this.list.refresh({ quiet: true }).then(() => wx.stopPullDownRefresh());
  },

  onReachBottom() {
    this.list.more();
  },

  onRetry() {
    this.list.refresh();
  },

  openCoupon(event) {
    wx.navigateTo({ url: `/pages/coupon/index?id=${event.currentTarget.dataset.id}` });
  },

  goMall() {
    wx.switchTab({ url: '/pages/mall/index' });
  },
});
