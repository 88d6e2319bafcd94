/**
 * QR codes for coupons, drawn locally so a coupon shows at the counter even offline.
 * The encoder is the vendored MIT qrcode-generator (utils/vendor); this module turns its
 * matrix into rectangles on a canvas 2D context.
 */

const qrcode = require('./vendor/qrcode-generator');

/** The module matrix (array of rows of booleans, true = dark) for `text`. */
function buildMatrix(text, level) {
  const value = String(text || '');
  if (!value) throw new Error('empty QR content');
  const qr = qrcode(0, level || 'M'); // type 0 = the smallest version that fits
  qr.addData(value, 'Byte');
  qr.make();
  const count = qr.getModuleCount();
  const rows = [];
  for (let r = 0; r < count; r += 1) {
    const row = [];
    for (let c = 0; c < count; c += 1) row.push(qr.isDark(r, c));
    rows.push(row);
  }
  return rows;
}

/**
 * Draw `matrix` on a 2D context in a `sizePx` square with a quiet zone of `margin`
 * modules (the QR standard asks for 4). Whole-pixel modules keep scanners happy.
 */
function draw(ctx, matrix, sizePx, options) {
  const opts = options || {};
  const margin = opts.margin === undefined ? 4 : opts.margin;
  const count = matrix.length;
  const cell = Math.max(1, Math.floor(sizePx / (count + margin * 2)));
  const offset = Math.floor((sizePx - cell * count) / 2);
  ctx.fillStyle = opts.background || '#ffffff';
  ctx.fillRect(0, 0, sizePx, sizePx);
  ctx.fillStyle = opts.foreground || '#000000';
  for (let r = 0; r < count; r += 1) {
    for (let c = 0; c < count; c += 1) {
      if (matrix[r][c]) ctx.fillRect(offset + c * cell, offset + r * cell, cell, cell);
    }
  }
  return { cell, offset, count };
}

module.exports = { buildMatrix, draw };
