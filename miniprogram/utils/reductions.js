/**
 * My reductions in the registry (GET /me/reductions): which of my carbon records joined a
 * monitoring batch and what became of that batch (verified, issued as units, held,
 * retired by whom and for what), shown as one line under the record and a small detail.
 *
 * A record is pooled with other residents' records, so the fate shown is the batch's, not
 * "my" kilogram's: the detail says so.
 */

const api = require('./api');
const config = require('../config');

const PURPOSES = {
  compliance: '履约抵消',
  voluntary: '自愿碳中和',
  event: '活动碳中和',
  personal: '个人碳中和',
};

const BATCH_STATUS = {
  draft: '汇总中',
  submitted: '核查中',
  returned: '核查中',
  verified: '已通过核查',
  issued: '已签发',
};

function purposeText(purpose) {
  return PURPOSES[purpose] || purpose || '';
}

/** 'YYYY-MM-DD' -> {y, m, d} without any time zone (batch periods are calendar days). */
function ymd(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(text || ''));
  return match ? { y: Number(match[1]), m: Number(match[2]), d: Number(match[3]) } : null;
}

/** The monitoring period in months: 2026年11月 / 2026年10月—12月 / 2026年11月—2027年1月. */
function periodText(start, end) {
  const a = ymd(start);
  const b = ymd(end) || a;
  if (!a) return '';
  if (a.y === b.y && a.m === b.m) return `${a.y}年${a.m}月`;
  if (a.y === b.y) return `${a.y}年${a.m}月—${b.m}月`;
  return `${a.y}年${a.m}月—${b.y}年${b.m}月`;
}

/** The exact period: 2026年11月1日—2026年11月30日. */
function periodDates(start, end) {
  const day = (text) => {
    const p = ymd(text);
    return p ? `${p.y}年${p.m}月${p.d}日` : '';
  };
  return [day(start), day(end)].filter(Boolean).join('—');
}

function distinct(values) {
  return values.filter((value, index) => value && values.indexOf(value) === index);
}

/** "A" or "A 等 3 家机构" */
function whoText(names) {
  const list = distinct(names);
  return list.length > 1 ? `${list[0]} 等 ${list.length} 家机构` : list[0] || '';
}

/** What became of an issued batch, as the end of the record's line. */
function fateTail(fate) {
  const retired = (fate && fate.retired) || [];
  const held = ((fate && fate.held) || []).filter((h) => h.kg > 0);
  if (retired.length) {
    const purposes = distinct(retired.map((r) => purposeText(r.purpose)));
    return { text: `已由 ${whoText(retired.map((r) => r.holder))} 注销用于 ${purposes.join('、')}`, tone: 'retired' };
  }
  if (held.length) return { text: `由 ${whoText(held.map((h) => h.holder))} 持有中`, tone: 'held' };
  if (fate && fate.buffer_kg > 0) return { text: '作为风险缓冲保留', tone: 'held' };
  if (fate && fate.cancelled_kg > 0) return { text: '已作废', tone: 'grey' };
  return { text: '已签发', tone: 'held' };
}

/** The line under a record: {text, tone}. */
function lineOf(item) {
  const batch = item.batch || {};
  const serial = batch.serial ? ` ${batch.serial}` : '';
  const where = `批次${serial}（${periodText(batch.period_start, batch.period_end)}）`;
  if (item.revoked) return { text: `这笔减排曾纳入${where}，已撤销`, tone: 'revoked' };
  let tail;
  if (batch.status === 'issued') tail = fateTail(item.fate);
  else if (batch.status === 'verified') tail = { text: '已通过核查，待签发', tone: 'pending' };
  else if (batch.status === 'draft') tail = { text: '待提交核查', tone: 'pending' };
  else tail = { text: '核查中', tone: 'pending' };
  return { text: `这笔减排已纳入${where}，${tail.text}`, tone: tail.tone };
}

/** The site's public address (the API base without /api/v1). */
function siteOrigin() {
  return config.get().baseUrl.replace(/\/api\/v\d+$/, '');
}

function certificateUrl(certificateId) {
  return `${siteOrigin()}/registry/certificates/${encodeURIComponent(certificateId)}`;
}

/** Everything the detail sheet shows for one record. */
function detailOf(item, pseudonym) {
  const batch = item.batch || {};
  const fate = item.fate || {};
  const programme = batch.programme || {};
  const rows = [
    { label: '批次编号', value: batch.serial || '签发后生成' },
    { label: '监测期', value: periodDates(batch.period_start, batch.period_end) },
    { label: '批次状态', value: BATCH_STATUS[batch.status] || batch.status || '' },
    { label: '核查机构', value: batch.verifier || '待核查' },
  ];
  if (programme.name) rows.push({ label: '项目', value: programme.name });
  if (batch.tco2e !== undefined && batch.tco2e !== null) rows.push({ label: '批次总量', value: `${batch.tco2e} 吨CO₂e` });
  const moves = [];
  if (!item.revoked && batch.status === 'issued') {
    (fate.retired || []).forEach((r) => {
      moves.push({
        key: `r-${r.certificate_id}`,
        text: `${r.holder} 注销 ${r.kg} kg，用于${purposeText(r.purpose)}${r.beneficiary ? `（受益方：${r.beneficiary}）` : ''}`,
        certificateUrl: r.certificate_id ? certificateUrl(r.certificate_id) : '',
      });
    });
    (fate.held || []).forEach((h, i) => moves.push({ key: `h-${i}`, text: `${h.holder} 持有 ${h.kg} kg`, certificateUrl: '' }));
    if (fate.buffer_kg > 0) moves.push({ key: 'buffer', text: `风险缓冲 ${fate.buffer_kg} kg`, certificateUrl: '' });
    if (fate.cancelled_kg > 0) moves.push({ key: 'cancelled', text: `已作废 ${fate.cancelled_kg} kg`, certificateUrl: '' });
  }
  return {
    recordId: item.record_id,
    title: item.scenario_name || item.scenario || '减排记录',
    line: lineOf(item).text,
    revoked: !!item.revoked,
    rows,
    merkleRoot: batch.merkle_root || '',
    leafHash: item.leaf_hash || '',
    pseudonym: pseudonym || '',
    moves,
  };
}

/**
 * Load my reductions once: {pseudonym, byRecord: {record_id: item}}. A failure is not an
 * error for the page (the records show without their registry lines).
 */
async function load() {
  try {
    const body = (await api.call('reductions')) || {};
    const byRecord = {};
    (Array.isArray(body.items) ? body.items : []).forEach((item) => {
      if (item && item.record_id !== undefined) byRecord[item.record_id] = item;
    });
    return { pseudonym: body.pseudonym || '', byRecord };
  } catch (err) {
    return { pseudonym: '', byRecord: {} };
  }
}

/** {record_id: {text, tone}} for the records list. */
function lines(byRecord) {
  const out = {};
  Object.keys(byRecord).forEach((id) => {
    out[id] = lineOf(byRecord[id]);
  });
  return out;
}

module.exports = { PURPOSES, purposeText, periodText, periodDates, lineOf, detailOf, certificateUrl, load, lines };
