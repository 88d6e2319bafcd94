/**
 * The project as WeChat DevTools will open it: every page and component has its four
 * files, every WXML and WXSS file compiles with WeChat's own compilers (wcc/wcsc from
 * miniprogram-compiler), every event handler named in WXML exists, runtime code requires
 * only relative modules, and the privacy declarations are in place.
 */

const fs = require('fs');
const path = require('path');
const compiler = require('miniprogram-compiler');

const ROOT = path.resolve(__dirname, '..');
const read = (rel) => fs.readFileSync(path.join(ROOT, rel), 'utf8');
const readJson = (rel) => JSON.parse(read(rel));
const exists = (rel) => fs.existsSync(path.join(ROOT, rel));

const app = readJson('app.json');
const pages = app.pages.concat(
  ...(app.subPackages || []).map((pkg) => pkg.pages.map((page) => `${pkg.root}/${page}`)),
);

function componentsOf(jsonRel) {
  const json = readJson(jsonRel);
  const dir = path.posix.dirname(jsonRel);
  return Object.values(json.usingComponents || {}).map((p) =>
    p.startsWith('/') ? p.slice(1) : path.posix.join(dir, p),
  );
}

const components = Array.from(
  new Set(['app.json', ...pages.map((p) => `${p}.json`)].flatMap(componentsOf)),
);

function runtimeJsFiles() {
  const out = [];
  const walk = (dir) => {
    fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).forEach((entry) => {
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!['node_modules', 'tests', 'assets'].includes(entry.name)) walk(rel);
      } else if (rel.endsWith('.js') && rel !== 'jest.config.js') out.push(rel);
    });
  };
  walk('');
  return out;
}

/** Load a page or component definition with Page()/Component() captured. */
function definitionOf(rel) {
  let def = null;
  global.Page = (d) => {
    def = { ...d, methods: d };
  };
  global.Component = (d) => {
    def = { ...d, methods: d.methods || {} };
  };
  global.getApp = () => ({ globalData: {} });
  jest.isolateModules(() => require(path.join(ROOT, rel)));
  return def;
}

test('every page and component has its js, json, wxml and wxss', () => {
  const missing = [];
  pages.concat(components).forEach((base) => {
    ['js', 'json', 'wxml', 'wxss'].forEach((ext) => {
      if (!exists(`${base}.${ext}`)) missing.push(`${base}.${ext}`);
    });
  });
  expect(missing).toEqual([]);
  components.forEach((c) => expect(readJson(`${c}.json`).component).toBe(true));
  expect(components.length).toBeGreaterThanOrEqual(5);
});

test('tab bar pages are main-package pages and their icons exist (< 40 KB)', () => {
  app.tabBar.list.forEach((tab) => {
    expect(app.pages).toContain(tab.pagePath);
    [tab.iconPath, tab.selectedIconPath].forEach((icon) => {
      expect(exists(icon)).toBe(true);
      expect(fs.statSync(path.join(ROOT, icon)).size).toBeLessThan(40 * 1024);
    });
  });
});

test("every WXML file compiles with WeChat's wcc", () => {
  expect(() => compiler.wxmlToJs(ROOT)).not.toThrow();
});

test("every WXSS file compiles with WeChat's wcsc", () => {
  expect(() => compiler.wxssToJs(ROOT)).not.toThrow();
});

test('every handler named in WXML exists on its page or component', () => {
  global.wx = require('./helpers/wx').createWx();
  const problems = [];
  let total = 0;
  pages.concat(components).forEach((base) => {
    const wxml = read(`${base}.wxml`);
    const def = definitionOf(`${base}.js`);
    const handlers = new Set();
    const pattern = /\b(?:bind|catch|capture-bind|capture-catch|mut-bind)(?::)?[a-z]+="([A-Za-z_][\w]*)"/g;
    let match;
    while ((match = pattern.exec(wxml))) handlers.add(match[1]);
    total += handlers.size;
    handlers.forEach((name) => {
      if (typeof def.methods[name] !== 'function') problems.push(`${base}: ${name}`);
    });
  });
  expect(problems).toEqual([]);
  expect(total).toBeGreaterThan(50);
});

/** Stand in for the `local-backend.js` that `make run` writes (null: none written), whether
 * or not this checkout has one. */
function mockLocalBackend(exported) {
  const factory = () => {
    if (exported === null) throw new Error('not written');
    return exported;
  };
  ['../local-backend', '../local-backend.js', path.join(ROOT, 'local-backend.js')].forEach((id) =>
    jest.doMock(id, factory, { virtual: true }),
  );
}

// Written by `make run` for the develop build and not committed; config.js requires it
// inside a try and falls back to the default local ports without it.
const OPTIONAL_MODULES = ['local-backend.js'];

test('runtime code requires only project files (no npm modules at run time)', () => {
  const offenders = [];
  runtimeJsFiles().forEach((rel) => {
    const source = read(rel);
    const pattern = /require\(\s*['"]([^'"]+)['"]\s*\)/g;
    let match;
    while ((match = pattern.exec(source))) {
      const target = match[1];
      if (!target.startsWith('.')) offenders.push(`${rel}: ${target}`);
      else if (OPTIONAL_MODULES.includes(path.posix.join(path.posix.dirname(rel), `${target}.js`))) continue;
      else if (!exists(path.posix.join(path.posix.dirname(rel), target.endsWith('.js') ? target : `${target}.js`))) {
        offenders.push(`${rel}: ${target} (missing)`);
      }
    }
  });
  expect(offenders).toEqual([]);
});

test('privacy: __usePrivacyCheck__ on, and every page that scans, picks photos, reads WeRun or the location has the popup', () => {
  expect(app.__usePrivacyCheck__).toBe(true);
  // requiredPrivateInfos accepts only the location APIs: exactly the ones the code calls.
  const LOCATION_APIS = ['getLocation', 'getFuzzyLocation', 'chooseLocation', 'choosePoi', 'chooseAddress', 'onLocationChange', 'startLocationUpdate', 'startLocationUpdateBackground'];
  const called = new Set();
  runtimeJsFiles().forEach((rel) => {
    const pattern = /\bwx\.([A-Za-z]+)\(/g;
    let match;
    while ((match = pattern.exec(read(rel)))) if (LOCATION_APIS.includes(match[1])) called.add(match[1]);
  });
  expect(app.requiredPrivateInfos.slice().sort()).toEqual(Array.from(called).sort());
  expect(app.requiredPrivateInfos.slice().sort()).toEqual(['chooseLocation', 'getLocation']);
  expect(app.permission['scope.userLocation'].desc).toMatch(/距离/);
  const privacyCallers = pages.filter((page) =>
    /checkin\.(scan|choosePhoto)\(|werun\.sync\(|merchants\.locate\(|wx\.chooseLocation\(/.test(read(`${page}.js`)),
  );
  expect(privacyCallers.sort()).toEqual(['merchant/index/index', 'pages/checkin/index', 'pages/merchant-apply/index', 'pages/merchants/index']);
  privacyCallers.forEach((page) => {
    expect(componentsOf(`${page}.json`)).toContain('components/privacy-popup/index');
    expect(read(`${page}.wxml`)).toContain('<privacy-popup');
  });
  expect(read('components/privacy-popup/index.wxml')).toContain('open-type="agreePrivacyAuthorization"');
});

test('project.config.json: placeholder appid, no URL check for local dev, tests not packed', () => {
  const project = readJson('project.config.json');
  expect(project.appid).toBe('wx0000000000sandbox');
  expect(project.setting.urlCheck).toBe(false);
  const ignored = project.packOptions.ignore.map((rule) => rule.value);
  expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'tests', 'package.json', 'package-lock.json']));
  expect(readJson('sitemap.json').rules.length).toBeGreaterThan(0);
});

test('config: develop talks to the local backend, other builds never use the sandbox login', () => {
  const { createWx } = require('./helpers/wx');
  const load = (envVersion) => {
    global.wx = createWx({ envVersion });
    let cfg;
    jest.isolateModules(() => {
      // As in a fresh clone: no local-backend.js (`make run` has not written one).
      mockLocalBackend(null); // as in a fresh clone: `make run` has not written one
      cfg = require('../config').get();
    });
    return cfg;
  };
  expect(load('develop')).toMatchObject({
    baseUrl: 'http://127.0.0.1:8000/api/v1',
    devLoginCode: { sandboxUrl: 'http://127.0.0.1:8765' },
  });
  expect(load('trial').devLoginCode).toBeNull();
  expect(load('release').devLoginCode).toBeNull();
  expect(load('release').baseUrl).toMatch(/^https:\/\//);

  global.wx = createWx({ envVersion: 'develop' });
  global.wx.setStorageSync('tph_dev_base_url', 'http://192.168.1.20:8000/api/v1/');
  let lan;
  jest.isolateModules(() => {
    mockLocalBackend(null);
    lan = require('../config').get();
  });
  expect(lan.baseUrl).toBe('http://192.168.1.20:8000/api/v1');
  expect(lan.devLoginCode).toBeNull(); // not local: a real phone gets real wx.login codes
});

test('config: the develop build follows the ports `make run` wrote in local-backend.js', () => {
  const { createWx } = require('./helpers/wx');
  global.wx = createWx({ envVersion: 'develop' });
  let cfg;
  jest.isolateModules(() => {
    mockLocalBackend({ baseUrl: 'http://127.0.0.1:8100/api/v1', sandboxUrl: 'http://127.0.0.1:8865' });
    cfg = require('../config').get();
  });
  expect(cfg).toMatchObject({
    baseUrl: 'http://127.0.0.1:8100/api/v1',
    devLoginCode: { sandboxUrl: 'http://127.0.0.1:8865' },
  });
  global.wx = createWx({ envVersion: 'release' });
  jest.isolateModules(() => {
    mockLocalBackend({ baseUrl: 'http://127.0.0.1:8100/api/v1' });
    cfg = require('../config').get();
  });
  expect(cfg.baseUrl).toMatch(/^https:\/\//); // never outside develop
});

test('custom component attributes in WXML are hyphenated (empty-text, not emptyText)', () => {
  // WeChat maps `property-name` to the property `propertyName`; camelCase attributes are
  // not part of the WXML contract (see the custom component docs).
  const appTags = Object.keys(app.usingComponents || {});
  const problems = [];
  pages.concat(components).forEach((base) => {
    const tags = appTags.concat(Object.keys(readJson(`${base}.json`).usingComponents || {}));
    const wxml = read(`${base}.wxml`);
    tags.forEach((tag) => {
      const pattern = new RegExp(`<${tag}\\b([^>]*)>`, 'g');
      let match;
      while ((match = pattern.exec(wxml))) {
        (match[1].match(/\s([\w:-]+)=/g) || []).forEach((attr) => {
          const name = attr.trim().slice(0, -1);
          if (/[A-Z]/.test(name) && !name.startsWith('data-')) problems.push(`${base}: <${tag} ${name}>`);
        });
      }
    });
  });
  expect(problems).toEqual([]);
});
