/**
 * Merchant workbench (merchant_owner / merchant_clerk): scan a coupon (wx.scanCode) or
 * type its short code -> POST /merchant/coupons/verify; today's verifications; the
 * month's settlement summary and clerk invites for owners.
 */
const api = require('../../utils/api');
const checkin = require('../../utils/checkin');
const format = require('../../utils/format');
const merchant = require('../../utils/merchant');
const session = require('../../utils/session');
const ui = require('../../utils/ui');

Page({
  data: {
    access: 'loading', // loading | staff | denied | error
    errorMessage: '',
    merchantName: '',
    isOwner: false,
    manualCode: '',
    verifying: false,
    result: null,
    today: { status: 'loading', items: [], message: '' },
    month: null,
  },

  onLoad() {
    this.titles = {};
  },

  onShow() {
    this.load();
  },

  onPullDownRefresh() {
    this.load().then(() => wx.stopPullDownRefresh());
  },

  async load() {
    try {
      if (!session.isMerchantStaff()) await api.refreshUser();
    } catch (err) {
      this.setData({ access: 'error', errorMessage: err.message });
      return;
    }
    if (!session.isMerchantStaff()) {
      this.setData({ access: 'denied' });
      return;
    }
    const isOwner = session.hasRole('merchant_owner');
    this.setData({ access: 'staff', isOwner });
    await Promise.all([this.loadProfile(), this.loadTitles()]);
    await Promise.all([this.loadToday(), isOwner ? this.loadMonth() : null]);
  },

  async loadProfile() {
    try {
      const profile = await api.call('merchantProfile');
      this.setData({ merchantName: profile.name || '' });
      wx.setNavigationBarTitle({ title: profile.name ? `${profile.name} · 工作台` : '商户工作台' });
    } catch (err) {
      // The name is decoration; verification works without it.
    }
  },

  async loadTitles() {
    try {
      const result = await api.list('merchantOffers', { query: { limit: 100 } });
      result.items.forEach((offer) => {
        this.titles[offer.id] = offer.title;
      });
    } catch (err) {
      // Without titles the list shows offer numbers.
    }
  },

  async loadToday() {
    if (this.data.today.status !== 'ready') this.setData({ 'today.status': 'loading' });
    try {
      const items = await merchant.todaysVerifications(this.titles);
      this.setData({ today: { status: items.length ? 'ready' : 'empty', items, message: '' } });
    } catch (err) {
      this.setData({ today: { status: 'error', items: [], message: err.message } });
    }
  },

  async loadMonth() {
    try {
      const statement = await api.call('settlement', { query: { month: format.shanghaiMonth() } });
      this.setData({
        month: {
          coupons: Number(statement.coupons) || 0,
          amount: merchant.yuan(statement.settlement_fen || 0),
          label: `${Number(format.shanghaiMonth().slice(5))} 月`,
        },
      });
    } catch (err) {
      this.setData({ month: null });
    }
  },

  // ---------------------------------------------------------------- verify

  async onScan() {
    if (this.data.verifying) return;
    let code;
    try {
      code = await checkin.scan();
    } catch (err) {
      ui.showError(err);
      return;
    }
    if (code) await this.verify(code);
  },

  onCodeInput(event) {
    this.setData({ manualCode: event.detail.value.replace(/\s+/g, '') });
  },

  async onManualVerify() {
    const code = this.data.manualCode.trim();
    if (!code) {
      ui.toast('请输入券码');
      return;
    }
    await this.verify(code);
  },

  async verify(code) {
    this.setData({ verifying: true, result: null });
    try {
      const answer = await api.call('verifyCoupon', { data: { code } });
      const result = merchant.verifyResult(answer.coupon, null, this.titles);
      merchant.rememberLocal({ ...result.line, usedAt: answer.coupon.used_at || new Date().toISOString() });
      this.setData({ result, manualCode: '' });
      if (typeof wx.vibrateLong === 'function') wx.vibrateLong();
      this.loadToday();
      if (this.data.isOwner) this.loadMonth();
    } catch (err) {
      const result = merchant.verifyResult(null, err);
      // A timeout may hide a success: the same code retried reuses its Idempotency-Key,
      // so the answer is replayed instead of "already used".
      this.setData({ result: { ...result, retryCode: err.retryable ? code : '' } });
    } finally {
      this.setData({ verifying: false });
    }
  },

  retryVerify() {
    const code = this.data.result && this.data.result.retryCode;
    if (code) this.verify(code);
  },

  clearResult() {
    this.setData({ result: null });
  },

  // ---------------------------------------------------------------- owner tools

  async inviteClerk() {
    try {
      const invite = await ui.withLoading('生成中', () => api.call('createStaffInvite'));
      const copy = await ui.confirm({
        title: '店员邀请码',
        content: `${invite.invite_code}\n请店员在「我的 › 我是商户店员」中输入。${invite.expires_at ? `\n${format.dateTime(invite.expires_at)} 前有效，仅可使用一次。` : ''}`,
        confirmText: '复制',
        cancelText: '关闭',
      });
      if (copy) wx.setClipboardData({ data: invite.invite_code });
    } catch (err) {
      ui.showError(err, '没有生成邀请码');
    }
  },

  goOffers() {
    wx.navigateTo({ url: '/merchant/offers/index' });
  },

  goBack() {
    wx.switchTab({ url: '/pages/me/index' });
  },

  onRetry() {
    this.load();
  },

  onRetryToday() {
    this.loadToday();
  },
});
