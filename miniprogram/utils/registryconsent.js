/**
 * The aggregation consent ("my reductions may be aggregated and transferred",
 * GET/PUT /me/registry-consent): asked once per text version, at a calm moment (the
 * records page, or after a check-in's result is closed), never blocking anything.
 *
 * The server decides whether to ask (`needs_answer`: never answered, or a new version of
 * the text); an answer, yes or no, is final until the resident changes it on 「授权与隐私」.
 * Within one run of the mini-program we ask the server at most until it says "answered",
 * so moving between pages costs no extra request.
 */

const api = require('./api');
const ui = require('./ui');

let settled = false; // the server has an answer for the current version (this run)
let pending = null; // the GET under way, shared by pages asking at the same time
let showing = false; // a sheet is open on some page

/** The consent state (GET), remembering when no question is needed. */
async function load() {
  const state = await api.call('registryConsent');
  if (state && !state.needs_answer) settled = true;
  return state;
}

/** The state to ask about, or null (answered, already asking, or the server is unreachable). */
async function toAsk() {
  if (settled || showing) return null;
  if (!pending) {
    pending = load().then(
      (state) => {
        pending = null;
        return state;
      },
      () => {
        pending = null;
        return null; // try again at the next calm moment
      },
    );
  }
  const state = await pending;
  if (!state || !state.needs_answer || settled || showing) return null;
  return state;
}

/** Grant or refuse (PUT {granted}); resolves the new state. Throws ApiError. */
async function answer(granted) {
  const state = await api.call('setRegistryConsent', { data: { granted: !!granted } });
  settled = true;
  return state;
}

/** Page methods for the consent sheet (data key `consentSheet`); spread into Page({...}). */
const pageMethods = {
  async askRegistryConsent() {
    const state = await toAsk();
    if (!state) return false;
    showing = true;
    this.setData({ consentSheet: { text: state.text, version: state.current_version, saving: false } });
    return true;
  },

  onConsentAgree() {
    return this.answerRegistryConsent(true);
  },

  onConsentDecline() {
    return this.answerRegistryConsent(false);
  },

  async answerRegistryConsent(granted) {
    const sheet = this.data.consentSheet;
    if (!sheet || sheet.saving) return;
    this.setData({ 'consentSheet.saving': true });
    try {
      await answer(granted);
      showing = false;
      this.setData({ consentSheet: null });
      ui.toast(granted ? '感谢你的同意' : '好的，你的积分不受影响，可随时在「授权与隐私」中修改');
    } catch (err) {
      this.setData({ 'consentSheet.saving': false });
      ui.showError(err, '没有保存成功');
    }
  },

  /** The page goes away with the sheet open: not an answer, ask again another time. */
  releaseRegistryConsent() {
    if (this.data.consentSheet) showing = false;
  },
};

module.exports = { load, toAsk, answer, pageMethods };
