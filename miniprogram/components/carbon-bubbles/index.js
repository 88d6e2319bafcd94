/**
 * Today's bubbles to collect, floating over the carbon account (as in Ant Forest):
 * credits that arrived today (`kind: 'credit'`) and things still to do today
 * (`kind: 'action'`, e.g. sync WeRun). Tapping pops the bubble and emits
 * `collect` {id, kind} once the animation has played.
 */
const SLOTS = [
  { left: 6, top: 14 },
  { left: 74, top: 8 },
  { left: 40, top: 0 },
  { left: 16, top: 56 },
  { left: 66, top: 52 },
  { left: 84, top: 34 },
];
const POP_MS = 450;

Component({
  properties: {
    bubbles: { type: Array, value: [] },
  },
  data: { placed: [], popping: '' },
  observers: {
    bubbles(list) {
      const placed = (list || []).slice(0, SLOTS.length).map((bubble, i) => ({
        ...bubble,
        key: String(bubble.id),
        style: `left:${SLOTS[i].left}%;top:${SLOTS[i].top}%;animation-delay:${(i % 3) * 0.6}s;`,
      }));
      this.setData({ placed, popping: '' });
    },
  },
  methods: {
    onTap(event) {
      const { id, kind } = event.currentTarget.dataset;
      if (this.data.popping) return;
      this.setData({ popping: String(id) });
      if (typeof wx.vibrateShort === 'function') wx.vibrateShort({ type: 'light' });
      setTimeout(() => this.triggerEvent('collect', { id, kind }), POP_MS);
    },
  },
});
