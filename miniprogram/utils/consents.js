/**
 * Per-scenario consents (GET /me/consents, PUT /me/consents/{scenario}).
 * The answer is read tolerantly: `{items: [...]}` or a bare list, each item
 * `{scenario, granted, version, <time>}`.
 */

const api = require('./api');

function itemsOf(body) {
  if (Array.isArray(body)) return body;
  if (body && Array.isArray(body.items)) return body.items;
  if (body && Array.isArray(body.consents)) return body.consents;
  return [];
}

function timeOf(item) {
  return item.updated_at || item.granted_at || item.decided_at || item.created_at || item.at || '';
}

/** {scenario code: {granted, version, time}} */
function toMap(body) {
  const map = {};
  itemsOf(body).forEach((item) => {
    if (item && item.scenario) {
      map[item.scenario] = { granted: !!item.granted, version: item.version || '', time: timeOf(item) };
    }
  });
  return map;
}

async function load() {
  return toMap(await api.call('consents'));
}

async function set(scenario, granted) {
  return api.call('setConsent', { params: { scenario }, data: { granted: !!granted } });
}

module.exports = { itemsOf, toMap, load, set };
