/**
 * My merchant's offers (GET /merchant/offers, paged) with status and stock; owners can
 * pause or resume them, edit them and publish a new one.
 */
const api = require('../../utils/api');
const merchant = require('../../utils/merchant');
const pager = require('../../utils/pager');
const session = require('../../utils/session');
const ui = require('../../utils/ui');

Page({
  data: {
    isOwner: false,
    offers: pager.initialState(),
    busy: '',
  },

  onLoad() {
    this.setData({ isOwner: session.hasRole('merchant_owner') });
    this.list = pager.create(this, 'offers', (page) => api.list('merchantOffers', { query: page }), merchant.offerView);
    this.list.refresh();
  },

  onShow() {
    if (this.shownOnce) this.list.refresh({ quiet: true });
    this.shownOnce = true;
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

  async onPause(event) {
    const { id, title } = event.currentTarget.dataset;
    const ok = await ui.confirm({ title: '暂停兑换？', content: `「${title}」暂停后居民将无法兑换，已兑出的券仍可核销。`, confirmText: '暂停' });
    if (ok) await this.change(id, 'pauseMerchantOffer', '已暂停');
  },

  async onResume(event) {
    await this.change(event.currentTarget.dataset.id, 'resumeMerchantOffer', '已恢复');
  },

  async change(id, endpoint, done) {
    if (this.data.busy) return;
    this.setData({ busy: String(id) });
    try {
      await api.call(endpoint, { params: { offer_id: id }, data: {} });
      ui.toast(done);
      await this.list.refresh({ quiet: true });
    } catch (err) {
      ui.showError(err);
    } finally {
      this.setData({ busy: '' });
    }
  },

  onEdit(event) {
    wx.navigateTo({ url: `/merchant/offer-form/index?id=${event.currentTarget.dataset.id}` });
  },

  onCreate() {
    wx.navigateTo({ url: '/merchant/offer-form/index' });
  },
});
