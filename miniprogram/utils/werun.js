/**
 * WeRun sync: consent -> scope.werun -> wx.getWeRunData -> POST /werun/sync.
 *
 * The server decrypts the data with the session_key of the user's LATEST wx.login, so we
 * make sure that session is current (wx.checkSession, else log in again) and, if the
 * server still says `invalid_encrypted_data`, log in once more and retry with fresh data.
 * In development against the local sandbox, the sandbox encrypts the data (see
 * utils/devsandbox.js).
 */

const api = require('./api');
const config = require('../config');
const consents = require('./consents');
const devsandbox = require('./devsandbox');
const ui = require('./ui');

const DEV_STEPS_KEY = 'tph_dev_steps';

function wxCall(name, options) {
  return new Promise((resolve, reject) => {
    wx[name]({ ...(options || {}), success: resolve, fail: reject });
  });
}

function fail(reason) {
  return new api.ApiError({ reason });
}

/** Ask once for the scenario consent (kept on the server with version and time). */
async function ensureConsent(scenarioCode) {
  const map = await consents.load();
  if (map[scenarioCode] && map[scenarioCode].granted) return true;
  const agreed = await ui.confirm({
    title: '开启步行减碳',
    content:
      '同步后，我们会读取你最近 30 天微信运动的每日步数总数，用于计算步行减碳量和积分。' +
      '不读取位置和轨迹，可随时在「授权与隐私」中关闭。',
    confirmText: '同意并同步',
  });
  if (!agreed) return false;
  await consents.set(scenarioCode, true);
  return true;
}

/** If the user refused scope.werun before, WeChat will not ask again: send them to settings. */
async function ensureScope() {
  const setting = await wxCall('getSetting').catch(() => ({ authSetting: {} }));
  if ((setting.authSetting || {})['scope.werun'] !== false) return;
  const go = await ui.confirm({
    title: '需要微信运动权限',
    content: '你之前拒绝了读取微信运动步数。请在设置中打开「微信运动步数」后再同步。',
    confirmText: '去设置',
  });
  if (!go) throw fail('werun_denied');
  const res = await wxCall('openSetting').catch(() => ({ authSetting: {} }));
  if (!(res.authSetting || {})['scope.werun']) throw fail('werun_denied');
}

function sessionIsFresh() {
  return new Promise((resolve) => {
    wx.checkSession({ success: () => resolve(true), fail: () => resolve(false) });
  });
}

function devSteps() {
  try {
    return Number(wx.getStorageSync(DEV_STEPS_KEY)) || 6800;
  } catch (e) {
    return 6800;
  }
}

async function readData() {
  const dev = config.get().devLoginCode;
  if (dev) {
    try {
      return await devsandbox.weRunData(dev.sandboxUrl, devSteps());
    } catch (e) {
      // The sandbox forgets sessions when it restarts: log in again and ask once more.
      await api.login();
      return devsandbox.weRunData(dev.sandboxUrl, devSteps());
    }
  }
  if (!(await sessionIsFresh())) await api.login();
  try {
    const res = await wxCall('getWeRunData');
    return { encryptedData: res.encryptedData, iv: res.iv };
  } catch (err) {
    const text = (err && err.errMsg) || '';
    if (/privacy|104/.test(text)) throw fail('privacy_denied');
    if (/auth deny|auth denied|authorize/.test(text)) throw fail('werun_denied');
    throw fail('werun_unavailable');
  }
}

function post(data) {
  return api.call('werunSync', { data: { encrypted_data: data.encryptedData, iv: data.iv } });
}

/**
 * Sync WeRun for the walking scenario. Resolves the server's `{days: [...]}`, or null
 * when the user declined the consent.
 */
async function sync(scenarioCode) {
  if (!(await ensureConsent(scenarioCode))) return null;
  await ensureScope();
  try {
    return await post(await readData());
  } catch (err) {
    if (err.reason !== 'invalid_encrypted_data' && err.reason !== 'stale_data') throw err;
    await api.login(); // a fresh session_key on the server, then fresh data
    return post(await readData());
  }
}

/** Totals of a sync answer for the result card. */
function summarize(result, today) {
  const days = (result && Array.isArray(result.days) ? result.days : []).slice();
  days.sort((a, b) => String(b.date).localeCompare(String(a.date)));
  const todayRow = days.find((d) => d.date === today) || null;
  const points = days.reduce((sum, d) => sum + (Number(d.points) || 0), 0);
  const carbonG = days.reduce((sum, d) => sum + (Number(d.carbon_g) || 0), 0);
  return { days, today: todayRow, points, carbonG };
}

module.exports = { DEV_STEPS_KEY, ensureConsent, ensureScope, readData, sync, summarize };
