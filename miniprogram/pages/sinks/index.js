/**
 * 认领树苗: the carbon-sink projects (GET /sinks/projects, public, paged), each with its
 * estimated yearly uptake labelled 预估 and its price per tree-year; tap one for its trees.
 */
const api = require('../../utils/api');
const pager = require('../../utils/pager');
const sinks = require('../../utils/sinks');

Page({
  data: {
    projects: pager.initialState(),
  },

  onLoad() {
    this.list = pager.create(
      this,
      'projects',
      async (page) => {
        const result = await api.list('sinkProjects', { query: page });
        sinks.rememberProjects(result.items.map(sinks.projectView));
        return result;
      },
      sinks.projectView,
    );
    this.list.refresh();
  },

  onPullDownRefresh() {
    this.list.refresh({ quiet: true }).then(() => wx.stopPullDownRefresh());
  },

  onReachBottom() {
    this.list.more();
  },

  onRetry() {
    this.list.refresh();
  },

  openProject(event) {
    wx.navigateTo({ url: `/pages/sink-trees/index?id=${event.currentTarget.dataset.id}` });
  },

  goMyTrees() {
    wx.navigateTo({ url: '/pages/trees/index' });
  },

  onShareAppMessage() {
    return { title: '用积分认领一棵树，年度监测核证后记入你的碳汇', path: '/pages/sinks/index' };
  },
});
