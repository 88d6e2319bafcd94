/**
 * Personal offsets (一元碳汇, 个人碳中和): operator pools of sink or reduction units priced
 * in points per kilogram, retired in my name; each offset has a public certificate
 * (我的碳中和证书) whose URL the resident can copy (a mini-program cannot open it).
 */

const format = require('./format');
const reductions = require('./reductions');

const KINDS = { sink: '林草碳汇', reduction: '核证减排量', any: '碳汇或减排量' };
const MAX_KG = 1000; // the API's limit per offset

function poolView(pool) {
  const available = Math.max(0, Number(pool.available_kg) || 0);
  const price = Number(pool.points_per_kg) || 0;
  return {
    id: pool.id,
    name: pool.name || '碳中和项目',
    kindText: KINDS[pool.kind] || '',
    price,
    priceText: `${price} 积分 / 千克`,
    available,
    availableText: available > 0 ? `可中和 ${available} 千克` : '已售罄',
    maxKg: Math.min(MAX_KG, available),
    soldOut: available <= 0,
  };
}

/** A kilogram count typed by the resident: a whole number 1..max, else null. */
function parseKg(text, max) {
  const value = Number(String(text === undefined || text === null ? '' : text).trim());
  if (!Number.isInteger(value) || value < 1 || value > Math.min(MAX_KG, max || MAX_KG)) return null;
  return value;
}

function certificateUrl(certificateId) {
  return certificateId ? reductions.certificateUrl(certificateId) : '';
}

/** One of my offsets, in the list (the pool's name when the pool is still listed). */
function offsetView(offset, poolsById) {
  const pool = (poolsById || {})[offset.pool_id];
  return {
    id: offset.id,
    title: `中和 ${offset.kg} 千克`,
    poolName: pool ? pool.name : '碳中和项目',
    pointsText: `${Number(offset.points) || 0} 积分`,
    time: format.dateTime(offset.created_at),
    certificateId: offset.certificate_id || '',
    certificateUrl: certificateUrl(offset.certificate_id),
  };
}

/** The result card after an offset: 我的碳中和证书. */
function resultView(result, pool, nickname) {
  return {
    kg: Number(result.kg) || 0,
    points: Number(result.points) || 0,
    poolName: pool ? pool.name : '碳中和项目',
    holder: nickname || '低碳居民',
    certificateId: result.certificate_id || '',
    certificateUrl: certificateUrl(result.certificate_id),
  };
}

module.exports = { KINDS, MAX_KG, poolView, parseKg, offsetView, resultView, certificateUrl };
