/**
 * One tree of a sink project (a utils/sinks.treeView): photo (tap to enlarge) or a
 * placeholder, species and code, planted year, place, free or not, and the adopt button.
 * Event: `adopt` {id}.
 */
Component({
  properties: {
    tree: { type: Object, value: null },
    adopting: { type: Number, value: 0 }, // id of the tree being adopted, 0 for none
  },
  methods: {
    onAdopt() {
      const tree = this.data.tree;
      if (tree && tree.free && !this.data.adopting) this.triggerEvent('adopt', { id: tree.id });
    },
    onPreview() {
      const url = this.data.tree && this.data.tree.photo;
      if (url) wx.previewImage({ urls: [url], current: url });
    },
  },
});
