/**
 * The login session kept in storage: bearer token, its expiry and the user with roles.
 * Only utils/api.js writes it; pages read roles through `currentUser()` / `hasRole()`.
 */

const SESSION_KEY = 'tph_session';
// Re-login a little before the token expires so that a request never races the expiry.
const EXPIRY_MARGIN_MS = 60 * 1000;

function read() {
  try {
    const value = wx.getStorageSync(SESSION_KEY);
    return value && typeof value === 'object' ? value : null;
  } catch (e) {
    return null;
  }
}

function save(login) {
  const session = {
    token: login.token,
    expiresAt: Date.now() + (Number(login.expires_in) || 0) * 1000,
    user: login.user || null,
  };
  wx.setStorageSync(SESSION_KEY, session);
  return session;
}

function updateUser(user) {
  const session = read();
  if (!session) return null;
  session.user = user;
  wx.setStorageSync(SESSION_KEY, session);
  return session;
}

function clear() {
  try {
    wx.removeStorageSync(SESSION_KEY);
  } catch (e) {
    // storage unavailable: nothing to clear
  }
}

/** The token if it is still usable, else null. */
function validToken() {
  const session = read();
  if (!session || !session.token) return null;
  if (session.expiresAt && session.expiresAt - EXPIRY_MARGIN_MS <= Date.now()) return null;
  return session.token;
}

function currentUser() {
  const session = read();
  return (session && session.user) || null;
}

function hasRole(role) {
  const user = currentUser();
  return !!(user && Array.isArray(user.roles) && user.roles.indexOf(role) >= 0);
}

function isMerchantStaff() {
  return hasRole('merchant_owner') || hasRole('merchant_clerk');
}

module.exports = {
  SESSION_KEY,
  read,
  save,
  updateUser,
  clear,
  validToken,
  currentUser,
  hasRole,
  isMerchantStaff,
};
