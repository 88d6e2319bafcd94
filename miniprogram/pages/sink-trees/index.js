/**
 * A project's trees for a year (GET /sinks/projects/{id}/trees?year=): on a <map> with a
 * marker per tree when the trees have coordinates, else as a list; each with its photo,
 * species, planted year and whether it is free. Adopting asks for a confirmation with the
 * price in points, then POST /sinks/trees/{id}/adopt (one Idempotency-Key per action).
 */
const api = require('../../utils/api');
const sinks = require('../../utils/sinks');
const subscribe = require('../../utils/subscribe');
const ui = require('../../utils/ui');

Page({
  data: {
    status: 'loading',
    errorMessage: '',
    project: null,
    years: [],
    year: 0,
    trees: [],
    map: null, // {latitude, longitude, markers, points, unplaced} when trees have coordinates
    selected: null, // the tree tapped on the map
    balance: null,
    adopting: 0, // id of the tree being adopted
  },

  onLoad(options) {
    subscribe.preload();
    this.projectId = options && options.id;
    const year = sinks.thisYear();
    this.setData({ year, years: [{ year, label: `${year}年（今年）` }, { year: year + 1, label: `${year + 1}年` }] });
    this.load();
  },

  async load() {
    if (!this.projectId) {
      this.setData({ status: 'error', errorMessage: '没有找到这个碳汇项目' });
      return;
    }
    this.setData({ status: 'loading' });
    try {
      const [project, account] = await Promise.all([
        sinks.findProject(this.projectId),
        api.call('account').catch(() => null),
      ]);
      if (!project) {
        this.setData({ status: 'error', errorMessage: '没有找到这个碳汇项目，可能已下线' });
        return;
      }
      this.project = project;
      this.setData({ project, balance: account ? Number(account.points_balance) || 0 : null });
      wx.setNavigationBarTitle({ title: project.name });
      await this.loadTrees();
    } catch (err) {
      this.setData({ status: 'error', errorMessage: err.message });
    }
  },

  /** This year is the server's default: only next year is asked for by number. */
  yearQuery() {
    return this.data.year === sinks.thisYear() ? {} : { year: this.data.year };
  },

  async loadTrees() {
    const body = await api.call('sinkTrees', { params: { project_id: this.projectId }, query: this.yearQuery() });
    const trees = ((body && body.items) || []).map((tree) => sinks.treeView(tree, this.project.adoptable));
    const map = sinks.mapOf(trees);
    const selectedId = this.data.selected && this.data.selected.id;
    this.setData({
      status: trees.length ? 'ready' : 'empty',
      trees,
      map,
      selected: map ? trees.find((t) => t.id === selectedId) || null : null,
    });
  },

  onRetry() {
    this.load();
  },

  async switchYear(event) {
    const year = Number(event.currentTarget.dataset.year);
    if (year === this.data.year || !this.project) return;
    this.setData({ year, selected: null });
    try {
      await this.loadTrees();
    } catch (err) {
      this.setData({ status: 'error', errorMessage: err.message });
    }
  },

  onMarkerTap(event) {
    const id = Number(event.detail && event.detail.markerId);
    this.setData({ selected: this.data.trees.find((t) => t.id === id) || null });
  },

  closeSelected() {
    this.setData({ selected: null });
  },

  async onAdopt(event) {
    const tree = this.data.trees.find((t) => t.id === Number(event.detail && event.detail.id));
    const { project, balance, year, adopting } = this.data;
    if (!tree || !tree.free || adopting || !project) return;
    if (balance !== null && balance < project.price) {
      await this.offerToEarn(`认领需要 ${project.price} 积分，你现在有 ${balance} 积分。`);
      return;
    }
    // If the tree dies it is replaced and the adopter told: ask for that notice in this tap.
    await subscribe.ask(['tree_replaced']);
    const lines = [`将使用 ${project.price} 积分认领「${tree.title}」${year}年一年，积分付给项目方用于养护。`];
    if (project.perTreeText) lines.push(`每棵树每年固碳约 ${project.perTreeText}（预估，仅供参考）。`);
    lines.push('年度监测核证后，按实测固碳量发放认领证书。');
    if (balance !== null) lines.push(`认领后剩余 ${balance - project.price} 积分。`);
    const ok = await ui.confirm({ title: '确认认领', content: lines.join('\n'), confirmText: '确认认领' });
    if (!ok) return;
    this.setData({ adopting: tree.id });
    try {
      const data = this.yearQuery();
      const adoption = await api.call('adoptTree', { params: { tree_id: tree.id }, data });
      if (balance !== null) this.setData({ balance: balance - (Number(adoption.points) || project.price) });
      this.setData({ adopting: 0 });
      this.loadTrees().catch(() => {});
      const go = await ui.confirm({
        title: '认领成功 🌳',
        content: `你已认领「${tree.title}」（${adoption.year || year}年）。年度监测核证后，这棵树当年的固碳量会记入你的碳汇。`,
        confirmText: '查看我的树',
        cancelText: '继续逛逛',
      });
      if (go) wx.navigateTo({ url: '/pages/trees/index' });
    } catch (err) {
      this.setData({ adopting: 0 });
      await this.explain(err);
    }
  },

  async explain(err) {
    if (err.reason === 'insufficient_points') {
      await this.offerToEarn(err.message);
      return;
    }
    ui.showError(err, err.retryable ? '网络不太顺畅' : '认领没有成功');
    if (['tree_already_adopted', 'tree_not_adoptable', 'tree_not_found'].indexOf(err.reason) >= 0) {
      this.loadTrees().catch(() => {});
    }
  },

  async offerToEarn(content) {
    const go = await ui.confirm({ title: '积分不足', content, confirmText: '去打卡' });
    if (go) wx.switchTab({ url: '/pages/checkin/index' });
  },

  goMyTrees() {
    wx.navigateTo({ url: '/pages/trees/index' });
  },
});
