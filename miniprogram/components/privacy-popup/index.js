/**
 * The privacy consent popup WeChat requires before privacy APIs (wx.getWeRunData,
 * wx.scanCode, wx.chooseMedia) when app.json sets __usePrivacyCheck__.
 *
 * WeChat calls wx.onNeedPrivacyAuthorization's listener with a `resolve` function; we
 * show our popup and call resolve({event: 'agree', buttonId}) from the button with
 * open-type="agreePrivacyAuthorization", or resolve({event: 'disagree'}). Only one
 * listener is active, so each page's popup re-registers itself when the page shows.
 */
const privacy = require('../../utils/privacy');

Component({
  data: {
    show: false,
    contractName: '《碳普惠小程序隐私保护指引》',
    items: privacy.PRIVACY_ITEMS,
  },
  lifetimes: {
    attached() {
      this.listen();
    },
    detached() {
      this.settle({ event: 'disagree' });
    },
  },
  pageLifetimes: {
    show() {
      this.listen();
    },
  },
  methods: {
    listen() {
      if (typeof wx.onNeedPrivacyAuthorization !== 'function') return;
      wx.onNeedPrivacyAuthorization((resolve) => {
        this.resolver = resolve;
        privacy.getSetting().then((setting) => {
          this.setData({
            show: true,
            contractName: setting.contractName || this.data.contractName,
          });
        });
      });
    },

    settle(result) {
      const resolve = this.resolver;
      this.resolver = null;
      if (typeof resolve === 'function') resolve(result);
    },

    onAgree() {
      this.settle({ buttonId: 'privacy-agree', event: 'agree' });
      this.setData({ show: false });
      this.triggerEvent('agree');
    },

    onDisagree() {
      this.settle({ event: 'disagree' });
      this.setData({ show: false });
      this.triggerEvent('disagree');
      wx.showToast({ title: '未同意隐私保护指引，该功能暂不可用', icon: 'none' });
    },

    onOpenContract() {
      privacy.openContract();
    },

    noop() {},
  },
});
