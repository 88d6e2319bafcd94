/**
 * Fresh module state per test: a new `wx` (see wx.js) wired to a new fake backend, and a
 * clean require cache so the API client's in-memory state (login, pending keys) resets.
 */

const { createWx, flush } = require('./wx');
const { createBackend } = require('./backend');

function setup(options = {}) {
  jest.resetModules();
  const backend = options.backend || createBackend(options);
  const wx = createWx({ envVersion: options.envVersion || 'release', server: backend.server });
  global.wx = wx;
  global.getApp = () => ({ globalData: {} });
  return { wx, backend, flush };
}

/** Store a session as if the user had logged in earlier. */
function loggedIn(env, token = 'tok-old', user) {
  env.backend.state.tokens.add(token);
  env.wx.setStorageSync('tph_session', {
    token,
    expiresAt: Date.now() + 3600 * 1000,
    user: user || env.backend.state.user,
  });
  return token;
}

module.exports = { setup, loggedIn, flush };
