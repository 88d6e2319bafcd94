/**
 * @jest-environment jsdom
 */
/**
 * privacy-popup: registers wx.onNeedPrivacyAuthorization, shows itself when WeChat asks,
 * and answers WeChat's resolve() with agree (button id) or disagree.
 */

const path = require('path');
const simulate = require('miniprogram-simulate');
const { createWx } = require('../helpers/wx');

let id;
beforeAll(() => {
  global.wx = createWx();
  id = simulate.load(path.resolve(__dirname, '../../components/privacy-popup/index'), { compiler: 'official' });
});

async function askPrivacy() {
  const comp = simulate.render(id);
  comp.attach(document.createElement('parent-wrapper'));
  expect(typeof wx.__privacyHandler).toBe('function');
  const resolve = jest.fn();
  wx.__privacyHandler(resolve, { referrer: 'scanCode' });
  await simulate.sleep(5);
  return { comp, resolve };
}

test('hidden until WeChat needs an authorization, then lists what we collect', async () => {
  const comp = simulate.render(id);
  comp.attach(document.createElement('parent-wrapper'));
  expect(comp.querySelector('.privacy-sheet')).toBeFalsy();

  const asked = await askPrivacy();
  const text = asked.comp.dom.textContent;
  expect(text).toContain('隐私保护提示');
  expect(text).toContain('微信运动步数');
  expect(text).toContain('摄像头');
  expect(text).toContain('《碳普惠小程序隐私保护指引》');
  expect(asked.comp.querySelector('#privacy-agree')).toBeTruthy();
});

test('agree resolves with the agree button and hides the popup', async () => {
  const { comp, resolve } = await askPrivacy();
  comp.instance.onAgree();
  expect(resolve).toHaveBeenCalledWith({ buttonId: 'privacy-agree', event: 'agree' });
  expect(comp.data.show).toBe(false);
});

test('disagree resolves disagree and explains', async () => {
  const { comp, resolve } = await askPrivacy();
  comp.querySelector('.btn-ghost').dispatchEvent('tap');
  await simulate.sleep(0);
  expect(resolve).toHaveBeenCalledWith({ event: 'disagree' });
  expect(comp.data.show).toBe(false);
  expect(wx.__calls.toasts.pop().title).toContain('未同意');
});
