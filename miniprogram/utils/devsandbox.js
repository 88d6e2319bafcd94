/**
 * Development only: talk to the local WeChat sandbox started by `make run`.
 *
 * Used when config.get().devLoginCode is set (envVersion `develop` and a local base URL):
 * WeChat DevTools' wx.login gives real WeChat codes and wx.getWeRunData real WeChat
 * ciphertext, neither of which the sandbox can know. The sandbox mints login codes for
 * an openid we choose (kept in storage so the developer stays the same resident) and
 * encrypts WeRun data with that openid's current session_key.
 */

const OPENID_KEY = 'tph_dev_openid';

function sandboxError() {
  // Required lazily: api.js requires this module lazily too.
  const { ApiError } = require('./api');
  return new ApiError({ reason: 'dev_sandbox_unavailable' });
}

function post(url, data) {
  return new Promise((resolve, reject) => {
    wx.request({
      url,
      method: 'POST',
      data,
      header: { 'content-type': 'application/json' },
      timeout: 5000,
      success: (res) =>
        res.statusCode === 200 && res.data ? resolve(res.data) : reject(sandboxError()),
      fail: () => reject(sandboxError()),
    });
  });
}

/** The openid this developer logs in as (created once, or set from the dev panel). */
function devOpenid() {
  let openid = '';
  try {
    openid = wx.getStorageSync(OPENID_KEY);
  } catch (e) {
    openid = '';
  }
  if (!openid) {
    openid = `o-dev-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    wx.setStorageSync(OPENID_KEY, openid);
  }
  return openid;
}

function setDevOpenid(openid) {
  wx.setStorageSync(OPENID_KEY, String(openid || '').trim());
}

async function mintLoginCode(sandboxUrl) {
  const body = await post(`${sandboxUrl}/sandbox/login-code`, { openid: devOpenid() });
  if (!body.code) throw sandboxError();
  return body.code;
}

/** Midnight (Asia/Shanghai) of `daysAgo` days before now, in Unix seconds, as WeChat sends. */
function shanghaiMidnight(daysAgo, now) {
  const offset = 8 * 3600 * 1000;
  const local = new Date((now || Date.now()) + offset);
  const midnightUtc = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  return Math.floor((midnightUtc - offset) / 1000) - daysAgo * 86400;
}

/** A week of plausible steps, today last, shaped like WeChat's stepInfoList. */
function sampleStepInfoList(todaySteps) {
  const list = [];
  for (let daysAgo = 6; daysAgo >= 0; daysAgo -= 1) {
    const step = daysAgo === 0 ? todaySteps : 3000 + ((daysAgo * 1777) % 9000);
    list.push({ timestamp: shanghaiMidnight(daysAgo), step });
  }
  return list;
}

/** Encrypted WeRun data from the sandbox: resolves {encryptedData, iv} like wx.getWeRunData. */
async function weRunData(sandboxUrl, todaySteps) {
  const steps = Number(todaySteps) > 0 ? Number(todaySteps) : 6000;
  const body = await post(`${sandboxUrl}/sandbox/werun-data`, {
    openid: devOpenid(),
    step_info_list: sampleStepInfoList(steps),
  });
  return { encryptedData: body.encrypted_data, iv: body.iv };
}

module.exports = {
  OPENID_KEY,
  devOpenid,
  setDevOpenid,
  mintLoginCode,
  weRunData,
  sampleStepInfoList,
  shanghaiMidnight,
};
