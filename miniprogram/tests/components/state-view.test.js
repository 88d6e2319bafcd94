/**
 * @jest-environment jsdom
 */
/** state-view rendered with miniprogram-simulate: loading, empty, error and retry. */

const path = require('path');
const simulate = require('miniprogram-simulate');
const { createWx } = require('../helpers/wx');

const COMPONENT = path.resolve(__dirname, '../../components/state-view/index');

let id;
beforeAll(() => {
  global.wx = createWx();
  // Load once per file: jest caches the component's module, so a second load would not
  // run its Component() call again.
  id = simulate.load(COMPONENT, { compiler: 'official' });
});

function render(props) {
  const comp = simulate.render(id, props);
  comp.attach(document.createElement('parent-wrapper'));
  return comp;
}

test('loading shows a spinner and the message', () => {
  const comp = render({ status: 'loading', message: '正在读取碳账户…' });
  expect(comp.querySelector('.spinner')).toBeTruthy();
  expect(comp.dom.textContent).toContain('正在读取碳账户…');
});

test('empty shows the text and an action button that emits `action`', async () => {
  const comp = render({ status: 'empty', emptyText: '还没有券', actionText: '去商城逛逛' });
  const onAction = jest.fn();
  comp.addEventListener('action', onAction);
  expect(comp.dom.textContent).toContain('还没有券');
  comp.querySelector('.state-button').dispatchEvent('tap');
  await simulate.sleep(0);
  expect(onAction).toHaveBeenCalledTimes(1);
});

test('error shows the message and a retry button that emits `retry`', async () => {
  const comp = render({ status: 'error', message: '网络连接失败，请检查网络后重试' });
  const onRetry = jest.fn();
  comp.addEventListener('retry', onRetry);
  expect(comp.dom.textContent).toContain('网络连接失败');
  comp.querySelector('.state-button').dispatchEvent('tap');
  await simulate.sleep(0);
  expect(onRetry).toHaveBeenCalledTimes(1);
});

test('ready renders nothing', () => {
  const comp = render({ status: 'ready' });
  expect(comp.dom.textContent.trim()).toBe('');
  comp.setData({ status: 'loading' });
  expect(comp.querySelector('.spinner')).toBeTruthy();
});
