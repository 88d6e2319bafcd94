/**
 * 个人碳中和 (一元碳汇): the offset pools (GET /offset-pools) with price and availability;
 * choose the kilograms, confirm the points, POST /me/offsets (one Idempotency-Key per
 * action); the result is 我的碳中和证书 with its public URL to copy. The second tab lists
 * my offsets (GET /me/offsets, paged), each with its certificate.
 */
const api = require('../../utils/api');
const offsets = require('../../utils/offsets');
const pager = require('../../utils/pager');
const session = require('../../utils/session');
const ui = require('../../utils/ui');

function nickname() {
  const user = session.currentUser();
  return (user && user.nickname) || '';
}

Page({
  data: {
    tab: 'pools',
    status: 'loading',
    errorMessage: '',
    pools: [],
    poolId: 0,
    kg: '1',
    kgError: '',
    order: null, // {name, kg, points, enough}
    balance: null,
    submitting: false,
    result: null, // offsets.resultView
    mine: pager.initialState(),
  },

  onLoad(options) {
    this.poolsById = {};
    this.mineList = pager.create(this, 'mine', (page) => api.list('offsets', { query: page }), (o) => offsets.offsetView(o, this.poolsById));
    const tab = options && options.tab === 'mine' ? 'mine' : 'pools';
    this.setData({ tab });
    this.mineLoaded = false;
    this.loadPools().then(() => (tab === 'mine' ? this.ensureMine() : null));
  },

  async loadPools(quiet) {
    if (!quiet) this.setData({ status: 'loading' });
    try {
      const [body, account] = await Promise.all([api.call('offsetPools'), api.call('account').catch(() => null)]);
      const pools = ((body && body.items) || []).map(offsets.poolView);
      pools.forEach((pool) => {
        this.poolsById[pool.id] = pool;
      });
      const current = pools.find((p) => p.id === this.data.poolId && !p.soldOut) || pools.find((p) => !p.soldOut);
      this.setData({
        status: pools.length ? 'ready' : 'empty',
        pools,
        poolId: current ? current.id : 0,
        balance: account ? Number(account.points_balance) || 0 : this.data.balance,
      });
      this.refreshOrder();
    } catch (err) {
      if (quiet && this.data.status === 'ready') ui.toast(err.message);
      else this.setData({ status: 'error', errorMessage: err.message });
    }
  },

  ensureMine() {
    if (this.mineLoaded) return Promise.resolve();
    this.mineLoaded = true;
    return this.mineList.refresh();
  },

  switchTab(event) {
    const tab = event.currentTarget.dataset.tab;
    this.setData({ tab });
    if (tab === 'mine') this.ensureMine();
  },

  onRetry() {
    if (this.data.tab === 'mine') this.mineList.refresh();
    else this.loadPools();
  },

  onPullDownRefresh() {
    const done = this.data.tab === 'mine' ? this.mineList.refresh({ quiet: true }) : this.loadPools(true);
    done.then(() => wx.stopPullDownRefresh());
  },

  onReachBottom() {
    if (this.data.tab === 'mine') this.mineList.more();
  },

  selectedPool() {
    return this.data.pools.find((p) => p.id === this.data.poolId) || null;
  },

  refreshOrder() {
    const pool = this.selectedPool();
    const kg = offsets.parseKg(this.data.kg, pool ? pool.maxKg : 0);
    if (!pool || kg === null) {
      this.setData({ order: null });
      return;
    }
    const points = kg * pool.price;
    const { balance } = this.data;
    this.setData({ order: { name: pool.name, kg, points, enough: balance === null || balance >= points } });
  },

  selectPool(event) {
    const pool = this.data.pools.find((p) => p.id === Number(event.currentTarget.dataset.id));
    if (!pool || pool.soldOut) return;
    const kg = Math.min(Number(this.data.kg) || 1, pool.maxKg);
    this.setData({ poolId: pool.id, kg: String(Math.max(1, Math.floor(kg))), kgError: '' });
    this.refreshOrder();
  },

  onKgInput(event) {
    this.setData({ kg: event.detail.value, kgError: '' });
    this.refreshOrder();
  },

  stepKg(event) {
    const pool = this.selectedPool();
    if (!pool) return;
    const next = (Math.floor(Number(this.data.kg)) || 0) + Number(event.currentTarget.dataset.delta);
    this.setData({ kg: String(Math.min(pool.maxKg, Math.max(1, next))), kgError: '' });
    this.refreshOrder();
  },

  async onSubmit() {
    const pool = this.selectedPool();
    if (!pool || this.data.submitting) return;
    const kg = offsets.parseKg(this.data.kg, pool.maxKg);
    if (kg === null) {
      this.setData({ kgError: `请输入 1~${pool.maxKg} 的整数千克` });
      return;
    }
    const points = kg * pool.price;
    const { balance } = this.data;
    if (balance !== null && balance < points) {
      await this.offerToEarn(`中和 ${kg} 千克需要 ${points} 积分，你现在有 ${balance} 积分。`);
      return;
    }
    const name = nickname();
    const lines = [
      `将使用 ${points} 积分，以你的名义注销「${pool.name}」${kg} 千克，积分付给项目方。`,
      `注销后不可撤回；公开证书上的受益人为你的昵称${name ? `「${name}」` : ''}。`,
    ];
    if (balance !== null) lines.push(`中和后剩余 ${balance - points} 积分。`);
    const ok = await ui.confirm({ title: '确认碳中和', content: lines.join('\n'), confirmText: '确认中和' });
    if (!ok) return;
    this.setData({ submitting: true });
    try {
      const result = await api.call('createOffset', { data: { pool_id: pool.id, kg } });
      this.setData({
        result: offsets.resultView(result, pool, name),
        balance: balance === null ? null : balance - (Number(result.points) || points),
      });
      this.mineLoaded = false; // the list has a new certificate
      this.loadPools(true);
    } catch (err) {
      await this.explain(err);
    } finally {
      this.setData({ submitting: false });
    }
  },

  async explain(err) {
    if (err.reason === 'insufficient_points') {
      await this.offerToEarn(err.message);
      return;
    }
    ui.showError(err, err.retryable ? '网络不太顺畅' : '没有中和成功');
    if (['insufficient_units', 'offset_pool_not_found'].indexOf(err.reason) >= 0) this.loadPools(true);
  },

  async offerToEarn(content) {
    const go = await ui.confirm({ title: '积分不足', content, confirmText: '去打卡' });
    if (go) wx.switchTab({ url: '/pages/checkin/index' });
  },

  closeResult() {
    this.setData({ result: null });
  },

  showMine() {
    this.setData({ result: null, tab: 'mine' });
    this.ensureMine();
  },

  copyUrl(event) {
    const url = event.currentTarget.dataset.url;
    if (!url) return;
    wx.setClipboardData({ data: url, success: () => ui.toast('证书链接已复制') });
  },

  noop() {},
});
