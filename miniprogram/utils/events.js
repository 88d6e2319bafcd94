/**
 * Zero-carbon events (零碳活动): an attendee scans the event's QR (`TPE1.<public id>.<n>.<sig>`,
 * or the `e=<public id>.<sig>` scene of its mini-program code)
 * and says how they came and the round trip, which replaces the organiser's default
 * assumption (a car) in the event's accounting. It pays no points: the trip itself earns
 * its points through the usual check-ins (bus QR, WeRun steps...).
 */

const MODES = [
  { key: 'metro', label: '地铁', icon: '🚇' },
  { key: 'bus', label: '公交', icon: '🚌' },
  { key: 'bike', label: '骑行', icon: '🚲' },
  { key: 'walk', label: '步行', icon: '🚶' },
];
const MAX_KM = 5000; // the API's limit for a round trip
const TOKEN = /^TPE1\.([A-Z0-9]{6,16})\.(\d{1,6})\.([A-Za-z0-9_-]{22})$/;
const SCENE = /^e=([A-Z0-9]{6,16})\.([A-Za-z0-9_-]{12,16})$/;
const STAGES = { planned: '筹备中', held: '已举办', accounted: '已核算', offset: '已碳中和' };

/** True when `text` is an event's check-in code (and not a check-in site's). */
function isEventToken(text) {
  const value = String(text || '').trim();
  return TOKEN.test(value) || SCENE.test(value);
}

/** The event's public id in a token, or ''. */
function publicIdOf(token) {
  const value = String(token || '').trim();
  const match = TOKEN.exec(value) || SCENE.exec(value);
  return match ? match[1] : '';
}

/** The token a page was opened with: ?event=<token> or a mini-program code's ?scene=. */
function tokenFromOptions(options) {
  const raw = (options && (options.event || options.scene)) || '';
  let text = String(raw);
  try {
    text = decodeURIComponent(text);
  } catch (e) {
    // not encoded
  }
  return text.trim();
}

/** Round-trip kilometres typed by the attendee: > 0, <= 5000, three decimals at most. */
function parseDistance(text) {
  const trimmed = String(text === undefined || text === null ? '' : text).trim();
  if (!/^\d+(\.\d{1,3})?$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return value > 0 && value <= MAX_KM ? value : null;
}

function modeOf(key) {
  return MODES.find((m) => m.key === key) || null;
}

/** A day 'YYYY-MM-DD' as 2026年5月8日 (calendar dates, no time zone). */
function dayText(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(text || ''));
  return match ? `${Number(match[1])}年${Number(match[2])}月${Number(match[3])}日` : '';
}

/** The event header from GET /public/events/{public_id}. */
function eventView(body) {
  const event = (body && body.event) || {};
  const start = dayText(event.starts_on);
  const end = dayText(event.ends_on);
  return {
    name: event.name || '零碳活动',
    organiser: (body && body.organiser) || '',
    venue: event.venue || '',
    dates: start && end && start !== end ? `${start}—${end}` : start,
    stageText: STAGES[event.stage] || '',
    // The server decides; this only spares a form that would be refused.
    closed: event.stage === 'accounted' || event.stage === 'offset',
  };
}

module.exports = { MODES, MAX_KM, isEventToken, publicIdOf, tokenFromOptions, parseDistance, modeOf, eventView };
