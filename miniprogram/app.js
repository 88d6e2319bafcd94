/**
 * The 碳普惠 mini-program: residents turn low-carbon behaviour into a carbon account and
 * points, and spend points on coupons from alliance merchants; clerks verify coupons.
 */

const api = require('./utils/api');

App({
  globalData: {},

  onLaunch() {
    this.watchForUpdates();
    // Log in early so the first page finds a token; pages show any failure themselves.
    api.ensureToken().catch(() => {});
  },

  watchForUpdates() {
    if (typeof wx.getUpdateManager !== 'function') return;
    const manager = wx.getUpdateManager();
    manager.onUpdateReady(() => {
      wx.showModal({
        title: '发现新版本',
        content: '新版本已经准备好，重启即可使用。',
        confirmText: '立即重启',
        confirmColor: '#19a15f',
        success: (res) => res.confirm && manager.applyUpdate(),
      });
    });
  },
});
