/** Answers shaped like the backend's schemas (app/carbon, app/mall, app/ledger). */

const SCENARIOS = [
  { code: 'clean_plate', name: '光盘打卡', unit: 'meal', g_co2e_per_unit: 144, points_rule: '5 per meal', evidence: ['photo'], daily_cap: 2, fractional: false, methodology_version: 1 },
  { code: 'bus_ride', name: '公交出行', unit: 'ride', g_co2e_per_unit: 80, points_rule: '10 per ride', evidence: ['qr', 'partner'], daily_cap: 4, fractional: false, methodology_version: 1 },
  { code: 'walk_steps', name: '低碳步行', unit: 'step', g_co2e_per_unit: 0.0164, points_rule: '1 per 500 steps', evidence: ['werun'], daily_cap: 20000, fractional: false, methodology_version: 1 },
  { code: 'old_clothes', name: '旧衣回收', unit: 'kg', g_co2e_per_unit: 1280, points_rule: '30 per kg', evidence: ['photo', 'qr'], daily_cap: 20, fractional: true, methodology_version: 1 },
  { code: 'metro_km', name: '地铁出行', unit: 'passenger-km', g_co2e_per_unit: 46.7, points_rule: '1 per 8 g', evidence: ['partner'], daily_cap: 60, fractional: true, methodology_version: 1 },
];

function nowIso(offsetMs = 0) {
  return new Date(Date.now() + offsetMs).toISOString();
}

const OFFER = {
  id: 42,
  merchant: { id: 3, name: '绿叶咖啡' },
  title: '美式咖啡一杯',
  description: '到店出示券码兑换中杯美式',
  points_price: 300,
  stock_total: 100,
  stock_left: 37,
  per_user_limit: 2,
  valid_days: 30,
  valid_until: null,
  flash_sale: false,
  cancel_policy: 'cancellable',
};

function coupon(overrides = {}) {
  return {
    id: 9,
    offer_id: 42,
    title: '美式咖啡一杯',
    merchant: { id: 3, name: '绿叶咖啡' },
    code: 'Vx3kQ9_pL2mN8rT-aB4cD6eF1gHjK', // like secrets.token_urlsafe(20)
    short_code: '1234567890',
    status: 'issued',
    points_price: 300,
    expires_at: nowIso(30 * 86400000),
    created_at: nowIso(),
    used_at: null,
    ...overrides,
  };
}

module.exports = { SCENARIOS, OFFER, coupon, nowIso };
