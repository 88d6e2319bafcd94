/**
 * 商户入驻: apply to join the alliance (GET/POST /me/merchant-applications). The latest
 * application's state comes first: 审核中 (withdraw it), 未通过 with the operator's
 * reason (apply again, the form filled in), 已通过 (to the merchant workbench). The form:
 * shop name, address, phone, opening hours, the position picked on WeChat's map
 * (wx.chooseLocation, GCJ-02) and a licence photo (wx.chooseMedia, sent to POST /uploads).
 * Submitting asks for the result notice first (utils/subscribe.js), inside the tap.
 */
const api = require('../../utils/api');
const application = require('../../utils/application');
const checkin = require('../../utils/checkin');
const subscribe = require('../../utils/subscribe');
const ui = require('../../utils/ui');

Page({
  data: {
    status: 'loading',
    errorMessage: '',
    latest: null, // application.statusView
    showForm: false,
    form: application.emptyForm(),
    errors: {},
    submitting: false,
  },

  onLoad() {
    subscribe.preload();
    this.uploads = {};
    this.load();
  },

  async load() {
    this.setData({ status: 'loading' });
    try {
      const body = await api.list('myApplications', { query: { limit: 1 } });
      const last = body.items[0] || null;
      this.last = last;
      const open = !last || last.status === 'rejected' || last.status === 'withdrawn';
      this.setData({
        status: 'ready',
        latest: application.statusView(last),
        showForm: open,
        form: last && last.status === 'rejected' ? application.formFrom(last) : this.data.form,
      });
    } catch (err) {
      this.setData({ status: 'error', errorMessage: err.message });
    }
  },

  onRetry() {
    this.load();
  },

  onInput(event) {
    const field = event.currentTarget.dataset.field;
    this.setData({ [`form.${field}`]: event.detail.value, [`errors.${field}`]: '' });
  },

  chooseLocation() {
    wx.chooseLocation({
      success: (res) => {
        const picked = application.locationOf(res);
        const patch = { 'form.location': picked, 'errors.location': '' };
        if (!this.data.form.address && picked.address) patch['form.address'] = picked.address;
        this.setData(patch);
      },
      fail: (err) => {
        if (!/cancel/i.test((err && err.errMsg) || '')) ui.toast('没有打开地图，请检查位置权限');
      },
    });
  },

  async chooseLicence() {
    try {
      const photo = await checkin.choosePhoto();
      if (photo) this.setData({ 'form.licence': photo, 'errors.licence': '' });
    } catch (err) {
      ui.showError(err);
    }
  },

  async onSubmit() {
    if (this.data.submitting) return;
    const form = this.data.form;
    const errors = application.check(form);
    if (Object.keys(errors).length) {
      this.setData({ errors });
      return;
    }
    // The operator's answer comes as a WeChat notice: ask now, inside this tap.
    await subscribe.ask(['merchant_application']);
    this.setData({ submitting: true });
    try {
      await ui.withLoading('提交中', async () => {
        if (!this.uploads[form.licence]) this.uploads[form.licence] = await checkin.uploadPhoto(form.licence);
        await api.call('applyMerchant', { data: application.body(form, this.uploads[form.licence]) });
      });
      ui.toast('已提交，请等待审核');
      await this.load();
    } catch (err) {
      if (err.reason === 'upload_not_found') delete this.uploads[form.licence];
      if (err.reason === 'application_pending') this.load();
      ui.showError(err, '申请没有提交成功');
    } finally {
      this.setData({ submitting: false });
    }
  },

  async onWithdraw() {
    const latest = this.data.latest;
    if (!latest || latest.status !== 'pending') return;
    const ok = await ui.confirm({ title: '撤回申请', content: `确定撤回「${latest.name}」的入驻申请吗？撤回后可以重新提交。`, confirmText: '撤回', danger: true });
    if (!ok) return;
    try {
      await ui.withLoading('撤回中', () => api.call('withdrawApplication', { params: { application_id: latest.id } }));
      await this.load();
    } catch (err) {
      ui.showError(err, '没有撤回成功');
      this.load();
    }
  },

  async goWorkbench() {
    try {
      await api.refreshUser(); // the new merchant_owner role
    } catch (err) {
      // the workbench checks the role itself
    }
    wx.navigateTo({ url: '/merchant/index/index' });
  },

  previewLicence() {
    const url = this.data.form.licence;
    if (url) wx.previewImage({ urls: [url], current: url });
  },
});
