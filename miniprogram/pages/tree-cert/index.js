/**
 * The certificate of one adoption (from GET /me/adoptions; there is no single-adoption
 * call): tree, project, year and, once the year's monitoring was verified, the verified
 * kilograms and the certificate id with its public URL to copy. Before that it shows the
 * estimate, labelled 预估, and says the certificate comes after the yearly verification.
 */
const api = require('../../utils/api');
const session = require('../../utils/session');
const sinks = require('../../utils/sinks');
const ui = require('../../utils/ui');

Page({
  data: {
    status: 'loading',
    errorMessage: '',
    cert: null,
  },

  onLoad(options) {
    this.adoptionId = Number(options && options.id);
    this.load();
  },

  async load() {
    this.setData({ status: 'loading' });
    try {
      const body = (await api.call('adoptions')) || {};
      const all = Array.isArray(body.items) ? body.items : [];
      const item = all.find((a) => a.id === this.adoptionId);
      if (!item) {
        this.setData({ status: 'error', errorMessage: '没有找到这条认领记录' });
        return;
      }
      const user = session.currentUser();
      this.setData({ status: 'ready', cert: sinks.certificateOf(item, all, user && user.nickname) });
    } catch (err) {
      this.setData({ status: 'error', errorMessage: err.message });
    }
  },

  onRetry() {
    this.load();
  },

  copyUrl() {
    const cert = this.data.cert;
    if (!cert || !cert.certificateUrl) return;
    wx.setClipboardData({ data: cert.certificateUrl, success: () => ui.toast('证书链接已复制') });
  },

  copyId() {
    const cert = this.data.cert;
    if (!cert || !cert.certificateId) return;
    wx.setClipboardData({ data: cert.certificateId, success: () => ui.toast('证书编号已复制') });
  },
});
