/**
 * One coupon: a big QR of its code for the clerk to scan (screen brightened while shown),
 * the short counter code, and cancel (POST /me/coupons/{id}/cancel) with a confirmation.
 */
const api = require('../../utils/api');
const coupons = require('../../utils/coupons');
const ui = require('../../utils/ui');

Page({
  data: {
    status: 'loading',
    errorMessage: '',
    coupon: null,
    cancelling: false,
  },

  onLoad(options) {
    this.couponId = options && options.id;
    this.load();
  },

  onShow() {
    this.brighten();
  },

  onHide() {
    this.restoreBrightness();
  },

  onUnload() {
    this.restoreBrightness();
  },

  async load() {
    this.setData({ status: 'loading' });
    try {
      const coupon = await coupons.find(this.couponId);
      this.setData({ status: 'ready', coupon: coupons.view(coupon) });
      this.brighten();
    } catch (err) {
      this.setData({
        status: 'error',
        errorMessage: err.status === 404 ? '没有找到这张券，可能已被删除' : err.message,
      });
    }
  },

  onRetry() {
    this.load();
  },

  /** A brighter screen scans better at the counter; we restore the user's level after. */
  brighten() {
    const coupon = this.data.coupon;
    if (!coupon || !coupon.usable || this.savedBrightness !== undefined) return;
    if (typeof wx.getScreenBrightness !== 'function') return;
    wx.getScreenBrightness({
      success: (res) => {
        this.savedBrightness = res.value;
        wx.setScreenBrightness({ value: Math.max(res.value, 0.8) });
        wx.setKeepScreenOn({ keepScreenOn: true });
      },
    });
  },

  restoreBrightness() {
    if (this.savedBrightness === undefined) return;
    wx.setScreenBrightness({ value: this.savedBrightness });
    wx.setKeepScreenOn({ keepScreenOn: false });
    this.savedBrightness = undefined;
  },

  async onCancel() {
    const coupon = this.data.coupon;
    if (!coupon || !coupon.usable || this.data.cancelling) return;
    const ok = await ui.confirm({
      title: '取消这张券？',
      content: `「${coupon.title}」取消后不能再使用，兑换时的积分会退回你的账户。`,
      confirmText: '确认取消',
      cancelText: '再想想',
      danger: true,
    });
    if (!ok) return;
    this.setData({ cancelling: true });
    try {
      const result = await api.call('cancelCoupon', { params: { coupon_id: coupon.id }, data: {} });
      const updated = coupons.remember({ id: coupon.id, ...(result.coupon || {}), status: 'cancelled' });
      this.restoreBrightness();
      this.setData({ coupon: coupons.view(updated) });
      ui.toast(`已取消，积分余额 ${result.points_balance}`);
    } catch (err) {
      ui.showError(err, '没有取消成功');
    } finally {
      this.setData({ cancelling: false });
    }
  },

  copyCode() {
    const coupon = this.data.coupon;
    if (!coupon) return;
    wx.setClipboardData({ data: coupon.shortCode || coupon.code });
  },
});
