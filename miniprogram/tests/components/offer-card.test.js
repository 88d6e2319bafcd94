/**
 * @jest-environment jsdom
 */
/** offer-card rendered with miniprogram-simulate: price, stock, blockers, select event. */

const path = require('path');
const simulate = require('miniprogram-simulate');
const { createWx } = require('../helpers/wx');
const { OFFER } = require('../helpers/fixtures');

let id;
beforeAll(() => {
  global.wx = createWx();
  id = simulate.load(path.resolve(__dirname, '../../components/offer-card/index'), { compiler: 'official' });
});

function render(props) {
  const comp = simulate.render(id, props);
  comp.attach(document.createElement('parent-wrapper'));
  return comp;
}

test('an affordable offer shows its price, merchant and stock', () => {
  const comp = render({ offer: OFFER, balance: 1000 });
  const text = comp.dom.textContent;
  expect(comp.querySelector('.badge-points').dom.textContent).toBe('300');
  expect(text).toContain('美式咖啡一杯');
  expect(text).toContain('绿叶咖啡');
  expect(text).toContain('剩余 37');
  expect(text).toContain('兑换后 30 天内有效');
  expect(comp.querySelector('.offer-blocker')).toBeFalsy();
});

test('not enough points: says how many are missing', () => {
  const comp = render({ offer: OFFER, balance: 100 });
  expect(comp.querySelector('.offer-blocker').dom.textContent).toBe('还差 200 积分');
});

test('sold out and low stock are marked', () => {
  const soldOut = render({ offer: { ...OFFER, stock_left: 0 }, balance: 1000 });
  expect(soldOut.dom.textContent).toContain('已抢光');
  expect(soldOut.querySelector('.sold-out')).toBeTruthy();
  const low = render({ offer: { ...OFFER, stock_left: 3, flash_sale: true }, balance: 1000 });
  expect(low.querySelector('.tag.danger').dom.textContent).toBe('剩余 3');
  expect(low.dom.textContent).toContain('限时抢');
});

test('tapping emits select with the offer id; updates re-render', async () => {
  const comp = render({ offer: OFFER, balance: null });
  const onSelect = jest.fn();
  comp.addEventListener('select', onSelect);
  comp.querySelector('.offer').dispatchEvent('tap');
  await simulate.sleep(0);
  expect(onSelect).toHaveBeenCalledTimes(1);
  expect(onSelect.mock.calls[0][0].detail).toEqual({ id: 42 });

  comp.setData({ offer: { ...OFFER, title: '拿铁', points_price: 500 } });
  expect(comp.querySelector('.badge-points').dom.textContent).toBe('500');
  expect(comp.dom.textContent).toContain('拿铁');
});
