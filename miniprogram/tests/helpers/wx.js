/**
 * A stand-in for the `wx` global (there is no WeChat here): storage in memory, wx.request
 * and wx.uploadFile answered asynchronously by a `server(request)` function, scripted
 * answers for modals, scanCode, chooseMedia and getWeRunData, and a record of every call.
 * This is the only mock the mini-program tests use.
 */

function clone(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function createWx(options = {}) {
  const storage = {};
  const calls = {
    request: [],
    uploadFile: [],
    downloadFile: [],
    subscriptions: [], // the tmplIds of each wx.requestSubscribeMessage
    phoneCalls: [],
    openedLocations: [],
    locations: 0,
    login: 0,
    toasts: [],
    modals: [],
    navigations: [],
    loading: 0,
    clipboard: [],
  };
  const script = {
    modal: [], // queue of {confirm, content?}; default: confirm
    scanCode: [], // queue of {result} | {errMsg}
    chooseMedia: [], // queue of {tempFiles} | {errMsg}
    getWeRunData: [], // queue of {encryptedData, iv} | {errMsg}
    getLocation: [], // queue of {latitude, longitude} | {errMsg}
    chooseLocation: [], // queue of {name, address, latitude, longitude} | {errMsg}
    subscribe: 'accept', // every template's answer to wx.requestSubscribeMessage, or 'fail'
    subscribeAvailable: true,
    checkSession: true,
    authSetting: {},
    privacyNeedsAuthorization: false,
  };
  const server =
    options.server ||
    (() => ({ status: 404, body: { code: 404, reason: 'not_found', message: 'no route' } }));

  function later(fn) {
    setTimeout(fn, 0);
  }

  const files = {}; // temp path -> text, for downloads read back with readFile

  function answer(kind, opts) {
    calls[kind].push(opts);
    later(async () => {
      let res;
      try {
        res = await server({ kind, ...opts, data: clone(opts.data), header: { ...opts.header } });
      } catch (err) {
        res = { fail: `${kind}:fail ${err.message}` };
      }
      if (res && res.fail) {
        if (opts.fail) opts.fail({ errMsg: res.fail });
      } else if (kind === 'downloadFile') {
        const tempFilePath = `wxfile://tmp/download-${calls.downloadFile.length}`;
        files[tempFilePath] = typeof res.body === 'string' ? res.body : JSON.stringify(res.body || {});
        if (opts.success) opts.success({ statusCode: res.status, tempFilePath });
      } else {
        const body = kind === 'uploadFile' ? JSON.stringify(res.body || {}) : clone(res.body);
        if (opts.success) opts.success({ statusCode: res.status, data: body, header: {} });
      }
      if (opts.complete) opts.complete();
    });
    return { abort() {} };
  }

  function scripted(queueName, opts, fallback) {
    const next = script[queueName].length ? script[queueName].shift() : fallback;
    later(() => {
      if (next && next.errMsg) {
        if (opts.fail) opts.fail(next);
      } else if (opts.success) {
        opts.success(next);
      }
      if (opts.complete) opts.complete();
    });
  }

  function requestSubscribeMessage(opts) {
    calls.subscriptions.push(opts.tmplIds.slice());
    later(() => {
      if (script.subscribe === 'fail') {
        if (opts.fail) opts.fail({ errMsg: 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.' });
        return;
      }
      const res = { errMsg: 'requestSubscribeMessage:ok' };
      opts.tmplIds.forEach((id) => {
        res[id] = script.subscribe;
      });
      if (opts.success) opts.success(res);
    });
  }

  const wx = {
    getAccountInfoSync: () => ({
      miniProgram: { envVersion: options.envVersion || 'develop', appId: 'wx0000000000sandbox' },
    }),
    getStorageSync: (key) => (key in storage ? clone(storage[key]) : ''),
    setStorageSync: (key, value) => {
      storage[key] = clone(value);
    },
    removeStorageSync: (key) => {
      delete storage[key];
    },
    clearStorageSync: () => Object.keys(storage).forEach((key) => delete storage[key]),
    request: (opts) => answer('request', opts),
    uploadFile: (opts) => answer('uploadFile', opts),
    downloadFile: (opts) => answer('downloadFile', opts),
    getLocation: (opts) => {
      calls.locations += 1;
      scripted('getLocation', opts, { errMsg: 'getLocation:fail auth deny' });
    },
    chooseLocation: (opts) => scripted('chooseLocation', opts, { errMsg: 'chooseLocation:fail cancel' }),
    makePhoneCall: (opts) => calls.phoneCalls.push(opts.phoneNumber),
    openLocation: (opts) => calls.openedLocations.push(opts),
    previewImage: () => {},
    login: (opts) => {
      calls.login += 1;
      const code = `wxcode-${calls.login}`;
      later(() => opts.success && opts.success({ code, errMsg: 'login:ok' }));
    },
    checkSession: (opts) =>
      later(() => (script.checkSession ? opts.success && opts.success({}) : opts.fail && opts.fail({}))),
    getSetting: (opts) => later(() => opts.success({ authSetting: { ...script.authSetting } })),
    openSetting: (opts) => later(() => opts.success({ authSetting: { ...script.authSetting } })),
    scanCode: (opts) => scripted('scanCode', opts, { errMsg: 'scanCode:fail cancel' }),
    chooseMedia: (opts) => scripted('chooseMedia', opts, { errMsg: 'chooseMedia:fail cancel' }),
    getWeRunData: (opts) => scripted('getWeRunData', opts, { errMsg: 'getWeRunData:fail auth deny' }),
    showModal: (opts) => {
      calls.modals.push(opts);
      const next = script.modal.length ? script.modal.shift() : { confirm: true };
      const res = { confirm: !!next.confirm, cancel: !next.confirm, content: next.content || '' };
      later(() => {
        if (opts.success) opts.success(res);
        if (opts.complete) opts.complete(res);
      });
    },
    showToast: (opts) => calls.toasts.push(opts),
    showLoading: () => {
      calls.loading += 1;
    },
    hideLoading: () => {
      calls.loading -= 1;
    },
    showActionSheet: (opts) => later(() => opts.fail && opts.fail({ errMsg: 'showActionSheet:fail cancel' })),
    navigateTo: (opts) => calls.navigations.push({ type: 'navigateTo', url: opts.url }),
    redirectTo: (opts) => calls.navigations.push({ type: 'redirectTo', url: opts.url }),
    switchTab: (opts) => calls.navigations.push({ type: 'switchTab', url: opts.url }),
    reLaunch: (opts) => calls.navigations.push({ type: 'reLaunch', url: opts.url }),
    navigateBack: () => calls.navigations.push({ type: 'navigateBack' }),
    stopPullDownRefresh: () => {},
    setNavigationBarTitle: (opts) => {
      calls.title = opts.title;
    },
    vibrateLong: () => {},
    setClipboardData: (opts) => {
      calls.clipboard.push(opts.data);
      later(() => opts.success && opts.success({}));
    },
    vibrateShort: () => {},
    setScreenBrightness: () => {},
    getScreenBrightness: (opts) => later(() => opts.success && opts.success({ value: 0.5 })),
    setKeepScreenOn: () => {},
    getWindowInfo: () => ({ pixelRatio: 2, windowWidth: 375, windowHeight: 667 }),
    getPrivacySetting: (opts) =>
      later(() =>
        opts.success({
          needAuthorization: script.privacyNeedsAuthorization,
          privacyContractName: '《碳普惠小程序隐私保护指引》',
        }),
      ),
    onNeedPrivacyAuthorization: (handler) => {
      wx.__privacyHandler = handler;
    },
    openPrivacyContract: () => {},
    getFileSystemManager: () => ({
      writeFile: (opts) => later(() => opts.success && opts.success({})),
      readFile: (opts) =>
        later(() =>
          opts.filePath in files ? opts.success && opts.success({ data: files[opts.filePath] }) : opts.fail && opts.fail({ errMsg: 'readFile:fail no such file' }),
        ),
    }),
    shareFileMessage: (opts) => later(() => opts.success && opts.success({})),
    env: { USER_DATA_PATH: 'wxfile://usr' },
    __files: files,
    __storage: storage,
    get requestSubscribeMessage() {
      return script.subscribeAvailable ? requestSubscribeMessage : undefined;
    },
    __calls: calls,
    __script: script,
  };
  return wx;
}

/** Let every pending timer-based callback run (the fake answers on setTimeout 0). */
async function flush(rounds = 20) {
  for (let i = 0; i < rounds; i += 1) {
    // eslint-disable-next-line no-await-in-loop
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

module.exports = { createWx, flush };
