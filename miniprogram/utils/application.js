/**
 * Applying to join the alliance (商户入驻): the form's checks, what an application's
 * status says, and the request body (POST /me/merchant-applications).
 */

const format = require('./format');

const PHONE = /^[0-9+\-() ]{5,32}$/;
const FIELDS = ['name', 'address', 'phone', 'opening_hours'];

function emptyForm() {
  return { name: '', address: '', phone: '', opening_hours: '', description: '', location: null, licence: '' };
}

/** The form filled from an earlier application (to apply again after a refusal). */
function formFrom(application) {
  if (!application) return emptyForm();
  const located = application.latitude_e6 !== undefined && application.latitude_e6 !== null;
  return {
    name: application.name || '',
    address: application.address || '',
    phone: application.phone || '',
    opening_hours: application.opening_hours || '',
    description: application.description || '',
    location: located ? { latitude_e6: application.latitude_e6, longitude_e6: application.longitude_e6, text: application.address || '已选择' } : null,
    licence: '', // a new photo each time: the old upload may have been erased
  };
}

/** {field: message} for what is missing or wrong; empty when the form can be sent. */
function check(form) {
  const errors = {};
  if (!String(form.name || '').trim()) errors.name = '请填写店铺名称';
  else if (String(form.name).trim().length > 64) errors.name = '店铺名称最多 64 个字';
  if (!String(form.address || '').trim()) errors.address = '请填写店铺地址';
  if (!PHONE.test(String(form.phone || '').trim())) errors.phone = '请填写正确的联系电话';
  if (!String(form.opening_hours || '').trim()) errors.opening_hours = '请填写营业时间，如 每天 9:00-21:00';
  else if (String(form.opening_hours).trim().length > 100) errors.opening_hours = '营业时间最多 100 个字';
  if (!form.location) errors.location = '请在地图上选择店铺位置';
  if (!form.licence) errors.licence = '请上传营业执照照片';
  return errors;
}

/** The request body, with the licence photo's upload_id. */
function body(form, licenceUploadId) {
  const data = { licence_upload_id: licenceUploadId, latitude_e6: form.location.latitude_e6, longitude_e6: form.location.longitude_e6 };
  FIELDS.forEach((name) => {
    data[name] = String(form[name] || '').trim();
  });
  if (String(form.description || '').trim()) data.description = String(form.description).trim();
  return data;
}

/** A wx.chooseLocation answer as the form keeps it (GCJ-02, degrees x 1e6). */
function locationOf(res) {
  return {
    latitude_e6: Math.round(Number(res.latitude) * 1e6),
    longitude_e6: Math.round(Number(res.longitude) * 1e6),
    text: res.name || res.address || '已选择位置',
    address: res.address || '',
  };
}

const STATUS = {
  pending: { text: '审核中', tone: 'pending' },
  approved: { text: '已通过', tone: 'success' },
  rejected: { text: '未通过', tone: 'danger' },
  withdrawn: { text: '已撤回', tone: 'grey' },
};

/** What the page says about an application. */
function statusView(application) {
  if (!application) return null;
  const status = STATUS[application.status] || { text: application.status, tone: 'grey' };
  let detail = '';
  if (application.status === 'pending') detail = `${format.dateTime(application.created_at)} 提交，运营审核后会通过微信通知你`;
  else if (application.status === 'approved') detail = '欢迎加入低碳商业联盟！现在可以在商户工作台发布优惠、核销券码。';
  else if (application.status === 'rejected') detail = application.review_note ? `原因：${application.review_note}` : '可以修改后重新提交';
  else detail = '你已撤回这份申请';
  return { id: application.id, name: application.name, status: application.status, text: status.text, tone: status.tone, detail };
}

module.exports = { emptyForm, formFrom, check, body, locationOf, statusView, PHONE };
