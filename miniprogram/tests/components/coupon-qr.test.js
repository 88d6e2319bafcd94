/**
 * @jest-environment jsdom
 */
/**
 * coupon-qr: the code drawn by the vendored encoder is a QR a scanner reads back
 * (decoded here with jsQR), and the component shows the grouped short code.
 */

const path = require('path');
const jsQR = require('jsqr');
const simulate = require('miniprogram-simulate');
const { createWx } = require('../helpers/wx');

let id;
beforeAll(() => {
  global.wx = createWx();
  id = simulate.load(path.resolve(__dirname, '../../components/coupon-qr/index'), { compiler: 'official' });
});

/** A canvas-like context that paints into an RGBA buffer. */
function pixelContext(size) {
  const data = new Uint8ClampedArray(size * size * 4);
  const ctx = {
    fillStyle: '#000000',
    fillRect(x, y, w, h) {
      const v = ctx.fillStyle === '#ffffff' ? 255 : 0;
      for (let r = y; r < y + h; r += 1) {
        for (let c = x; c < x + w; c += 1) {
          const i = (r * size + c) * 4;
          data[i] = v;
          data[i + 1] = v;
          data[i + 2] = v;
          data[i + 3] = 255;
        }
      }
    },
  };
  return { ctx, data };
}

test.each([
  'Vx3kQ9_pL2mN8rT-aB4cD6eF1gHjK', // secrets.token_urlsafe(20), as the mall issues
  'tph1.Zm9vYmFyYmF6cXV4LTEyOC1iaXQtY291cG9uLWNvZGU',
  '1234567890',
])('draws %s as a readable QR', (code) => {
  const comp = simulate.render(id, { code, shortCode: '1234567890' });
  comp.attach(document.createElement('parent-wrapper'));
  const size = 440;
  const { ctx, data } = pixelContext(size);

  comp.instance.paint(ctx, size);

  const decoded = jsQR(data, size, size);
  expect(decoded).not.toBeNull();
  expect(decoded.data).toBe(code);
});

test('shows the short code in groups and a fallback without a code', () => {
  const comp = simulate.render(id, { code: 'abc', shortCode: '1234567890' });
  comp.attach(document.createElement('parent-wrapper'));
  expect(comp.querySelector('.short-value').dom.textContent).toBe('123 456 7890');
  expect(comp.querySelector('.qr-canvas')).toBeTruthy();

  const empty = simulate.render(id, { code: '' });
  empty.attach(document.createElement('parent-wrapper'));
  expect(empty.querySelector('.qr-canvas')).toBeFalsy();
  expect(empty.dom.textContent).toContain('暂无券码');
});

test('used coupons are dimmed', () => {
  const comp = simulate.render(id, { code: 'abc', dimmed: true });
  comp.attach(document.createElement('parent-wrapper'));
  expect(comp.querySelector('.dimmed')).toBeTruthy();
});
