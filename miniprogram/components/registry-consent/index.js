/**
 * The aggregation consent sheet (减排量汇总与转让), in plain words with the server's text.
 * Properties: `text` (the consent text of the current version), `saving`.
 * Events: `agree`, `decline`. The page owns the state (utils/registryconsent.js).
 */
Component({
  options: { styleIsolation: 'apply-shared' },
  properties: {
    text: { type: String, value: '' },
    saving: { type: Boolean, value: false },
  },
  methods: {
    onAgree() {
      if (!this.data.saving) this.triggerEvent('agree');
    },
    onDecline() {
      if (!this.data.saving) this.triggerEvent('decline');
    },
    noop() {},
  },
});
