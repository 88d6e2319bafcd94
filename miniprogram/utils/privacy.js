/**
 * Privacy: what the mini-program collects and why (shown in the privacy popup and on
 * the 「授权与隐私」 page; the same list must be declared in the 用户隐私保护指引 in the
 * mini-program admin console), and a promise wrapper for WeChat's privacy setting.
 */

const PRIVACY_ITEMS = [
  {
    key: 'werun',
    title: '微信运动步数',
    purpose: '计算步行减碳量和积分。只保存每天的步数总数，不读取、不保存位置或轨迹。',
  },
  {
    key: 'camera',
    title: '摄像头',
    purpose: '扫描打卡点二维码、拍摄光盘或旧衣回收照片；商户店员扫码核销优惠券。',
  },
  {
    key: 'album',
    title: '你选择的照片',
    purpose: '仅上传你主动选择的照片：打卡凭证、商户入驻的营业执照，用于审核；上传时去除拍摄位置等信息。',
  },
  {
    key: 'location',
    title: '位置信息',
    purpose: '点「按距离排序」时读取当前位置，只在手机上计算到联盟商户的距离，不上传、不保存；申请入驻时在地图上选择店铺位置。',
  },
  {
    key: 'profile',
    title: '头像和昵称',
    purpose: '你主动填写后显示在减碳排行榜上，经微信内容安全检查；不填写时显示「绿友」加编号。',
  },
  {
    key: 'account',
    title: '微信登录标识',
    purpose: '识别你的碳账户和积分。你可以随时导出数据或注销账户。',
  },
];

/** Resolves {needAuthorization, contractName}; older base libraries resolve "no need". */
function getSetting() {
  return new Promise((resolve) => {
    if (typeof wx.getPrivacySetting !== 'function') {
      resolve({ needAuthorization: false, contractName: '' });
      return;
    }
    wx.getPrivacySetting({
      success: (res) =>
        resolve({
          needAuthorization: !!res.needAuthorization,
          contractName: res.privacyContractName || '《碳普惠小程序隐私保护指引》',
        }),
      fail: () => resolve({ needAuthorization: false, contractName: '' }),
    });
  });
}

function openContract() {
  if (typeof wx.openPrivacyContract === 'function') wx.openPrivacyContract({});
}

module.exports = { PRIVACY_ITEMS, getSetting, openContract };
