/**
 * A coupon code as a QR drawn on a canvas (type="2d") for the clerk to scan, with the
 * short counter code under it for typing when a scanner fails. `dimmed` greys it out
 * for used, expired or cancelled coupons.
 */
const format = require('../../utils/format');
const qr = require('../../utils/qr');

function pixelRatio() {
  try {
    if (typeof wx.getWindowInfo === 'function') return wx.getWindowInfo().pixelRatio || 2;
    return wx.getSystemInfoSync().pixelRatio || 2;
  } catch (e) {
    return 2;
  }
}

Component({
  properties: {
    code: { type: String, value: '' },
    shortCode: { type: String, value: '' },
    size: { type: Number, value: 220 }, // CSS px
    dimmed: { type: Boolean, value: false },
  },
  data: { error: '', shortCodeText: '' },
  observers: {
    code() {
      this.render();
    },
    shortCode(value) {
      this.setData({ shortCodeText: format.shortCode(value) });
    },
  },
  lifetimes: {
    ready() {
      this.render();
    },
  },
  methods: {
    /** Draw the current code on a 2D context of `sizePx` device pixels. */
    paint(ctx, sizePx) {
      const matrix = qr.buildMatrix(this.data.code);
      return qr.draw(ctx, matrix, sizePx, { margin: 2 });
    },

    render() {
      if (!this.data.code) return;
      let query;
      try {
        query = this.createSelectorQuery();
      } catch (e) {
        return;
      }
      query
        .select('#coupon-qr')
        .fields({ node: true, size: true })
        .exec((res) => {
          const target = res && res[0];
          if (!target || !target.node) return; // not laid out yet: ready() draws again
          try {
            const dpr = pixelRatio();
            const canvas = target.node;
            const sizePx = Math.round(this.data.size * dpr);
            canvas.width = sizePx;
            canvas.height = sizePx;
            this.paint(canvas.getContext('2d'), sizePx);
            this.setData({ error: '' });
          } catch (err) {
            this.setData({ error: '二维码生成失败，请向店员出示下方券码' });
          }
        });
    },
  },
});
