/**
 * 头像与昵称: set the avatar with WeChat's avatar fill-in (open-type="chooseAvatar") and the
 * nickname with its nickname fill-in (<input type="nickname">); both are checked by WeChat
 * on the server before they show on the leaderboard instead of 绿友000123.
 */
const api = require('../../utils/api');
const profile = require('../../utils/profile');
const session = require('../../utils/session');
const ui = require('../../utils/ui');

Page({
  data: {
    avatar: '',
    nickname: '',
    isDefault: true,
    error: '',
    savingName: false,
    savingAvatar: false,
  },

  onLoad() {
    this.show(session.currentUser());
    api.refreshUser().then((user) => this.show(user), () => {});
  },

  show(user) {
    if (!user) return;
    this.setData({
      avatar: profile.avatarSrc(user.avatar_url),
      nickname: profile.isDefaultName(user.nickname) ? '' : user.nickname,
      isDefault: profile.isDefaultName(user.nickname),
    });
  },

  async onChooseAvatar(event) {
    const filePath = event.detail && event.detail.avatarUrl;
    if (!filePath || this.data.savingAvatar) return;
    this.setData({ savingAvatar: true });
    try {
      const user = await ui.withLoading('上传中', () => profile.saveAvatar(filePath));
      this.setData({ avatar: profile.avatarSrc(user.avatar_url) });
      ui.toast('头像已更新');
    } catch (err) {
      ui.showError(err, '头像没有更新');
    } finally {
      this.setData({ savingAvatar: false });
    }
  },

  onNicknameInput(event) {
    this.setData({ nickname: event.detail.value, error: '' });
  },

  async onSaveNickname() {
    if (this.data.savingName) return;
    const checked = profile.checkNickname(this.data.nickname);
    if (checked.error) {
      this.setData({ error: checked.error });
      return;
    }
    this.setData({ savingName: true });
    try {
      const user = await ui.withLoading('保存中', () => profile.saveNickname(checked.value));
      this.setData({ nickname: user.nickname, isDefault: false });
      ui.toast('昵称已保存');
    } catch (err) {
      if (err.reason === 'nickname_rejected') this.setData({ error: err.message });
      else ui.showError(err, '昵称没有保存');
    } finally {
      this.setData({ savingName: false });
    }
  },
});
