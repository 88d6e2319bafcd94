/**
 * Where to use a coupon: a merchant's address, opening hours and phone (a
 * utils/merchants.placeOf), with 「导航」 (WeChat's map at the shop) and 「致电」.
 * Shown on the offer and coupon pages and in the merchants page's sheet.
 */
const merchants = require('../../utils/merchants');

Component({
  properties: {
    place: { type: Object, value: null },
  },
  methods: {
    onNavigate() {
      merchants.openPlace(this.data.place);
    },
    onCall() {
      merchants.call(this.data.place);
    },
  },
});
