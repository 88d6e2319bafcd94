/** Answers shaped like the backend's schemas (app/carbon, app/mall, app/ledger, app/registry, app/sinks, app/events). */

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

// ---------------------------------------------------------------- carbon sinks (app/sinks)

const METHODOLOGY = {
  code: 'forest_tree_default',
  version: 1,
  name: '造林树木（每株，缺省值）',
  kind: 'forest',
  basis: 'tree',
  kg_per_year: 22,
  status: 'illustrative',
  source: 'European Environment Agency (2012)',
};

/** GET /sinks/projects item (SinkProjectSchema). */
function sinkProject(overrides = {}) {
  return {
    id: 3,
    code: 'NM-FOREST-1',
    name: '乌兰察布防护林',
    kind: 'forest',
    region: '内蒙古乌兰察布',
    description: '京津风沙源治理工程的樟子松防护林',
    owner_holder_id: 8,
    methodology: METHODOLOGY,
    adoption_points: 100,
    programme_id: 4,
    estimated_kg_per_year: 220,
    ...overrides,
  };
}

/** GET /sinks/projects/{id}/trees item (TreeSchema); `place: false` for no coordinates. */
function tree(id, overrides = {}) {
  return {
    id,
    code: `T${String(id).padStart(3, '0')}`,
    species: '樟子松',
    location: '察右前旗 2 号地块',
    latitude_e6: 40990000 + id * 100,
    longitude_e6: 113120000 + id * 100,
    photo_url: '',
    planted_year: 2020,
    status: 'alive',
    spare: false,
    adopted: false,
    ...overrides,
  };
}

const CERT_ID = 'RT7K2M9Q4W8E1R';

/** GET /me/adoptions item (AdoptionSchema); `credited` adds the verified year. */
function adoption(id, overrides = {}, credited = false) {
  return {
    id,
    year: 2025,
    status: 'active',
    points: 100,
    tree: tree(id),
    project: { id: 3, code: 'NM-FOREST-1', name: '乌兰察布防护林', kind: 'forest', region: '内蒙古乌兰察布' },
    estimated_kg: 22,
    credit: credited ? { carbon_kg: 18.4, year: 2025, batch_id: 12, certificate_id: CERT_ID } : null,
    ...overrides,
  };
}

// ---------------------------------------------------------------- personal offsets

/** GET /offset-pools item (PoolSchema). */
function pool(id, overrides = {}) {
  return { id, name: '森林碳汇·一元碳汇', kind: 'sink', points_per_kg: 10, holder_id: 8, active: true, available_kg: 209, ...overrides };
}

/** POST/GET /me/offsets item (PersonalOffsetSchema). */
function offset(id, overrides = {}) {
  return { id, pool_id: 1, kg: 3, points: 30, certificate_id: `RTOFFSET${id}`, created_at: '2026-03-08T02:00:00Z', ...overrides };
}

// ---------------------------------------------------------------- events

const EVENT_ID = 'EV3F9A1C0B7D';
const EVENT_TOKEN = `TPE1.${EVENT_ID}.1.AbCdEfGhIjKlMnOpQrStUv`;

/** GET /public/events/{public_id} (PublicEventSchema). */
function publicEvent(overrides = {}) {
  return {
    event: {
      id: 5,
      public_id: EVENT_ID,
      name: '2026 绿色发展论坛',
      kind: 'forum',
      starts_on: '2026-05-08',
      ends_on: '2026-05-09',
      venue: '市会展中心',
      expected_attendees: 100,
      plan: '无纸化会议、公共交通接驳',
      stage: 'planned',
      total_kg: 0,
      default_mode_factor: 'travel_car',
      default_trip_km: 20,
      accounted_at: null,
      checked_at: null,
      offset_at: null,
      created_at: '2026-04-01T02:00:00Z',
      ...(overrides.event || {}),
    },
    organiser: '论坛组委会',
    lines: [],
    by_source: [],
    total_kg: 0,
    required_kg: 0,
    retired_kg: 0,
    overdue: false,
    checked: false,
    verifier: null,
    retirements: [],
  };
}

// ---------------------------------------------------------------- issue 17

/** A merchant as residents see it (MerchantPlaceSchema); GCJ-02 degrees x 1e6. */
function merchantPlace(id, overrides = {}) {
  return {
    id,
    name: `联盟商户${id}`,
    description: '',
    address: `江阳区滨江路 ${id} 号`,
    phone: '0830-1234567',
    opening_hours: '每天 9:00-21:00',
    latitude_e6: 28871000 + id * 1000,
    longitude_e6: 105443000,
    ...overrides,
  };
}

/** The merchant of an offer or coupon (OfferMerchantSchema): a place without the description. */
function offerMerchant(id, overrides = {}) {
  const { description, ...place } = merchantPlace(id, overrides);
  return place;
}

/** An alliance application (ApplicationSchema). */
function application(id, overrides = {}) {
  return {
    id,
    user_id: 7,
    name: '绿叶便利店',
    description: '',
    address: '江阳区酒城大道 88 号',
    phone: '0830-1234567',
    opening_hours: '每天 8:00-22:00',
    latitude_e6: 28871234,
    longitude_e6: 105443210,
    licence_upload_id: 'ab'.repeat(16),
    status: 'pending',
    review_note: '',
    merchant_id: null,
    created_at: nowIso(),
    decided_at: null,
    ...overrides,
  };
}

const PARTNER = { code: 'green-bike', name: '青桔单车', scenarios: ['bus_ride', 'metro_km'] };

/** POST /me/partner-bindings (BindResultSchema). */
function bindResult(paid = { credited: 2, points: 20, lapsed: 1 }) {
  return { partner: PARTNER, partner_user_id: 'U-1001', bound_at: nowIso(), consented: PARTNER.scenarios, paid };
}

const NOTICE_TEMPLATES = {
  items: [
    { kind: 'checkin_review', template_id: 'tmpl-review', sent_when: 'x' },
    { kind: 'merchant_application', template_id: 'tmpl-application', sent_when: 'x' },
    { kind: 'tree_replaced', template_id: 'tmpl-tree', sent_when: 'x' },
  ],
};

module.exports = {
  merchantPlace,
  offerMerchant,
  application,
  PARTNER,
  bindResult,
  NOTICE_TEMPLATES,
  sinkProject,
  tree,
  adoption,
  CERT_ID,
  pool,
  offset,
  EVENT_ID,
  EVENT_TOKEN,
  publicEvent,
  SCENARIOS,
  OFFER,
  coupon,
  nowIso,
  CONSENT_TEXT,
  registryConsent,
  batch,
  reduction,
  SERIAL,
  PSEUDONYM,
};
