/**
 * Small promise wrappers around WeChat's modal, toast and loading, so pages can write
 * `if (await ui.confirm(...))` and show every error the same way.
 */

const errors = require('./errors');

/** A confirmation modal; resolves true when the user taps the confirm button. */
function confirm({ title, content, confirmText, cancelText, danger }) {
  return new Promise((resolve) => {
    wx.showModal({
      title: title || '请确认',
      content: content || '',
      confirmText: confirmText || '确定',
      cancelText: cancelText || '取消',
      confirmColor: danger ? '#e5484d' : '#19a15f',
      success: (res) => resolve(!!res.confirm),
      fail: () => resolve(false),
    });
  });
}

/** A modal with a text box (base library >= 2.17.1); resolves the text or null. */
function prompt({ title, placeholder, confirmText, danger }) {
  return new Promise((resolve) => {
    wx.showModal({
      title: title || '',
      editable: true,
      placeholderText: placeholder || '',
      confirmText: confirmText || '确定',
      confirmColor: danger ? '#e5484d' : '#19a15f',
      success: (res) => resolve(res.confirm ? String(res.content || '').trim() : null),
      fail: () => resolve(null),
    });
  });
}

/** An information modal with a single button. */
function alert(title, content) {
  return new Promise((resolve) => {
    wx.showModal({
      title: title || '提示',
      content: content || '',
      showCancel: false,
      confirmText: '知道了',
      confirmColor: '#19a15f',
      complete: () => resolve(),
    });
  });
}

function toast(title, icon) {
  wx.showToast({ title, icon: icon || 'none', duration: 2000 });
}

/** Show an error: a toast for short messages, a modal when it needs reading. */
function showError(err, title) {
  const message = (err && err.message) || '操作失败，请稍后重试';
  if (message.length <= 18 && !title) {
    toast(message);
  } else {
    alert(title || '没有成功', message);
  }
}

/** Run `task` under a loading mask; the mask is always hidden afterwards. */
async function withLoading(title, task) {
  wx.showLoading({ title: title || '加载中', mask: true });
  try {
    return await task();
  } finally {
    wx.hideLoading();
  }
}

module.exports = { confirm, prompt, alert, toast, showError, withLoading, toastText: errors.toastText };
