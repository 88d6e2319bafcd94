/**
 * 我的树: my adoptions (GET /me/adoptions) with their status: 认领中, 已核证 once the year's
 * monitoring was verified, or 已更换 when the tree died and was replaced (with what became
 * of it). Tap one for its certificate. The replacement notice sent by WeChat opens here.
 */
const api = require('../../utils/api');
const sinks = require('../../utils/sinks');

Page({
  data: {
    status: 'loading',
    errorMessage: '',
    items: [],
  },

  onShow() {
    this.load(this.data.status === 'ready');
  },

  onPullDownRefresh() {
    this.load(true).then(() => wx.stopPullDownRefresh());
  },

  async load(quiet) {
    if (!quiet) this.setData({ status: 'loading' });
    try {
      const body = (await api.call('adoptions')) || {};
      const all = Array.isArray(body.items) ? body.items : [];
      const items = all.map((item) => sinks.adoptionView(item, all));
      this.setData({ status: items.length ? 'ready' : 'empty', items, errorMessage: '' });
    } catch (err) {
      if (quiet && this.data.status === 'ready') wx.showToast({ title: err.message, icon: 'none' });
      else this.setData({ status: 'error', errorMessage: err.message });
    }
  },

  onRetry() {
    this.load();
  },

  openCertificate(event) {
    wx.navigateTo({ url: `/pages/tree-cert/index?id=${event.currentTarget.dataset.id}` });
  },

  goSinks() {
    wx.navigateTo({ url: '/pages/sinks/index' });
  },
});
