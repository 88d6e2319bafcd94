/**
 * Check-in evidence: scan a site QR, take a photo (upload it), then POST /checkins.
 * Each wx.* call is wrapped so a cancelled scan or photo resolves null (not an error).
 */

const api = require('./api');
const format = require('./format');

function isCancel(err) {
  return /cancel/i.test((err && err.errMsg) || '');
}

/** The site token from a wx.scanCode answer: the QR text, or the `scene` of a mini-program code. */
function tokenFromScan(res) {
  const text = String((res && res.result) || '').trim();
  if (text) return text;
  const path = String((res && res.path) || '');
  const match = path.match(/[?&]scene=([^&]+)/);
  return match ? decodeURIComponent(match[1]) : '';
}

/** Scan a QR with the camera; resolves the scanned text or null if the user cancelled. */
function scan() {
  return new Promise((resolve, reject) => {
    wx.scanCode({
      onlyFromCamera: true,
      scanType: ['qrCode', 'wxCode'],
      success: (res) => {
        const token = tokenFromScan(res);
        if (token) resolve(token);
        else reject(new api.ApiError({ reason: 'scan_failed' }));
      },
      fail: (err) =>
        isCancel(err) ? resolve(null) : reject(new api.ApiError({ reason: 'scan_failed' })),
    });
  });
}

/** Take or pick one photo; resolves its temp path or null if the user cancelled. */
function choosePhoto() {
  return new Promise((resolve, reject) => {
    wx.chooseMedia({
      count: 1,
      mediaType: ['image'],
      sourceType: ['camera', 'album'],
      sizeType: ['compressed'],
      camera: 'back',
      success: (res) => {
        const file = res.tempFiles && res.tempFiles[0];
        if (file && file.tempFilePath) resolve(file.tempFilePath);
        else reject(new api.ApiError({ reason: 'choose_media_failed' }));
      },
      fail: (err) =>
        isCancel(err) ? resolve(null) : reject(new api.ApiError({ reason: 'choose_media_failed' })),
    });
  });
}

/** Upload a photo: resolves the server's upload_id. */
async function uploadPhoto(filePath) {
  const body = await api.call('upload', { filePath });
  if (!body || !body.upload_id) throw new api.ApiError({ reason: 'upload_failed' });
  return body.upload_id;
}

function withQuantity(body, quantity) {
  const q = Number(quantity);
  if (quantity !== undefined && quantity !== null && quantity !== '' && q > 0) body.quantity = q;
  return body;
}

function submitQr(scenario, token, quantity) {
  return api.call('createCheckin', {
    data: withQuantity({ scenario, evidence: { type: 'qr', token } }, quantity),
  });
}

function submitPhoto(scenario, uploadId, quantity) {
  return api.call('createCheckin', {
    data: withQuantity({ scenario, evidence: { type: 'photo', upload_id: uploadId } }, quantity),
  });
}

const STATUS_VIEW = {
  approved: { icon: '🎉', title: '打卡成功', tone: 'success' },
  pending: { icon: '⏳', title: '已提交，等待审核', tone: 'pending' },
  rejected: { icon: '🙁', title: '未通过审核', tone: 'danger' },
};

/** What the result card shows for a check-in answer. */
function resultView(result) {
  const status = (result && result.status) || 'pending';
  const view = STATUS_VIEW[status] || STATUS_VIEW.pending;
  let detail = '';
  if (status === 'approved') {
    detail = `减碳 ${format.carbon(result.carbon_g)}，获得 ${Number(result.points) || 0} 积分`;
  } else if (status === 'pending') {
    detail = `预计减碳 ${format.carbon(result.carbon_g)}，审核通过后发放积分`;
  } else {
    detail = '这次打卡没有通过自动审核，如有疑问请联系运营';
  }
  return { ...view, status, detail, points: Number(result && result.points) || 0 };
}

module.exports = {
  tokenFromScan,
  scan,
  choosePhoto,
  uploadPhoto,
  submitQr,
  submitPhoto,
  resultView,
};
