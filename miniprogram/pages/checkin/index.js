/**
 * Check-in: the scenario list (GET /scenarios); scan a site QR (wx.scanCode) or take a
 * photo (wx.chooseMedia + POST /uploads) then POST /checkins; sync WeRun after consent.
 * Also opened from a site's mini-program code (?scene=s=... or ?scenario=&token=): the
 * site's scenario comes from GET /sites/lookup, so the resident picks nothing.
 * A zero-carbon event's QR (TPE1... or a code's e=...) is not a check-in: it opens the
 * event page (pages/event), whichever scan button read it.
 * Before a photo or a declared quantity goes to review, the resident is asked for the
 * review-result notice (utils/subscribe.js), inside that tap.
 */
const api = require('../../utils/api');
const bubbles = require('../../utils/bubbles');
const checkin = require('../../utils/checkin');
const events = require('../../utils/events');
const format = require('../../utils/format');
const registryConsent = require('../../utils/registryconsent');
const scenarios = require('../../utils/scenarios');
const subscribe = require('../../utils/subscribe');
const ui = require('../../utils/ui');
const werun = require('../../utils/werun');

const MAX_QUANTITY = 1000;

/** Quantity typed by the user: a positive number (whole for meals, rides...), else null. */
function parseQuantity(text, whole) {
  const value = Number(String(text).trim());
  if (!Number.isFinite(value) || value <= 0 || value > MAX_QUANTITY) return null;
  if (whole && !Number.isInteger(value)) return null;
  return Math.round(value * 1000) / 1000;
}

function isWhole(scenario) {
  return scenario.fractional === undefined ? scenario.wholeUnit : !scenario.fractional;
}

Page({
  ...registryConsent.pageMethods,

  data: {
    status: 'loading',
    errorMessage: '',
    werunScenario: null,
    evidenceScenarios: [],
    partnerScenarios: [],
    campaigns: [],
    sheet: null, // {code, name, icon, unitLabel, mode: 'qr'|'photo', photo, token, note, quantity, whole, error}
    submitting: false,
    result: null, // {icon, title, detail, tone}
    syncing: false,
    werunResult: null,
    consentSheet: null, // the aggregation consent, asked once after a check-in went through
  },

  onLoad(options) {
    const scene = options && options.scene ? decodeURIComponent(options.scene) : '';
    const token = (options && options.token) || scene;
    if (token) this.pendingScan = { token, scenario: options.scenario || '' };
  },

  onShow() {
    subscribe.preload();
    const app = getApp();
    const pending = app && app.globalData && app.globalData.pendingAction;
    if (pending) app.globalData.pendingAction = '';
    this.load().then(() => {
      if (pending === 'werun' && this.data.werunScenario) this.onWeRun();
      if (this.pendingScan) this.handleDeepLink();
    });
  },

  onPullDownRefresh() {
    this.load(true).then(() => wx.stopPullDownRefresh());
  },

  async load(force) {
    if (this.data.status !== 'ready') this.setData({ status: 'loading' });
    try {
      const [catalog, live] = await Promise.all([
        scenarios.load(force),
        api.list('campaigns').catch(() => ({ items: [] })),
      ]);
      const boosts = scenarios.campaignsByScenario(live.items);
      const items = catalog.map((s) => ({ ...s, campaigns: boosts[s.code] || [] }));
      this.byCode = scenarios.byCode(items);
      const evidence = items.filter((s) => s.canScan || s.canPhoto);
      const partner = items.filter((s) => s.isPartner && !s.canScan && !s.canPhoto && !s.isWeRun);
      this.setData({
        status: items.length ? 'ready' : 'empty',
        werunScenario: items.find((s) => s.isWeRun) || null,
        evidenceScenarios: evidence,
        partnerScenarios: partner,
        campaigns: live.items
          .map((c) => ({ id: c.id, name: c.name, text: scenarios.campaignText(c), until: format.date(c.ends_at) }))
          .filter((c) => c.text),
      });
    } catch (err) {
      if (this.data.status === 'ready') ui.toast(err.message);
      else this.setData({ status: 'error', errorMessage: err.message });
    }
  },

  onRetry() {
    this.load(true);
  },

  // ---------------------------------------------------------------- QR

  onScan(event) {
    const scenario = this.byCode[event.currentTarget.dataset.code];
    if (!scenario || this.data.submitting) return;
    this.scanAndSubmit(scenario);
  },

  /**
   * A scan proves presence, not quantity: submit the code alone. A weighing station's
   * receipt or a fixed-quantity site carries the quantity; a kg site without a scale
   * answers quantity_required, and only then do we ask (and the server has it reviewed).
   */
  async scanAndSubmit(scenario) {
    let token;
    try {
      token = await checkin.scan();
    } catch (err) {
      ui.showError(err);
      return;
    }
    if (!token) return; // cancelled
    if (this.openEvent(token)) return;
    await this.submitScan(scenario, token);
  },

  /** An event's QR goes to the event page; true when `token` was one. */
  openEvent(token) {
    if (!events.isEventToken(token)) return false;
    wx.navigateTo({ url: `/pages/event/index?event=${encodeURIComponent(token)}` });
    return true;
  },

  async onScanEvent() {
    if (this.data.submitting) return;
    let token;
    try {
      token = await checkin.scan();
    } catch (err) {
      ui.showError(err);
      return;
    }
    if (!token) return; // cancelled
    if (!this.openEvent(token)) ui.alert('这不是活动签到码', '请扫描活动现场张贴的零碳活动二维码；低碳行为打卡请用下方对应场景的「扫码打卡」。');
  },

  submitScan(scenario, token) {
    return this.submit(scenario, () => checkin.submitQr(scenario.code, token, null), (err) => {
      if (err.reason !== 'quantity_required' || isWhole(scenario)) return false;
      this.openSheet(scenario, 'qr', '', token);
      return true;
    });
  },

  async handleDeepLink() {
    const { token, scenario: code } = this.pendingScan;
    this.pendingScan = null;
    if (this.openEvent(token)) return;
    let scenario = code && this.byCode[code];
    if (!scenario) {
      const found = await this.scenarioOfCode(token);
      if (found.invalid) return; // told already: a forged, retired or expired code
      scenario = found.scenario;
    }
    if (!scenario) {
      const choices = this.data.evidenceScenarios.filter((s) => s.canScan).slice(0, 6);
      if (!choices.length) return;
      const picked = await new Promise((resolve) =>
        wx.showActionSheet({
          alertText: '这个打卡点对应哪种低碳行为？',
          itemList: choices.map((s) => s.name),
          success: (res) => resolve(choices[res.tapIndex]),
          fail: () => resolve(null),
        }),
      );
      if (!picked) return;
      scenario = picked;
    }
    await this.submitScan(scenario, token);
  },

  /**
   * The scenario of a scanned site code, asked of the server: {scenario} (null when it
   * cannot say, e.g. offline: the resident picks), or {invalid: true} once the refusal
   * was shown.
   */
  async scenarioOfCode(token) {
    try {
      const site = await api.call('siteLookup', { query: { token } });
      return { scenario: (site && this.byCode[site.scenario]) || null };
    } catch (err) {
      if (err.reason !== 'invalid_qr') return { scenario: null };
      ui.showError(err, '打卡没有成功');
      return { invalid: true };
    }
  },

  // ---------------------------------------------------------------- photo

  async onPhoto(event) {
    const scenario = this.byCode[event.currentTarget.dataset.code];
    if (!scenario || this.data.submitting) return;
    let photo;
    try {
      photo = await checkin.choosePhoto();
    } catch (err) {
      ui.showError(err);
      return;
    }
    if (photo) this.openSheet(scenario, 'photo', photo);
  },

  async retakePhoto() {
    try {
      const photo = await checkin.choosePhoto();
      if (photo) this.setData({ 'sheet.photo': photo });
    } catch (err) {
      ui.showError(err);
    }
  },

  // ---------------------------------------------------------------- sheet

  openSheet(scenario, mode, photo, token) {
    this.setData({
      sheet: {
        code: scenario.code,
        name: scenario.name,
        icon: scenario.icon,
        unitLabel: scenario.unitLabel,
        ruleText: scenario.ruleText,
        mode,
        photo: photo || '',
        token: token || '',
        note: token ? '这个点位没有称重设备：请如实填写数量，由工作人员审核后发放积分' : '',
        quantity: '1',
        whole: isWhole(scenario),
        error: '',
      },
    });
  },

  closeSheet() {
    if (!this.data.submitting) this.setData({ sheet: null });
  },

  onQuantityInput(event) {
    this.setData({ 'sheet.quantity': event.detail.value, 'sheet.error': '' });
  },

  stepQuantity(event) {
    const delta = Number(event.currentTarget.dataset.delta);
    const current = Number(this.data.sheet.quantity) || 0;
    const next = Math.max(1, Math.round((current + delta) * 10) / 10);
    this.setData({ 'sheet.quantity': String(next), 'sheet.error': '' });
  },

  async onSheetSubmit() {
    const sheet = this.data.sheet;
    if (!sheet || this.data.submitting) return;
    const quantity = parseQuantity(sheet.quantity, sheet.whole);
    if (quantity === null) {
      this.setData({
        'sheet.error': sheet.whole ? `请输入 1~${MAX_QUANTITY} 的整数` : `请输入大于 0 的数量（最多 ${MAX_QUANTITY}）`,
      });
      return;
    }
    const scenario = this.byCode[sheet.code];
    // Both go to an operator: ask for the review notice now, inside this tap.
    await subscribe.ask(['checkin_review']);
    if (sheet.mode === 'qr') {
      const ok = await this.submit(scenario, () => checkin.submitQr(scenario.code, sheet.token, quantity));
      if (ok) this.setData({ sheet: null });
      return;
    }
    const ok = await this.submit(scenario, async () => {
      // Upload once per photo, even if the check-in itself has to be retried.
      this.uploads = this.uploads || {};
      if (!this.uploads[sheet.photo]) this.uploads[sheet.photo] = await checkin.uploadPhoto(sheet.photo);
      return checkin.submitPhoto(scenario.code, this.uploads[sheet.photo], quantity);
    });
    if (ok) this.setData({ sheet: null });
  },

  // ---------------------------------------------------------------- submit + result

  /** Run a check-in call; `handled(err)` may take an error over (true) before it is shown. */
  async submit(scenario, task, handled) {
    this.setData({ submitting: true });
    wx.showLoading({ title: '提交中', mask: true });
    try {
      const result = await task();
      wx.hideLoading();
      this.setData({ result: { ...checkin.resultView(result), scenarioName: scenario.name } });
      return true;
    } catch (err) {
      wx.hideLoading();
      if (handled && handled(err)) return false;
      ui.showError(err, err.retryable ? '网络不太顺畅' : '打卡没有成功');
      return false;
    } finally {
      this.setData({ submitting: false });
    }
  },

  closeResult() {
    const made = this.data.result && ['approved', 'pending'].indexOf(this.data.result.status) >= 0;
    this.setData({ result: null });
    // After a check-in went through, once the result is read: a calm moment to ask.
    if (made) return this.askRegistryConsent();
    return Promise.resolve(false);
  },

  goRecords() {
    this.setData({ result: null });
    wx.navigateTo({ url: '/pages/records/index?tab=records' });
  },

  // ---------------------------------------------------------------- WeRun

  async onWeRun() {
    const scenario = this.data.werunScenario;
    if (!scenario || this.data.syncing) return;
    this.setData({ syncing: true });
    try {
      const result = await werun.sync(scenario.code);
      if (!result) return; // consent declined
      const today = format.shanghaiDate();
      const summary = werun.summarize(result, today);
      bubbles.markWeRunSynced(today);
      this.setData({
        werunResult: {
          todaySteps: summary.today ? summary.today.steps : 0,
          todayCarbon: format.carbon(summary.today ? summary.today.carbon_g : 0),
          points: summary.points,
          days: summary.days.length,
        },
      });
      ui.toast(summary.points > 0 ? `同步成功，+${summary.points} 积分` : '同步成功', 'none');
    } catch (err) {
      ui.showError(err, '步数没有同步成功');
    } finally {
      this.setData({ syncing: false });
    }
  },

  goConsents() {
    wx.navigateTo({ url: '/pages/privacy/index' });
  },

  noop() {},
});

module.exports = { parseQuantity };
