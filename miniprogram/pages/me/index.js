/**
 * Me: profile and roles (GET /auth/me) with the avatar and nickname (tap: pages/profile),
 * my reductions and, apart from them, my 碳汇 (the verified sequestration of trees I
 * adopted, `sink_total_g` of GET /me/account), shortcuts (incl. 认领树苗, 我的树, 个人碳中和,
 * 联盟商户, 绑定合作方账号), merchant mode entry for staff, applying to join the
 * alliance or joining a merchant with an invite code, and a developer panel in develop
 * builds.
 */
const api = require('../../utils/api');
const config = require('../../config');
const devsandbox = require('../../utils/devsandbox');
const format = require('../../utils/format');
const profileUtil = require('../../utils/profile');
const session = require('../../utils/session');
const ui = require('../../utils/ui');
const werun = require('../../utils/werun');

const ROLE_LABELS = {
  resident: '居民',
  merchant_owner: '商户店长',
  merchant_clerk: '商户店员',
  operator: '运营',
};

/** The account figures: reductions and sinks are two separate totals, never added. */
function totals(account) {
  if (!account) return null;
  return {
    carbonText: format.carbon(account.carbon_total_g),
    sinkText: format.carbon(account.sink_total_g),
  };
}

function profile(user, points) {
  const roles = (user && user.roles) || [];
  return {
    nickname: (user && user.nickname) || '低碳居民',
    initial: String((user && user.nickname) || '绿').slice(0, 1),
    avatar: profileUtil.avatarSrc(user && user.avatar_url),
    defaultName: profileUtil.isDefaultName(user && user.nickname),
    roles: roles.map((role) => ROLE_LABELS[role] || role),
    isStaff: roles.indexOf('merchant_owner') >= 0 || roles.indexOf('merchant_clerk') >= 0,
    points,
  };
}

Page({
  data: {
    status: 'loading',
    errorMessage: '',
    profile: null,
    totals: null,
    dev: null,
  },

  onShow() {
    this.load();
  },

  async load() {
    const cached = session.currentUser();
    if (cached) this.setData({ status: 'ready', profile: profile(cached, this.points()) });
    else this.setData({ status: 'loading' });
    try {
      const [user, account] = await Promise.all([
        api.refreshUser(),
        api.call('account').catch(() => null),
      ]);
      this.setData({
        status: 'ready',
        profile: profile(user, account ? Number(account.points_balance) || 0 : null),
        totals: totals(account) || this.data.totals,
      });
    } catch (err) {
      if (!cached) this.setData({ status: 'error', errorMessage: err.message });
    }
    this.loadDevPanel();
  },

  points() {
    return this.data.profile ? this.data.profile.points : null;
  },

  onRetry() {
    this.load();
  },

  go(event) {
    wx.navigateTo({ url: event.currentTarget.dataset.url });
  },

  goMerchant() {
    wx.navigateTo({ url: '/merchant/index/index' });
  },

  async joinMerchant() {
    const code = await ui.prompt({ title: '加入商户', placeholder: '输入店长给你的邀请码', confirmText: '加入' });
    if (!code) return;
    try {
      await ui.withLoading('加入中', () => api.call('joinStaff', { data: { invite_code: code } }));
      const user = await api.refreshUser();
      this.setData({ profile: profile(user, this.points()) });
      const go = await ui.confirm({ title: '已加入商户', content: '现在可以在商户工作台扫码核销优惠券了。', confirmText: '去工作台' });
      if (go) this.goMerchant();
    } catch (err) {
      ui.showError(err, '没有加入成功');
    }
  },

  showAbout() {
    ui.alert(
      '关于碳普惠',
      '你的低碳行为按公开的方法学折算为减碳量（克 CO₂e），记入个人碳账户，并按规则发放积分，可在联盟商户兑换优惠。认领的树经年度监测核证后的固碳量单独记为碳汇，不与减碳相加，也不另发积分。首页的“相当于”换算仅作示意。',
    );
  },

  // ---------------------------------------------------------------- developer panel

  loadDevPanel() {
    const cfg = config.get();
    if (cfg.env !== 'develop') {
      this.setData({ dev: null });
      return;
    }
    this.setData({
      dev: {
        baseUrl: cfg.baseUrl,
        sandbox: cfg.devLoginCode ? cfg.devLoginCode.sandboxUrl : '',
        openid: cfg.devLoginCode ? devsandbox.devOpenid() : '',
        steps: wx.getStorageSync(werun.DEV_STEPS_KEY) || 6800,
      },
    });
  },

  async devSwitchOpenid() {
    const openid = await ui.prompt({ title: '切换测试身份', placeholder: '输入 openid（如演示商户店长的 openid）' });
    if (!openid) return;
    devsandbox.setDevOpenid(openid);
    await this.devRelogin();
  },

  async devSetSteps() {
    const steps = await ui.prompt({ title: '今日步数（沙箱）', placeholder: '例如 8000' });
    if (!steps || !(Number(steps) > 0)) return;
    wx.setStorageSync(werun.DEV_STEPS_KEY, Math.round(Number(steps)));
    this.loadDevPanel();
  },

  async devSetBaseUrl() {
    const url = await ui.prompt({ title: '后端地址', placeholder: 'http://192.168.1.10:8000/api/v1（留空恢复默认）' });
    if (url === null) return;
    if (url) wx.setStorageSync(config.BASE_URL_OVERRIDE_KEY, url);
    else wx.removeStorageSync(config.BASE_URL_OVERRIDE_KEY);
    await this.devRelogin();
  },

  async devRelogin() {
    session.clear();
    try {
      await ui.withLoading('登录中', () => api.login());
      ui.toast('已重新登录');
    } catch (err) {
      ui.showError(err, '登录失败');
    }
    this.load();
  },
});
