/**
 * Loading / empty / error placeholder used by every page that loads something.
 * status: 'loading' | 'empty' | 'error' | 'ready' (ready renders nothing).
 * Events: `retry` (error button), `action` (empty-state button, e.g. 去打卡).
 */
Component({
  options: { styleIsolation: 'apply-shared' },
  properties: {
    status: { type: String, value: 'loading' },
    message: { type: String, value: '' },
    emptyText: { type: String, value: '这里还什么都没有' },
    emptyIcon: { type: String, value: '🌱' },
    actionText: { type: String, value: '' },
    retryText: { type: String, value: '重新加载' },
    compact: { type: Boolean, value: false },
  },
  methods: {
    onRetry() {
      this.triggerEvent('retry');
    },
    onAction() {
      this.triggerEvent('action');
    },
  },
});
