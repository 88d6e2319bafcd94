/**
 * Where the API lives, chosen by the mini-program's environment.
 *
 * `wx.getAccountInfoSync().miniProgram.envVersion` is `develop` in WeChat DevTools and
 * on a developer's preview, `trial` for the 体验版 and `release` once published.
 *
 * `devLoginCode` (develop + a local base URL only): WeChat DevTools' wx.login returns
 * real WeChat codes that the local WeChat sandbox (started by `make run`) does not know,
 * so in that case the client asks the sandbox for a login code instead
 * (POST {sandboxUrl}/sandbox/login-code) and WeRun data is built by the sandbox too.
 * The develop build's URLs are the ones `make run` last served on (`local-backend.js`).
 */

const PROD_BASE_URL = 'https://tanpuhui.example.com/api/v1'; // placeholder: set before release

// `make run` writes `local-backend.js` (not committed) with the ports it serves on
// (TPH_PORT, TPH_SANDBOX_PORT); without it, the defaults 8000 and 8765.
const LOCAL_DEFAULT = { baseUrl: 'http://127.0.0.1:8000/api/v1', sandboxUrl: 'http://127.0.0.1:8765' };

function localBackend() {
  try {
    const written = require('./local-backend'); // optional: absent in a fresh clone
    return { ...LOCAL_DEFAULT, ...written };
  } catch (e) {
    return LOCAL_DEFAULT;
  }
}

const LOCAL = localBackend();

const ENVIRONMENTS = {
  develop: {
    baseUrl: LOCAL.baseUrl,
    devLoginCode: LOCAL.sandboxUrl ? { sandboxUrl: LOCAL.sandboxUrl } : null,
  },
  trial: { baseUrl: PROD_BASE_URL, devLoginCode: null },
  release: { baseUrl: PROD_BASE_URL, devLoginCode: null },
};

const REQUEST_TIMEOUT_MS = 15000;
// Developers may point a develop build at another backend (e.g. a LAN address for a
// real-phone preview) from the dev panel on the 「我的」 page; stored under this key.
const BASE_URL_OVERRIDE_KEY = 'tph_dev_base_url';

function envVersion() {
  try {
    const info = wx.getAccountInfoSync();
    return (info && info.miniProgram && info.miniProgram.envVersion) || 'release';
  } catch (e) {
    return 'release';
  }
}

function isLocalUrl(url) {
  return /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(url || '');
}

function readOverride(env) {
  if (env !== 'develop') return '';
  try {
    return wx.getStorageSync(BASE_URL_OVERRIDE_KEY) || '';
  } catch (e) {
    return '';
  }
}

/** The configuration in force now: {env, baseUrl, devLoginCode, timeout}. */
function get() {
  const env = envVersion();
  const preset = ENVIRONMENTS[env] || ENVIRONMENTS.release;
  const baseUrl = (readOverride(env) || preset.baseUrl).replace(/\/+$/, '');
  const devLoginCode =
    env === 'develop' && preset.devLoginCode && isLocalUrl(baseUrl) ? preset.devLoginCode : null;
  return { env, baseUrl, devLoginCode, timeout: REQUEST_TIMEOUT_MS };
}

module.exports = {
  ENVIRONMENTS,
  BASE_URL_OVERRIDE_KEY,
  PROD_BASE_URL,
  get,
  envVersion,
  isLocalUrl,
};
