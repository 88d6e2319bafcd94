/**
 * Display helpers: carbon amounts, points, dates. "A day" is the Asia/Shanghai day
 * (UTC+8 all year, no daylight saving), like the backend's caps and leaderboards.
 */

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;

function round(value, digits) {
  const factor = Math.pow(10, digits);
  return Math.round(value * factor) / factor;
}

/** Carbon grams as a short label: 144 g, 1.28 kg, 2.5 吨. */
function carbon(grams) {
  const g = Number(grams) || 0;
  const abs = Math.abs(g);
  if (abs >= 1e6) return `${round(g / 1e6, 2)} 吨`;
  if (abs >= 1000) return `${round(g / 1000, 2)} kg`;
  if (abs > 0 && abs < 10) return `${round(g, 2)} g`;
  return `${round(g, 1)} g`;
}

/** Carbon split in a number and a unit for big headline figures. */
function carbonParts(grams) {
  const text = carbon(grams);
  const space = text.lastIndexOf(' ');
  return { value: text.slice(0, space), unit: text.slice(space + 1) };
}

/** Points with a sign for ledger rows: +5 / -300. */
function signedPoints(amount) {
  const n = Number(amount) || 0;
  return n > 0 ? `+${n}` : `${n}`;
}

function pad(n) {
  return n < 10 ? `0${n}` : `${n}`;
}

function parseTime(value) {
  if (value === null || value === undefined || value === '') return NaN;
  if (typeof value === 'number') return value < 1e12 ? value * 1000 : value;
  let text = String(value);
  // A date-time without a zone from the API is UTC (storage is UTC).
  if (/T\d{2}:\d{2}/.test(text) && !/(Z|[+-]\d{2}:?\d{2})$/.test(text)) text += 'Z';
  return Date.parse(text);
}

function shanghaiParts(value) {
  const ms = parseTime(value);
  if (Number.isNaN(ms)) return null;
  const d = new Date(ms + SHANGHAI_OFFSET_MS);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
  };
}

/** YYYY-MM-DD of the Asia/Shanghai day of `value` (default now). */
function shanghaiDate(value) {
  const p = shanghaiParts(value === undefined ? Date.now() : value);
  return p ? `${p.year}-${pad(p.month)}-${pad(p.day)}` : '';
}

/** YYYY-MM of the Asia/Shanghai month of `value` (default now). */
function shanghaiMonth(value) {
  return shanghaiDate(value).slice(0, 7);
}

/** 今天 14:05 / 昨天 09:30 / 3月8日 10:00 / 2023年12月1日. */
function dateTime(value, now) {
  const p = shanghaiParts(value);
  if (!p) return '';
  const time = `${pad(p.hour)}:${pad(p.minute)}`;
  const today = shanghaiDate(now === undefined ? Date.now() : now);
  const day = `${p.year}-${pad(p.month)}-${pad(p.day)}`;
  const yesterday = shanghaiDate(parseTime(today + 'T12:00:00+08:00') - 86400000);
  if (day === today) return `今天 ${time}`;
  if (day === yesterday) return `昨天 ${time}`;
  if (today.slice(0, 4) === String(p.year)) return `${p.month}月${p.day}日 ${time}`;
  return `${p.year}年${p.month}月${p.day}日`;
}

/** 2025年3月8日 (a date only, e.g. coupon validity). */
function date(value) {
  const p = shanghaiParts(value);
  return p ? `${p.year}年${p.month}月${p.day}日` : '';
}

function isToday(value, now) {
  return shanghaiDate(value) === shanghaiDate(now === undefined ? Date.now() : now);
}

/** Mask most of a coupon code for lists: 3F9A…C21B. */
function maskCode(code) {
  const text = String(code || '');
  return text.length > 10 ? `${text.slice(0, 4)}…${text.slice(-4)}` : text;
}

/** A 10-digit counter code in groups, as the merchant console shows it: 123 456 7890. */
function shortCode(code) {
  const text = String(code || '');
  return /^\d{10}$/.test(text) ? text.replace(/^(\d{3})(\d{3})(\d{4})$/, '$1 $2 $3') : text;
}

module.exports = {
  shortCode,
  carbon,
  carbonParts,
  signedPoints,
  parseTime,
  shanghaiDate,
  shanghaiMonth,
  dateTime,
  date,
  isToday,
  maskCode,
};
