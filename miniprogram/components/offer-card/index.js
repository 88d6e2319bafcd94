/**
 * One offer in the mall: title, merchant, price in points, stock, and why it cannot be
 * redeemed right now (sold out, not started, not enough points). Event: `select` {id}.
 */
const offers = require('../../utils/offers');

Component({
  properties: {
    offer: { type: Object, value: null },
    balance: { type: Number, optionalTypes: [String], value: null },
  },
  data: { view: null },
  observers: {
    'offer, balance'(offer, balance) {
      this.setData({ view: offers.view(offer, balance) });
    },
  },
  methods: {
    onTap() {
      if (this.data.view) this.triggerEvent('select', { id: this.data.view.id });
    },
  },
});
