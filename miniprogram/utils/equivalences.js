/**
 * Illustrative equivalences for a carbon total ("相当于…"), always shown with the label
 * 示意 and their basis: they help residents picture a number, they are not accounting.
 * The accounted figure is the carbon account itself (methodology versions on the server).
 */

const EQUIVALENCES = [
  {
    key: 'electricity',
    icon: '⚡',
    label: '少用电',
    unit: '度',
    gramsPerUnit: 536.6,
    basis:
      '按全国电网平均排放因子 0.5366 kg CO₂/kWh（生态环境部、国家统计局 2022 年发布）折算',
  },
  {
    key: 'car',
    icon: '🚗',
    label: '少开车',
    unit: '公里',
    gramsPerUnit: 138,
    basis: '按燃油小汽车百公里油耗约 6 升、每升汽油约 2.3 kg CO₂ 估算，约 138 g/公里',
  },
  {
    key: 'tree',
    icon: '🌳',
    label: '一棵树吸收',
    unit: '天',
    gramsPerUnit: 50,
    basis: '按一棵成年树每年约吸收 18 kg CO₂（常见科普口径，树种与树龄差异很大）估算，约 50 g/天',
  },
];

function amountText(value) {
  if (value >= 100) return String(Math.round(value));
  if (value >= 10) return value.toFixed(1).replace(/\.0$/, '');
  if (value >= 0.1) return value.toFixed(2).replace(/0$/, '').replace(/\.$/, '');
  return '<0.1';
}

/** [{key, icon, label, value, unit, basis, illustrative: true}] for `grams` of CO2e. */
function forCarbon(grams) {
  const g = Number(grams) || 0;
  if (g <= 0) return [];
  return EQUIVALENCES.map((item) => ({
    key: item.key,
    icon: item.icon,
    label: item.label,
    value: amountText(g / item.gramsPerUnit),
    unit: item.unit,
    basis: item.basis,
    illustrative: true,
  }));
}

module.exports = { EQUIVALENCES, forCarbon };
