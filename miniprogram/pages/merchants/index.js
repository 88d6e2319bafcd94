/**
 * 联盟商户: where coupons can be used. Every active merchant (GET /merchants) on a <map>
 * (a marker per merchant with a position) and in a list; 「按距离排序」 reads the
 * resident's position with wx.getLocation (GCJ-02) on the phone only and sorts nearest
 * first; when location was granted before, it sorts at once. Tapping a merchant opens its
 * sheet: address, hours, phone, 导航到店 and its live offers (GET /offers?merchant_id=).
 * Opened with ?id= (from an offer) that merchant's sheet opens by itself.
 */
const api = require('../../utils/api');
const merchants = require('../../utils/merchants');
const offers = require('../../utils/offers');
const ui = require('../../utils/ui');

Page({
  data: {
    status: 'loading',
    errorMessage: '',
    rows: [],
    map: null,
    sorted: false,
    locating: false,
    selected: null, // {place, offers: {status, items}}
  },

  onLoad(options) {
    this.focusId = options && options.id ? Number(options.id) : null;
    this.here = null;
    this.load();
  },

  async load() {
    this.setData({ status: 'loading' });
    try {
      this.merchants = await merchants.loadAll();
    } catch (err) {
      this.setData({ status: 'error', errorMessage: err.message });
      return;
    }
    this.show();
    if (this.focusId) this.select(this.focusId);
    // A resident who allowed location before sees nearest first without being asked.
    if (await merchants.locationGranted()) await this.sortByDistance();
  },

  show() {
    const rows = merchants.sortRows(this.merchants.map((m) => merchants.rowOf(m, this.here)), this.here);
    this.setData({
      status: rows.length ? 'ready' : 'empty',
      rows,
      map: merchants.mapOf(rows, this.here),
      sorted: !!this.here,
    });
  },

  onRetry() {
    this.load();
  },

  async onSortByDistance() {
    if (this.data.locating) return;
    await this.sortByDistance(true);
  },

  async sortByDistance(explain) {
    this.setData({ locating: true });
    const here = await merchants.locate();
    this.setData({ locating: false });
    if (here && here.latitude !== undefined) {
      this.here = here;
      this.show();
      return;
    }
    if (explain && here && here.denied) {
      const open = await ui.confirm({
        title: '需要位置权限',
        content: '按距离排序需要读取你当前的位置（只在手机上计算距离，不会上传）。可以在设置中开启「位置信息」。',
        confirmText: '去设置',
      });
      if (open) wx.openSetting({});
    } else if (explain) {
      ui.toast('没有获取到位置，请稍后再试');
    }
  },

  onMarkerTap(event) {
    this.select(Number(event.detail && event.detail.markerId));
  },

  onRowTap(event) {
    this.select(Number(event.currentTarget.dataset.id));
  },

  async select(id) {
    const place = this.data.rows.find((row) => row.id === id);
    if (!place) return;
    this.setData({ selected: { place, offers: { status: 'loading', items: [] } } });
    try {
      const body = await api.list('offers', { query: { merchant_id: id, limit: 20 } });
      if (!this.data.selected || this.data.selected.place.id !== id) return;
      const items = body.items.map((offer) => offers.view(offer, null));
      this.setData({ 'selected.offers': { status: items.length ? 'ready' : 'empty', items } });
    } catch (err) {
      if (this.data.selected && this.data.selected.place.id === id) {
        this.setData({ 'selected.offers': { status: 'error', items: [], message: err.message } });
      }
    }
  },

  closeSelected() {
    this.setData({ selected: null });
  },

  openOffer(event) {
    wx.navigateTo({ url: `/pages/offer/index?id=${event.currentTarget.dataset.id}` });
  },

  goApply() {
    wx.navigateTo({ url: '/pages/merchant-apply/index' });
  },

  noop() {},
});
