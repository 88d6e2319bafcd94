/**
 * @jest-environment jsdom
 */
/** tree-card rendered with miniprogram-simulate: photo or placeholder, state, adopt event. */

const path = require('path');
const simulate = require('miniprogram-simulate');
const { createWx } = require('../helpers/wx');
const { tree } = require('../helpers/fixtures');

let id;
let sinks;
beforeAll(() => {
  global.wx = createWx();
  sinks = require('../../utils/sinks');
  id = simulate.load(path.resolve(__dirname, '../../components/tree-card/index'), { compiler: 'official' });
});

function render(props) {
  const comp = simulate.render(id, props);
  comp.attach(document.createElement('parent-wrapper'));
  return comp;
}

test('a free tree with a photo: the photo, species, planted year, place and the adopt button', async () => {
  const comp = render({ tree: sinks.treeView(tree(1, { photo_url: 'https://img.example.com/t1.jpg' }), true), adopting: 0 });
  expect(comp.querySelector('.tree-photo').dom.tagName).toBe('WX-IMAGE');
  expect(comp.querySelector('.tree-title').dom.textContent).toBe('樟子松 T001');
  expect(comp.dom.textContent).toContain('2020年种植 · 察右前旗 2 号地块');
  expect(comp.querySelector('.tag').dom.textContent).toBe('可认领');
  const adopted = [];
  comp.addEventListener('adopt', (event) => adopted.push(event.detail));
  comp.querySelector('.adopt-btn').dispatchEvent('tap');
  await simulate.sleep(0);
  expect(adopted).toEqual([{ id: 1 }]);

  comp.setData({ adopting: 1 }); // while one adoption is under way, no second one
  comp.querySelector('.adopt-btn').dispatchEvent('tap');
  await simulate.sleep(0);
  expect(adopted).toHaveLength(1);
});

test('an adopted tree, a dead one and a project closed to adoption have no button', () => {
  [
    [sinks.treeView(tree(2, { adopted: true }), true), '已被认领'],
    [sinks.treeView(tree(3, { status: 'dead' }), true), '已枯死'],
    [sinks.treeView(tree(4), false), '暂未开放认领'],
  ].forEach(([view, state]) => {
    const comp = render({ tree: view, adopting: 0 });
    expect(comp.querySelector('.tag').dom.textContent).toBe(state);
    expect(comp.querySelector('.adopt-btn')).toBeFalsy();
    expect(comp.querySelector('.tree-photo-none').dom.textContent).toBe('🌳');
  });
});
