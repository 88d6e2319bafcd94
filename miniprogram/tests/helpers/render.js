/**
 * Render a page's WXML with miniprogram-simulate (its components included, compiled by
 * WeChat's own wcc) from the page's current data; needs the jsdom test environment.
 * Event handlers are stubs: drive the page's logic through its methods, then render.
 */

const fs = require('fs');
const path = require('path');
const simulate = require('miniprogram-simulate');

const ROOT = path.resolve(__dirname, '../..');
const COMPONENTS = {};

function componentId(rel) {
  if (!COMPONENTS[rel]) {
    // rootPath = the project: wcc keys templates by path, so components must not collide.
    COMPONENTS[rel] = simulate.load(path.join(ROOT, rel), path.basename(path.dirname(rel)), { compiler: 'official', rootPath: ROOT });
  }
  return COMPONENTS[rel];
}

function render(page) {
  const json = JSON.parse(fs.readFileSync(path.join(ROOT, `${page.route}.json`), 'utf8'));
  const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'));
  const using = { ...app.usingComponents, ...(json.usingComponents || {}) };
  const usingComponents = {};
  Object.keys(using).forEach((tag) => {
    usingComponents[tag] = componentId(using[tag].replace(/^\//, ''));
  });
  const methods = {};
  Object.keys(page.definition).forEach((key) => {
    if (typeof page.definition[key] === 'function') methods[key] = () => {};
  });
  const id = simulate.load({
    template: fs.readFileSync(path.join(ROOT, `${page.route}.wxml`), 'utf8'),
    usingComponents,
    data: JSON.parse(JSON.stringify(page.data)),
    methods,
  });
  const comp = simulate.render(id);
  comp.attach(document.createElement('parent-wrapper'));
  // Whitespace is left out of `text`: the assertions are about words, not layout.
  // `texts(selector)`: each matching element's own text, spaces kept (exact wording).
  return {
    comp,
    text: comp.dom.textContent.replace(/\s+/g, ''),
    count: (selector) => comp.dom.querySelectorAll(selector).length,
    texts: (selector) => Array.from(comp.dom.querySelectorAll(selector)).map((node) => node.textContent.trim()),
  };
}

module.exports = { render, ROOT };
