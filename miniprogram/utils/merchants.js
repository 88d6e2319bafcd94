/**
 * Alliance merchants as residents see them: where to use a coupon (address, phone, hours,
 * position), the merchants map, and sorting by distance.
 *
 * Positions are GCJ-02 degrees x 1e6 (`latitude_e6`), the datum of WeChat's <map> and of
 * wx.getLocation({type: 'gcj02'}). The resident's own position is read only on the phone,
 * only after they tap 「按距离排序」 (or granted it before), and never sent anywhere.
 */

const api = require('./api');

const EARTH_RADIUS_M = 6371000;
const MAX_PAGES = 5; // 500 merchants: a city's alliance; the map needs them all at once
const MARKER = '/assets/map/shop.png';

function coordinate(e6) {
  const n = Number(e6);
  return e6 === null || e6 === undefined || e6 === '' || !Number.isFinite(n) ? null : n / 1e6;
}

/** Where to use a merchant's coupons, or null when the merchant says nothing about it. */
function placeOf(merchant) {
  if (!merchant || typeof merchant !== 'object') return null;
  const latitude = coordinate(merchant.latitude_e6);
  const longitude = coordinate(merchant.longitude_e6);
  const hasPlace = latitude !== null && longitude !== null;
  const place = {
    id: merchant.id,
    name: merchant.name || '联盟商户',
    address: merchant.address || '',
    phone: merchant.phone || '',
    hours: merchant.opening_hours || '',
    latitude,
    longitude,
    hasPlace,
  };
  return place.address || place.phone || place.hours || hasPlace ? place : null;
}

/** Metres between two GCJ-02 points (haversine: plenty for "which shop is closer"). */
function distanceM(a, b) {
  const rad = (deg) => (deg * Math.PI) / 180;
  const dLat = rad(b.latitude - a.latitude);
  const dLng = rad(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** 320 m / 1.2 km / 15 km. */
function distanceText(metres) {
  if (!Number.isFinite(metres)) return '';
  if (metres < 1000) return `${Math.max(10, Math.round(metres / 10) * 10)} m`;
  return metres < 10000 ? `${Math.round(metres / 100) / 10} km` : `${Math.round(metres / 1000)} km`;
}

/** A merchant as a list row: its place, and its distance from `here` when known. */
function rowOf(merchant, here) {
  const place = placeOf(merchant) || { id: merchant.id, name: merchant.name || '联盟商户', hasPlace: false };
  const metres = here && place.hasPlace ? distanceM(here, place) : null;
  return { ...place, description: merchant.description || '', distance: metres, distanceText: metres === null ? '' : distanceText(metres) };
}

/** Rows nearest first when `here` is known (shops without a position last), else as listed. */
function sortRows(rows, here) {
  if (!here) return rows.slice();
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => {
      const da = a.row.distance === null ? Infinity : a.row.distance;
      const db = b.row.distance === null ? Infinity : b.row.distance;
      return da - db || a.index - b.index;
    })
    .map((entry) => entry.row);
}

/** The map of the placed rows: centre, markers, the points to fit; null if none is placed. */
function mapOf(rows, here) {
  const placed = rows.filter((row) => row.hasPlace);
  if (!placed.length) return null;
  const markers = placed.map((row) => ({
    id: row.id,
    latitude: row.latitude,
    longitude: row.longitude,
    iconPath: MARKER,
    width: 30,
    height: 30,
    title: row.name,
    callout: { content: row.distanceText ? `${row.name} · ${row.distanceText}` : row.name, display: 'BYCLICK', padding: 6, borderRadius: 6, fontSize: 12 },
  }));
  const centre = here || placed[0];
  return {
    latitude: centre.latitude,
    longitude: centre.longitude,
    markers,
    points: placed.map((row) => ({ latitude: row.latitude, longitude: row.longitude })),
    showLocation: !!here,
  };
}

/** Every active merchant (GET /merchants, pages of 100, at most MAX_PAGES). */
async function loadAll() {
  const all = [];
  let cursor = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    // eslint-disable-next-line no-await-in-loop
    const body = await api.list('merchants', { query: { limit: 100, cursor } });
    all.push(...body.items);
    cursor = body.next_cursor;
    if (!cursor) break;
  }
  return all;
}

/**
 * The resident's position (GCJ-02) if they allow it: resolves {latitude, longitude},
 * or null when they refused (with `denied` true when WeChat's setting is off).
 */
function locate() {
  return new Promise((resolve) => {
    wx.getLocation({
      type: 'gcj02',
      success: (res) => resolve({ latitude: Number(res.latitude), longitude: Number(res.longitude) }),
      fail: (err) => resolve({ denied: /auth deny|auth denied|permission/i.test((err && err.errMsg) || '') }),
    });
  });
}

/** Whether the resident granted the location scope before (no prompt is shown to ask). */
function locationGranted() {
  return new Promise((resolve) => {
    wx.getSetting({
      success: (res) => resolve(!!(res.authSetting && res.authSetting['scope.userLocation'])),
      fail: () => resolve(false),
    });
  });
}

/** Open WeChat's map at a place (navigation from there). */
function openPlace(place) {
  if (!place || !place.hasPlace) return;
  wx.openLocation({ latitude: place.latitude, longitude: place.longitude, name: place.name, address: place.address, scale: 17 });
}

function call(place) {
  if (place && place.phone) wx.makePhoneCall({ phoneNumber: place.phone.replace(/[^\d+]/g, '') });
}

module.exports = { placeOf, distanceM, distanceText, rowOf, sortRows, mapOf, loadAll, locate, locationGranted, openPlace, call, MARKER };
