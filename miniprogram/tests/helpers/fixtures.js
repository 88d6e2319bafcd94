/** Answers shaped like the backend's schemas (app/carbon, app/mall, app/ledger, app/registry). */

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

const CONSENT_TEXT =
  '我同意：我的低碳行为产生的减排量，可以与其他居民的减排量汇总，经第三方核查后登记为核证减排量，并可转让或注销，用于企业、活动或个人的碳中和。我的积分不受影响；公开信息中不会出现我的身份，我可以随时撤回，撤回后不再纳入今后的批次。';

/** GET /me/registry-consent (RegistryConsentSchema). */
function registryConsent(overrides = {}) {
  const state = { granted: false, version: null, current_version: '2026-12', text: CONSENT_TEXT, updated_at: null, ...overrides };
  return { ...state, needs_answer: state.version !== state.current_version };
}

const SERIAL = 'CN-XX-PH-P001-20261101-20261130-001';
const PSEUDONYM = '3f9a1c0b7d2e4a65';

/** A batch (BatchSchema) in `status`; issued batches have their serial and units. */
function batch(status = 'issued', overrides = {}) {
  const issued = status === 'issued';
  return {
    id: 5,
    programme: { id: 1, code: 'P001', name: '公交出行（方法学 v1）', scenario: 'bus_ride', methodology_version: 1 },
    seq: 1,
    period_start: '2026-11-01',
    period_end: '2026-11-30',
    status,
    member_count: 1200,
    carbon_g: 2412000,
    tco2e: 2.412,
    merkle_root: 'a3f1c9e07b5d2468ace013579bdf2468ace013579bdf2468ace013579bdf2468',
    verifier: status === 'draft' ? null : '中碳核查（北京）有限公司',
    serial: issued ? SERIAL : '',
    units: issued ? 2412 : 0,
    buffer_units: issued ? 121 : 0,
    issued_at: issued ? '2026-12-20T02:00:00Z' : null,
    ...overrides,
  };
}

/** One item of GET /me/reductions (ReductionSchema). */
function reduction(recordId, status = 'issued', overrides = {}) {
  return {
    record_id: recordId,
    scenario: 'bus_ride',
    scenario_name: '公交出行',
    carbon_g: 80,
    day: '2026-11-08',
    batch: batch(status, overrides.batch),
    leaf_data: `["tph-leaf-1",${recordId},"bus_ride",1,80000,"2026-11-08","qr","${PSEUDONYM}"]`,
    leaf_hash: '9c0e7b3a5d1f2468ace013579bdf2468ace013579bdf2468ace013579bdf2468',
    proof: [{ side: 'right', hash: '1111111111111111111111111111111111111111111111111111111111111111' }],
    revoked: false,
    fate: status === 'issued' ? { held: [{ holder: '碳普惠平台', kg: 2291 }], buffer_kg: 121, cancelled_kg: 0, retired: [] } : null,
    ...overrides,
    ...(overrides.batch ? { batch: batch(status, overrides.batch) } : {}),
  };
}

module.exports = { SCENARIOS, OFFER, coupon, nowIso, CONSENT_TEXT, registryConsent, batch, reduction, SERIAL, PSEUDONYM };
