/**
 * 活动签到: opened after scanning a zero-carbon event's QR on the check-in page, or from a
 * link with ?event=<token> (or a mini-program code's ?scene=). Shows the event (GET
 * /public/events/{public_id}), asks how I came and the round trip in km, then POST
 * /events/attendance {token, mode, distance_km}. It earns no points of its own.
 */
const api = require('../../utils/api');
const events = require('../../utils/events');
const ui = require('../../utils/ui');

Page({
  data: {
    status: 'loading', // loading | ready | invalid | error
    errorMessage: '',
    event: null, // events.eventView, or null when it could not be loaded
    modes: events.MODES,
    mode: '',
    distance: '',
    formError: '',
    submitting: false,
    done: null, // {title, detail}
  },

  onLoad(options) {
    this.token = events.tokenFromOptions(options);
    this.load();
  },

  async load() {
    if (!events.isEventToken(this.token)) {
      this.setData({ status: 'invalid' });
      return;
    }
    this.setData({ status: 'loading' });
    try {
      const body = await api.call('publicEvent', { params: { public_id: events.publicIdOf(this.token) } });
      const event = events.eventView(body);
      this.setData({ status: 'ready', event });
      wx.setNavigationBarTitle({ title: event.name });
    } catch (err) {
      if (err.reason === 'event_not_found') this.setData({ status: 'error', errorMessage: err.message });
      // The header is only for reading: without it the attendee can still say how they came.
      else this.setData({ status: 'ready', event: null });
    }
  },

  onRetry() {
    this.load();
  },

  chooseMode(event) {
    this.setData({ mode: event.currentTarget.dataset.mode, formError: '' });
  },

  onDistanceInput(event) {
    this.setData({ distance: event.detail.value, formError: '' });
  },

  async onSubmit() {
    if (this.data.submitting || this.data.done) return;
    const mode = events.modeOf(this.data.mode);
    if (!mode) {
      this.setData({ formError: '请选择你是怎么来的' });
      return;
    }
    const km = events.parseDistance(this.data.distance);
    if (km === null) {
      this.setData({ formError: `请输入往返公里数：大于 0，最多 ${events.MAX_KM}，最多三位小数` });
      return;
    }
    this.setData({ submitting: true });
    try {
      const result = await api.call('recordAttendance', { data: { token: this.token, mode: mode.key, distance_km: km } });
      const name = result.event || (this.data.event && this.data.event.name) || '本次活动';
      this.setData({
        done: {
          icon: '✅',
          title: '已记录你的出行方式',
          detail: `${mode.icon} ${mode.label} · 往返 ${result.distance_km || km} 公里，计入「${name}」的碳排放核算`,
        },
      });
    } catch (err) {
      this.explain(err);
    } finally {
      this.setData({ submitting: false });
    }
  },

  explain(err) {
    if (err.reason === 'attendance_recorded') {
      // Recorded before (maybe by a first tap whose answer was lost): not a failure.
      this.setData({ done: { icon: '✅', title: err.message, detail: '每人每场活动记录一次，无需重复提交' } });
      return;
    }
    if (err.reason === 'event_wrong_stage' && this.data.event) this.setData({ 'event.closed': true });
    ui.showError(err, err.retryable ? '网络不太顺畅' : '没有记录成功');
  },

  goCheckin() {
    wx.switchTab({ url: '/pages/checkin/index' });
  },

  goHome() {
    wx.switchTab({ url: '/pages/home/index' });
  },
});
