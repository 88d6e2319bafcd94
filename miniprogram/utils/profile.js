/**
 * The resident's public face (nickname, avatar) from WeChat's fill-in components:
 * `<button open-type="chooseAvatar">` gives a temporary picture that goes to
 * POST /me/avatar, `<input type="nickname">` a nickname for PUT /me/nickname. The server
 * checks both with WeChat's content checks before anyone else sees them (leaderboard).
 */

const api = require('./api');
const config = require('../config');
const session = require('./session');

const DEFAULT_NAME = /^绿友\d{6}$/;
const MAX_NICKNAME = 20;

/** An avatar address from the API (relative to the site root) as an <image> src. */
function avatarSrc(url) {
  if (!url) return '';
  if (/^https?:\/\//.test(url)) return url;
  return config.get().baseUrl.replace(/\/api\/v\d+$/, '') + url;
}

/** True while the resident still has the name given at sign-up (绿友000123). */
function isDefaultName(nickname) {
  return !nickname || DEFAULT_NAME.test(nickname);
}

/** The nickname as it will be sent, or an error message. */
function checkNickname(text) {
  const value = String(text || '').split(/\s+/).filter(Boolean).join(' ');
  if (!value) return { error: '请输入昵称' };
  if (value.length > MAX_NICKNAME) return { error: `昵称最多 ${MAX_NICKNAME} 个字` };
  return { value };
}

async function saveNickname(nickname) {
  const user = await api.call('setNickname', { data: { nickname } });
  session.updateUser(user);
  return user;
}

async function saveAvatar(filePath) {
  const user = await api.call('uploadAvatar', { filePath });
  session.updateUser(user);
  return user;
}

module.exports = { avatarSrc, isDefaultName, checkNickname, saveNickname, saveAvatar, MAX_NICKNAME };
