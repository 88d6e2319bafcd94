/**
 * Scenario helpers: which evidence a scenario accepts, and its rules in plain Chinese.
 * GET /scenarios gives `evidence` as a list or a "qr|photo" string, and `points_rule` /
 * `daily_cap` as short English rules ("5 per meal", "1 per 500 steps", "2 meals").
 */

const UNIT_LABELS = {
  meal: '餐',
  ride: '次',
  step: '步',
  steps: '步',
  kg: '千克',
  'passenger-km': '公里',
  km: '公里',
  order: '单',
  box: '个',
  boxes: '个',
  invoice: '张',
  bill: '份',
  payment: '笔',
  kWh: '度',
  kwh: '度',
  phone: '部',
  tree: '棵',
  g: '克',
};

const ICONS = {
  clean_plate: '🍽️',
  bus_ride: '🚌',
  walk_steps: '👟',
  old_clothes: '👕',
  metro_km: '🚇',
  metro_ride: '🚇',
  ebus_km: '🚎',
  bike_share_km: '🚲',
  no_cutlery_takeaway: '🥡',
  hotel_no_disposables: '🏨',
  parcel_box_return: '📦',
  e_invoice: '🧾',
  e_bill: '📨',
  online_utility_payment: '💡',
  online_ticket: '🎫',
  electricity_saved_kwh: '🔌',
  rooftop_pv_kwh: '☀️',
  secondhand_phone: '📱',
  tree_adoption: '🌳',
};

// Units counted in whole numbers; others (kg, km, kWh) accept one decimal.
const WHOLE_UNITS = ['meal', 'ride', 'step', 'steps', 'order', 'box', 'invoice', 'bill',
  'payment', 'phone', 'tree'];

function evidenceTypes(scenario) {
  const raw = scenario && scenario.evidence;
  const list = Array.isArray(raw) ? raw : String(raw || '').split(/[|,\s]+/);
  return list.map((item) => String(item).trim().toLowerCase()).filter(Boolean);
}

function accepts(scenario, type) {
  return evidenceTypes(scenario).indexOf(type) >= 0;
}

function unitLabel(unit) {
  return UNIT_LABELS[unit] || unit || '次';
}

function icon(code) {
  return ICONS[code] || '🌱';
}

function isWholeUnit(unit) {
  return WHOLE_UNITS.indexOf(unit) >= 0;
}

/** "5 per meal" -> 每餐 5 积分; "1 per 500 steps" -> 每 500 步 1 积分; "1 per 8 g" -> 每减碳 8 克 1 积分. */
function pointsRuleText(rule) {
  if (rule === null || rule === undefined || rule === '') return '';
  if (typeof rule === 'number') return `每次 ${rule} 积分`;
  if (typeof rule === 'object') {
    const points = rule.points !== undefined ? rule.points : rule.amount;
    return points !== undefined ? `${points} 积分` : '';
  }
  const text = String(rule).trim();
  const match = text.match(/^(\d+(?:\.\d+)?)\s*per\s*(\d+(?:\.\d+)?)?\s*([\w-]+)$/i);
  if (!match) return text === '0' ? '不计积分' : text;
  const [, points, count, unit] = match;
  if (unit === 'g') return `每减碳 ${count || 1} 克得 ${points} 积分`;
  const label = unitLabel(unit);
  return count ? `每 ${count} ${label} ${points} 积分` : `每${label} ${points} 积分`;
}

/** "2 meals" -> 每天最多 2 餐; 20000 (number) with unit step -> 每天最多 20000 步. */
function dailyCapText(cap, unit) {
  if (cap === null || cap === undefined || cap === '') return '';
  if (typeof cap === 'number') return `每天最多 ${cap} ${unitLabel(unit)}`;
  const match = String(cap).trim().match(/^(\d+(?:\.\d+)?)\s*([\w-]+)?$/);
  if (!match) return String(cap);
  const word = (match[2] || unit || '').replace(/s$/, '');
  return `每天最多 ${match[1]} ${unitLabel(UNIT_LABELS[word] ? word : match[2] || unit)}`;
}

/** Grams per unit, e.g. 144 g/餐. */
function factorText(scenario) {
  const grams = Number(scenario && scenario.g_co2e_per_unit);
  if (!grams) return '';
  return `${grams} g/${unitLabel(scenario.unit)}`;
}

/** Scenarios prepared for display: icon, accepted evidence and rule texts. */
function decorate(scenarios) {
  return (scenarios || []).map((s) => ({
    ...s,
    icon: icon(s.code),
    evidenceTypes: evidenceTypes(s),
    canScan: accepts(s, 'qr'),
    canPhoto: accepts(s, 'photo'),
    isWeRun: accepts(s, 'werun'),
    isPartner: accepts(s, 'partner'),
    wholeUnit: isWholeUnit(s.unit),
    unitLabel: unitLabel(s.unit),
    ruleText: pointsRuleText(s.points_rule),
    capText: dailyCapText(s.daily_cap, s.unit),
    factorText: factorText(s),
  }));
}

module.exports = {
  evidenceTypes,
  accepts,
  unitLabel,
  icon,
  isWholeUnit,
  pointsRuleText,
  dailyCapText,
  factorText,
  decorate,
};

// ---- loading (cached for a few minutes: scenarios change rarely) ----
const CACHE_MS = 5 * 60 * 1000;
let cache = null;

/** Decorated scenarios from GET /scenarios (cached; `force` refetches). */
async function load(force) {
  if (!force && cache && Date.now() - cache.at < CACHE_MS) return cache.items;
  const api = require('./api');
  const body = await api.call('scenarios');
  const items = decorate((body && body.items) || []).filter((s) => s.active !== false);
  cache = { at: Date.now(), items };
  return items;
}

function byCode(items) {
  const map = {};
  (items || []).forEach((s) => {
    map[s.code] = s;
  });
  return map;
}

/** What a live campaign gives, in a few words: 积分×2 / 额外 +20 积分 / 前 100 名额外 +20 积分. */
function campaignText(campaign) {
  const parts = [];
  const multiplier = Number(campaign.multiplier) || 1;
  if (multiplier > 1) parts.push(`积分×${multiplier}`);
  const bonus = Number(campaign.bonus_points) || 0;
  if (bonus > 0) parts.push(`${campaign.first_n ? `前 ${campaign.first_n} 名` : ''}额外 +${bonus} 积分`);
  return parts.join('，');
}

/** {scenario code: [{name, text}]} for the campaigns running now. */
function campaignsByScenario(campaigns) {
  const map = {};
  (campaigns || []).forEach((campaign) => {
    const text = campaignText(campaign);
    if (!text) return;
    (campaign.scenarios || []).forEach((code) => {
      (map[code] = map[code] || []).push({ name: campaign.name, text });
    });
  });
  return map;
}

module.exports.load = load;
module.exports.campaignText = campaignText;
module.exports.campaignsByScenario = campaignsByScenario;
module.exports.byCode = byCode;
