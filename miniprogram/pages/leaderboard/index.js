/**
 * Leaderboard: GET /leaderboard?period=week|month|all — top residents and my place, each
 * with the nickname and avatar they set (pages/profile), else 绿友<id> and an initial.
 */
const api = require('../../utils/api');
const format = require('../../utils/format');
const profile = require('../../utils/profile');

const PERIODS = [
  { key: 'week', label: '本周' },
  { key: 'month', label: '本月' },
  { key: 'all', label: '总榜' },
];
const MEDALS = ['🥇', '🥈', '🥉'];

function view(body) {
  const items = ((body && body.items) || []).map((item) => ({
    rank: item.rank,
    nickname: item.nickname || '低碳达人',
    initial: String(item.nickname || '绿').slice(0, 1),
    avatar: profile.avatarSrc(item.avatar_url),
    carbonText: format.carbon(item.carbon_g),
    medal: MEDALS[item.rank - 1] || '',
  }));
  const me = body && body.me;
  return {
    podium: items.slice(0, 3),
    rest: items.slice(3),
    me: me
      ? {
          rankText: me.rank ? `第 ${me.rank} 名` : '暂未上榜',
          carbonText: format.carbon(me.carbon_g),
          ranked: !!me.rank,
        }
      : null,
    empty: items.length === 0,
  };
}

Page({
  data: {
    periods: PERIODS,
    period: 'week',
    status: 'loading',
    errorMessage: '',
    board: null,
  },

  onLoad() {
    this.load();
  },

  onPullDownRefresh() {
    this.load(true).then(() => wx.stopPullDownRefresh());
  },

  switchPeriod(event) {
    const period = event.currentTarget.dataset.period;
    if (period === this.data.period) return;
    this.setData({ period });
    this.load();
  },

  async load(quiet) {
    const period = this.data.period;
    if (!quiet) this.setData({ status: 'loading', errorMessage: '' });
    try {
      const body = await api.call('leaderboard', { query: { period } });
      if (period !== this.data.period) return; // the user switched meanwhile
      const board = view(body);
      this.setData({ board, status: board.empty ? 'empty' : 'ready' });
    } catch (err) {
      if (period !== this.data.period) return;
      this.setData({ status: 'error', errorMessage: err.message });
    }
  },

  onRetry() {
    this.load();
  },

  goCheckin() {
    wx.switchTab({ url: '/pages/checkin/index' });
  },
});

module.exports = { view };
