/** Formatting (Asia/Shanghai days), equivalences, scenario rules, bubbles, dev sandbox. */

const { createWx } = require('./helpers/wx');

beforeEach(() => {
  jest.resetModules();
  global.wx = createWx();
});

test('carbon is shown in g, kg or 吨 and split for headlines', () => {
  const format = require('../utils/format');
  expect(format.carbon(0)).toBe('0 g');
  expect(format.carbon(8.2)).toBe('8.2 g');
  expect(format.carbon(144)).toBe('144 g');
  expect(format.carbon(1280)).toBe('1.28 kg');
  expect(format.carbon(2500000)).toBe('2.5 吨');
  expect(format.carbonParts(1488.2)).toEqual({ value: '1.49', unit: 'kg' });
  expect(format.signedPoints(5)).toBe('+5');
  expect(format.signedPoints(-300)).toBe('-300');
});

test('days are Asia/Shanghai days', () => {
  const format = require('../utils/format');
  // 2024-05-01 16:30 UTC is already 2 May in Shanghai.
  expect(format.shanghaiDate('2024-05-01T16:30:00Z')).toBe('2024-05-02');
  expect(format.shanghaiDate('2024-05-01T15:59:59Z')).toBe('2024-05-01');
  expect(format.shanghaiDate('2024-05-01T16:30:00')).toBe('2024-05-02'); // naive = UTC
  expect(format.shanghaiMonth('2024-12-31T17:00:00Z')).toBe('2025-01');
  const now = Date.parse('2024-05-02T04:00:00Z');
  expect(format.dateTime('2024-05-02T01:05:00Z', now)).toBe('今天 09:05');
  expect(format.dateTime('2024-05-01T01:05:00Z', now)).toBe('昨天 09:05');
  expect(format.dateTime('2024-03-08T02:00:00Z', now)).toBe('3月8日 10:00');
  expect(format.dateTime('2023-12-01T02:00:00Z', now)).toBe('2023年12月1日');
  expect(format.maskCode('Vx3kQ9_pL2mN8rT-aB4cD6eF1gHjK')).toBe('Vx3k…gHjK');
});

test('equivalences are illustrative, with a basis, and scale with carbon', () => {
  const { forCarbon } = require('../utils/equivalences');
  expect(forCarbon(0)).toEqual([]);
  const items = forCarbon(5366);
  expect(items.find((i) => i.key === 'electricity')).toMatchObject({ value: '10', unit: '度', illustrative: true });
  expect(items.find((i) => i.key === 'tree').basis).toContain('18 kg');
  items.forEach((i) => expect(i.basis.length).toBeGreaterThan(15));
});

test('scenario rules read as Chinese', () => {
  const s = require('../utils/scenarios');
  expect(s.pointsRuleText('5 per meal')).toBe('每餐 5 积分');
  expect(s.pointsRuleText('1 per 500 steps')).toBe('每 500 步 1 积分');
  expect(s.pointsRuleText('1 per 8 g')).toBe('每减碳 8 克得 1 积分');
  expect(s.pointsRuleText('30 per kg')).toBe('每千克 30 积分');
  expect(s.dailyCapText(2, 'meal')).toBe('每天最多 2 餐');
  expect(s.dailyCapText('5 boxes', 'box')).toBe('每天最多 5 个');
  expect(s.evidenceTypes({ evidence: 'qr|partner' })).toEqual(['qr', 'partner']);
  expect(s.evidenceTypes({ evidence: ['photo'] })).toEqual(['photo']);
  expect(s.campaignText({ multiplier: 2 })).toBe('积分×2');
  expect(s.campaignText({ multiplier: 1, bonus_points: 20, first_n: 100 })).toBe('前 100 名额外 +20 积分');
});

test("bubbles: today's credits not yet collected, plus what is left to do", () => {
  const bubbles = require('../utils/bubbles');
  const today = '2024-05-02';
  const ledger = [
    { id: 3, amount: 5, memo: '光盘打卡 +5', created_at: '2024-05-02T01:00:00Z' },
    { id: 2, amount: -300, memo: '兑换', created_at: '2024-05-02T00:30:00Z' },
    { id: 1, amount: 10, memo: '公交出行 +10', created_at: '2024-05-01T15:00:00Z' }, // 23:00 on 1 May
  ];
  expect(bubbles.build(ledger, { today, hasWeRun: true, werunSynced: false }).map((b) => b.id)).toEqual([
    'ledger-3',
    'action-werun',
  ]);
  expect(bubbles.build(ledger, { today, collected: ['ledger-3'], hasWeRun: true, werunSynced: true })).toEqual([]);
  expect(bubbles.build([], { today, hasWeRun: false }).map((b) => b.id)).toEqual(['action-checkin']);
});

test('dev sandbox: a stable openid and WeChat-shaped step lists at Shanghai midnights', () => {
  const dev = require('../utils/devsandbox');
  const first = dev.devOpenid();
  expect(dev.devOpenid()).toBe(first);
  const now = Date.parse('2024-05-01T17:00:00Z'); // 01:00 on 2 May in Shanghai
  expect(dev.shanghaiMidnight(0, now)).toBe(Date.parse('2024-05-01T16:00:00Z') / 1000);
  const list = dev.sampleStepInfoList(8000);
  expect(list).toHaveLength(7);
  expect(list[6].step).toBe(8000);
  expect(list[6].timestamp - list[5].timestamp).toBe(86400);
});

test('offer view: blockers in order sold out > not started > points', () => {
  const offers = require('../utils/offers');
  const base = { id: 1, title: 't', points_price: 100, stock_left: 5 };
  expect(offers.view({ ...base, stock_left: 0 }, 10).blocker).toBe('已抢光');
  expect(offers.view({ ...base, sale_starts_at: new Date(Date.now() + 3600e3).toISOString() }, 10).blocker).toMatch(/开抢$/);
  expect(offers.view(base, 10).blocker).toBe('还差 90 积分');
  expect(offers.view(base, null).canRedeem).toBe(true);
  expect(offers.view({ ...base, merchant: '老街面馆' }).merchant).toBe('老街面馆');
});
