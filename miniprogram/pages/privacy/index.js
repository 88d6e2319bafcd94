/**
 * Consents and privacy: per-scenario consents (GET /me/consents, PUT
 * /me/consents/{scenario}), the aggregation consent 减排量汇总与转让 (GET/PUT
 * /me/registry-consent), what we collect and why, export my data (GET /me/export, a JSON
 * file downloaded with wx.downloadFile and sent to a chat with wx.shareFileMessage) and
 * delete my account (DELETE /me) behind a typed confirmation.
 */
const api = require('../../utils/api');
const consents = require('../../utils/consents');
const format = require('../../utils/format');
const privacy = require('../../utils/privacy');
const registryConsent = require('../../utils/registryconsent');
const scenarios = require('../../utils/scenarios');
const session = require('../../utils/session');
const ui = require('../../utils/ui');

const DELETE_WORD = '注销';

/**
 * Scenarios that need a consent (WeRun and partner data), merged with the server's
 * answers; the server lists every scenario, and any other one is shown only while
 * granted (so it can be withdrawn).
 */
function consentRows(catalog, consentBody) {
  const answers = consents.toMap(consentBody);
  const rows = [];
  const seen = {};
  catalog
    .filter((s) => s.isWeRun || s.isPartner)
    .forEach((s) => {
      seen[s.code] = true;
      rows.push({ code: s.code, name: s.name, icon: s.icon, isWeRun: s.isWeRun, ...answers[s.code] });
    });
  consents.itemsOf(consentBody).forEach((item) => {
    if (!seen[item.scenario] && item.granted) {
      rows.push({ code: item.scenario, name: item.name || item.scenario, icon: scenarios.icon(item.scenario), ...answers[item.scenario] });
    }
  });
  return rows.map((row) => ({
    ...row,
    granted: !!row.granted,
    note: row.time ? `${row.granted ? '已授权' : '已关闭'} · ${format.dateTime(row.time)}${row.version ? ` · 版本 ${row.version}` : ''}` : '未授权',
    hint: row.isWeRun ? '读取每日步数总数' : '由合作方同步记录',
  }));
}

/**
 * The aggregation consent as the switch shows it: on only for a yes to the current text
 * (a yes to an older text no longer counts for new batches).
 */
function registryView(state) {
  const current = !!state.version && state.version === state.current_version;
  const granted = !!state.granted && current;
  let note;
  if (!state.version) note = '尚未选择';
  else if (!current) note = state.granted ? '说明已更新，重新开启即同意新的说明' : '未同意';
  else note = `${granted ? '已同意' : '未同意'} · ${format.dateTime(state.updated_at)} · 版本 ${state.version}`;
  return { status: 'ready', granted, note, text: state.text || '', saving: false };
}

Page({
  data: {
    status: 'loading',
    errorMessage: '',
    rows: [],
    registry: { status: 'loading', granted: false, note: '', text: '', saving: false },
    saving: '',
    items: privacy.PRIVACY_ITEMS,
    exporting: false,
    deleting: false,
  },

  onLoad() {
    this.load();
    this.loadRegistry();
  },

  async loadRegistry() {
    this.setData({ 'registry.status': 'loading' });
    try {
      this.setData({ registry: registryView(await registryConsent.load()) });
    } catch (err) {
      this.setData({ 'registry.status': 'error', 'registry.message': err.message });
    }
  },

  onRegistryRetry() {
    this.loadRegistry();
  },

  /** Agree, or withdraw for the future (batches already made keep the records). */
  async onRegistryToggle(event) {
    const granted = !!event.detail.value;
    if (this.data.registry.saving) return;
    const before = this.data.registry.granted;
    this.setData({ 'registry.saving': true, 'registry.granted': granted });
    try {
      this.setData({ registry: registryView(await registryConsent.answer(granted)) });
      ui.toast(granted ? '已同意汇总与转让' : '已撤回，今后的批次不再纳入');
    } catch (err) {
      this.setData({ 'registry.granted': before, 'registry.saving': false });
      ui.showError(err);
    }
  },

  async load() {
    this.setData({ status: 'loading' });
    try {
      const [catalog, body] = await Promise.all([scenarios.load(), api.call('consents')]);
      const rows = consentRows(catalog, body);
      this.setData({ status: rows.length ? 'ready' : 'empty', rows });
    } catch (err) {
      this.setData({ status: 'error', errorMessage: err.message });
    }
  },

  onRetry() {
    this.load();
  },

  async onToggle(event) {
    const code = event.currentTarget.dataset.code;
    const granted = !!event.detail.value;
    const index = this.data.rows.findIndex((row) => row.code === code);
    if (index < 0 || this.data.saving) return;
    this.setData({ saving: code, [`rows[${index}].granted`]: granted });
    try {
      const saved = await consents.set(code, granted);
      const time = (saved && (saved.updated_at || saved.granted_at)) || new Date().toISOString();
      const version = (saved && saved.version) || this.data.rows[index].version || '';
      this.setData({
        [`rows[${index}].note`]: `${granted ? '已授权' : '已关闭'} · ${format.dateTime(time)}${version ? ` · 版本 ${version}` : ''}`,
      });
      ui.toast(granted ? '已开启授权' : '已关闭授权');
    } catch (err) {
      this.setData({ [`rows[${index}].granted`]: !granted });
      ui.showError(err);
    } finally {
      this.setData({ saving: '' });
    }
  },

  openContract() {
    privacy.openContract();
  },

  async onExport() {
    if (this.data.exporting) return;
    this.setData({ exporting: true });
    try {
      const filePath = await ui.withLoading('正在导出', () => api.download('exportData'));
      const name = `tanpuhui-export-${format.shanghaiDate().replace(/-/g, '')}.json`;
      const shared = await this.shareFile(filePath, name);
      if (!shared) {
        const text = await this.readText(filePath);
        wx.setClipboardData({ data: text });
        ui.alert('已复制到剪贴板', '你的数据（JSON 格式）已复制，可粘贴到备忘录或发送给自己保存。');
      }
    } catch (err) {
      ui.showError(err, '导出没有成功');
    } finally {
      this.setData({ exporting: false });
    }
  },

  /** Offer the downloaded file to a chat (to keep or forward); resolves false if unavailable. */
  shareFile(filePath, name) {
    if (typeof wx.shareFileMessage !== 'function') return Promise.resolve(false);
    return new Promise((resolve) => {
      wx.shareFileMessage({
        filePath,
        fileName: name,
        success: () => resolve(true),
        fail: (err) => resolve(/cancel/.test((err && err.errMsg) || '')),
      });
    });
  },

  readText(filePath) {
    return new Promise((resolve, reject) => {
      wx.getFileSystemManager().readFile({
        filePath,
        encoding: 'utf8',
        success: (res) => resolve(res.data),
        fail: () => reject(new api.ApiError({ reason: 'export_unreadable' })),
      });
    });
  },

  async onDelete() {
    if (this.data.deleting) return;
    const understood = await ui.confirm({
      title: '注销账户',
      content:
        '注销后：你的昵称等个人信息将被匿名化，碳账户、积分和未使用的券将作废（积分不退），且不可恢复。' +
        '积分流水会以匿名形式保留，用于账目核对。用同一微信重新注册时，当天的打卡上限和每人限兑次数会延续，不会重置。',
      confirmText: '继续注销',
      cancelText: '我再想想',
      danger: true,
    });
    if (!understood) return;
    const typed = await ui.prompt({ title: `请输入“${DELETE_WORD}”确认`, placeholder: DELETE_WORD, confirmText: '注销', danger: true });
    if (typed === null) return;
    if (typed !== DELETE_WORD) {
      ui.toast('输入不一致，已取消注销');
      return;
    }
    this.setData({ deleting: true });
    try {
      await ui.withLoading('正在注销', () => api.call('deleteAccount'));
      session.clear();
      await ui.alert('账户已注销', '感谢你为低碳生活做出的每一份努力。');
      wx.reLaunch({ url: '/pages/home/index' });
    } catch (err) {
      ui.showError(err, '注销没有成功');
    } finally {
      this.setData({ deleting: false });
    }
  },
});

module.exports = { consentRows, registryView, DELETE_WORD };
