/**
 * Load a page's JS the way the mini-program runtime would: capture the object given to
 * Page(), then build an instance with `data` and a `setData` that understands WeChat's
 * path keys ('a.b', 'list[2].x'). Methods run with `this` = the instance.
 */

const path = require('path');

function clone(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function setPath(target, key, value) {
  const parts = key.replace(/\[(\d+)\]/g, '.$1').split('.');
  let node = target;
  for (let i = 0; i < parts.length - 1; i += 1) {
    const part = parts[i];
    if (node[part] === undefined || node[part] === null) node[part] = /^\d+$/.test(parts[i + 1]) ? [] : {};
    node = node[part];
  }
  node[parts[parts.length - 1]] = clone(value);
}

// The last definition each page file gave Page() in the current module registry, so a
// page can be opened twice in one test (the second require is served from the cache).
const loaded = {};

function loadPage(relativePath, options = {}) {
  let definition = null;
  global.Page = (def) => {
    definition = def;
  };
  const app = options.app || { globalData: {} };
  global.getApp = () => app;
  const file = path.resolve(__dirname, '../..', relativePath);
  // `fresh`: a new module registry, as after the mini-program was closed and reopened.
  if (options.fresh) {
    jest.isolateModules(() => require(file));
  } else {
    require(file);
    if (definition) loaded[file] = definition;
    else definition = loaded[file] || null;
  }
  if (!definition) throw new Error(`${relativePath} did not call Page()`);
  const page = { data: clone(definition.data) || {}, route: relativePath.replace(/\.js$/, ''), history: [] };
  Object.keys(definition).forEach((key) => {
    if (key !== 'data') page[key] = definition[key];
  });
  page.setData = (patch, callback) => {
    Object.keys(patch).forEach((key) => setPath(page.data, key, patch[key]));
    page.history.push(clone(patch));
    if (callback) callback();
  };
  page.definition = definition;
  page.app = app;
  return page;
}

module.exports = { loadPage, setPath };
