/**
 * Subscribe messages (订阅消息): WeChat delivers a notice only if the resident accepted
 * its template with wx.requestSubscribeMessage, and that call only works inside a tap.
 *
 * So the template ids (GET /notice-templates) are loaded ahead with `preload()` when a
 * page shows, and `ask(kinds)` is called first thing in the tap handler of an action that
 * leads to a notice, before anything is awaited:
 *   - checkin_review: a photo check-in or a declared quantity (an operator reviews it;
 *     a refusal is told with the operator's note)
 *   - merchant_application: applying to join the alliance (approved or why not)
 *   - tree_replaced: adopting a tree (told if it dies and is replaced)
 * `ask` never fails and never blocks the action: a refusal, an old WeChat or ids not
 * loaded yet only mean no notice.
 */

const api = require('./api');

let templates = null; // kind -> template id
let loading = null;

/** Load the template ids once per run (again after a failure). Resolves the map. */
function preload() {
  if (templates) return Promise.resolve(templates);
  if (!loading) {
    loading = api
      .call('noticeTemplates')
      .then((body) => {
        const map = {};
        ((body && body.items) || []).forEach((item) => {
          if (item && item.kind && item.template_id) map[item.kind] = item.template_id;
        });
        templates = map;
        return map;
      })
      .catch(() => ({}))
      .then((map) => {
        loading = null;
        return map;
      });
  }
  return loading;
}

/**
 * Ask for the templates of `kinds`, synchronously inside the caller's tap. Resolves
 * {accepted: [kind...], asked: bool}; never rejects.
 */
function ask(kinds) {
  const wanted = (kinds || []).filter((kind) => templates && templates[kind]);
  if (!wanted.length || typeof wx.requestSubscribeMessage !== 'function') {
    return Promise.resolve({ accepted: [], asked: false });
  }
  const ids = wanted.map((kind) => templates[kind]);
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds: ids,
      success: (res) => resolve({ accepted: wanted.filter((kind) => res && res[templates[kind]] === 'accept'), asked: true }),
      fail: () => resolve({ accepted: [], asked: true }),
    });
  });
}

/** Forget the loaded ids (tests; a new run starts empty anyway). */
function reset() {
  templates = null;
  loading = null;
}

module.exports = { preload, ask, reset };
