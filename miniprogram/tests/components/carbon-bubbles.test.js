/**
 * @jest-environment jsdom
 */
/** carbon-bubbles: one bubble per item (at most six), tap pops it and emits collect. */

const path = require('path');
const simulate = require('miniprogram-simulate');
const { createWx } = require('../helpers/wx');

let id;
beforeAll(() => {
  global.wx = createWx();
  id = simulate.load(path.resolve(__dirname, '../../components/carbon-bubbles/index'), { compiler: 'official' });
});

const BUBBLES = [
  { id: 'ledger-31', kind: 'credit', title: '光盘打卡', amountText: '+5' },
  { id: 'action-werun', kind: 'action', title: '同步步数', amountText: '👟' },
];

test('renders the bubbles with their amounts', () => {
  const comp = simulate.render(id, { bubbles: BUBBLES });
  comp.attach(document.createElement('parent-wrapper'));
  const amounts = comp.querySelectorAll('.bubble-amount').map((n) => n.dom.textContent);
  expect(amounts).toEqual(['+5', '👟']);
  expect(comp.querySelectorAll('.bubble.action')).toHaveLength(1);
});

test('at most six bubbles are placed', () => {
  const many = Array.from({ length: 9 }, (_, i) => ({ id: `b${i}`, kind: 'credit', title: 't', amountText: `+${i}` }));
  const comp = simulate.render(id, { bubbles: many });
  comp.attach(document.createElement('parent-wrapper'));
  expect(comp.querySelectorAll('.bubble')).toHaveLength(6);
});

test('tapping pops the bubble and then emits collect {id, kind}', async () => {
  const comp = simulate.render(id, { bubbles: BUBBLES });
  comp.attach(document.createElement('parent-wrapper'));
  const onCollect = jest.fn();
  comp.addEventListener('collect', onCollect);

  comp.querySelectorAll('.bubble')[0].dispatchEvent('tap');
  await simulate.sleep(10);
  expect(comp.querySelector('.bubble.pop')).toBeTruthy();
  expect(onCollect).not.toHaveBeenCalled();

  await simulate.sleep(500);
  expect(onCollect).toHaveBeenCalledTimes(1);
  expect(onCollect.mock.calls[0][0].detail).toEqual({ id: 'ledger-31', kind: 'credit' });
});
