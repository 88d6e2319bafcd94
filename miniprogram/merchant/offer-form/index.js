/**
 * Publish an offer (POST /merchant/offers -> pending_review) or edit one
 * (GET then PATCH /merchant/offers/{id}; only changed fields are sent, stock any time).
 */
const api = require('../../utils/api');
const offerform = require('../../utils/offerform');
const ui = require('../../utils/ui');

Page({
  data: {
    editing: false,
    status: 'ready',
    errorMessage: '',
    form: offerform.fromOffer(null),
    errors: {},
    saving: false,
    offerStatus: '',
  },

  onLoad(options) {
    this.offerId = options && options.id;
    if (this.offerId) {
      this.setData({ editing: true });
      wx.setNavigationBarTitle({ title: '编辑优惠' });
      this.load();
    }
  },

  async load() {
    this.setData({ status: 'loading' });
    try {
      this.original = await api.call('merchantOffer', { params: { offer_id: this.offerId } });
      this.setData({ status: 'ready', form: offerform.fromOffer(this.original), offerStatus: this.original.status });
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

  async onSubmit() {
    if (this.data.saving) return;
    const { errors, body } = offerform.validate(this.data.form, this.data.editing ? this.original : null);
    this.setData({ errors });
    if (!body) return;
    if (this.data.editing && !Object.keys(body).length) {
      ui.toast('没有修改');
      return;
    }
    this.setData({ saving: true });
    try {
      if (this.data.editing) {
        await api.call('updateMerchantOffer', { params: { offer_id: this.offerId }, data: body });
        const onlyStock = Object.keys(body).every((field) => field === 'stock');
        ui.toast(onlyStock ? '库存已更新' : '已保存，等待运营审核');
      } else {
        await api.call('createMerchantOffer', { data: body });
        await ui.alert('已提交审核', '运营审核通过后，优惠会出现在积分商城。');
      }
      wx.navigateBack();
    } catch (err) {
      if (err.errors) {
        const fieldErrors = {};
        Object.keys(err.errors).forEach((field) => {
          fieldErrors[field] = '内容不符合要求';
        });
        this.setData({ errors: fieldErrors });
      }
      ui.showError(err, '没有保存成功');
    } finally {
      this.setData({ saving: false });
    }
  },
});
