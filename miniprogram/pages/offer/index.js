/**
 * Offer detail (GET /offers/{id}) and redemption with a confirmation
 * (POST /offers/{id}/redeem, one Idempotency-Key per tap-and-confirm, kept on retry).
 */
const api = require('../../utils/api');
const coupons = require('../../utils/coupons');
const offers = require('../../utils/offers');
const ui = require('../../utils/ui');

Page({
  data: {
    status: 'loading',
    errorMessage: '',
    offer: null,
    view: null,
    balance: null,
    redeeming: false,
  },

  onLoad(options) {
    this.offerId = options && options.id;
    this.load();
  },

  async load() {
    if (!this.offerId) {
      this.setData({ status: 'error', errorMessage: '没有找到这个优惠' });
      return;
    }
    this.setData({ status: 'loading' });
    try {
      const [offer, account] = await Promise.all([
        api.call('offer', { params: { offer_id: this.offerId } }),
        api.call('account').catch(() => null),
      ]);
      offers.rememberTitles([offer]);
      const balance = account ? Number(account.points_balance) || 0 : null;
      this.setData({ status: 'ready', offer, balance, view: offers.view(offer, balance) });
      wx.setNavigationBarTitle({ title: offer.title || '优惠详情' });
    } catch (err) {
      this.setData({ status: 'error', errorMessage: err.message });
    }
  },

  onRetry() {
    this.load();
  },

  async onRedeem() {
    const { view, balance, redeeming } = this.data;
    if (!view || redeeming || !view.canRedeem) return;
    const lines = [`将使用 ${view.price} 积分兑换「${view.title}」。`];
    if (balance !== null) lines.push(`兑换后剩余 ${balance - view.price} 积分。`);
    if (view.validText) lines.push(view.validText);
    const ok = await ui.confirm({ title: '确认兑换', content: lines.join('\n'), confirmText: '确认兑换' });
    if (!ok) return;
    this.setData({ redeeming: true });
    try {
      const result = await api.call('redeem', { params: { offer_id: view.id }, data: {} });
      const coupon = coupons.remember({ ...result.coupon, title: view.title, merchant_name: view.merchant });
      this.setData({ balance: result.points_balance });
      const show = await ui.confirm({
        title: '兑换成功 🎉',
        content: `剩余 ${result.points_balance} 积分。到店出示券码即可使用。`,
        confirmText: '出示券码',
        cancelText: '稍后',
      });
      if (show) wx.redirectTo({ url: `/pages/coupon/index?id=${coupon.id}` });
      else this.load();
    } catch (err) {
      await this.explain(err);
    } finally {
      this.setData({ redeeming: false });
    }
  },

  async explain(err) {
    if (err.reason === 'insufficient_points') {
      const go = await ui.confirm({ title: '积分不足', content: err.message, confirmText: '去打卡' });
      if (go) wx.switchTab({ url: '/pages/checkin/index' });
      return;
    }
    ui.showError(err, '兑换没有成功');
    if (['out_of_stock', 'offer_not_live', 'limit_reached'].indexOf(err.reason) >= 0) this.load();
  },

  goCoupons() {
    wx.navigateTo({ url: '/pages/coupons/index' });
  },

  goMerchants() {
    const place = this.data.view && this.data.view.place;
    wx.navigateTo({ url: `/pages/merchants/index${place && place.id ? `?id=${place.id}` : ''}` });
  },

  onShareAppMessage() {
    const view = this.data.view;
    return { title: view ? `${view.price} 积分换「${view.title}」` : '碳普惠积分商城', path: `/pages/offer/index?id=${this.offerId}` };
  },
});
