/**
 * Server `reason` slugs and client-side failures turned into clear Chinese messages.
 *
 * This is the ONLY place the mini-program decides what a user reads when something goes
 * wrong. The API's `reason` is stable (see shared/API.md); its `message` may change, so a
 * known reason always wins, then the server's Chinese message, then a message by status.
 */

const REASON_MESSAGES = {
  // ---- login and session ----
  wechat_login_failed: '微信登录失败，请稍后重试',
  invalid_credentials: '用户名或密码错误',
  invalid_token: '登录已失效，正在为你重新登录',
  missing_token: '请先登录',
  unauthorized: '请先登录',
  account_deleted: '该账号已注销，无法继续使用',
  wechat_unavailable: '微信服务暂时不可用，请稍后再试',
  upstream_error: '上游服务暂时不可用，请稍后再试',

  // ---- check-ins and evidence ----
  scenario_not_found: '没有找到这个打卡场景，请刷新后重试',
  invalid_qr: '二维码无效或已过期，请扫描现场的官方二维码',
  daily_cap_reached: '今天这个场景的打卡已达上限，明天再来吧',
  duplicate_evidence: '这张凭证已经提交过了，请勿重复打卡',
  invalid_image: '图片无法识别，请重新拍一张清晰的照片',
  invalid_encrypted_data: '微信运动数据校验失败，请重新同步',
  stale_data: '微信运动数据已过期，请重新同步',
  consent_required: '请先在「授权与隐私」中开启该场景的授权',
  evidence_not_accepted: '这个场景不支持这种打卡方式',
  invalid_quantity: '数量不正确：扫码打卡每次记 1 次，称重点位以称重结果为准',
  quantity_required: '这个点位没有称重设备，请填写数量（将由工作人员审核）',
  receipt_already_used: '这张称重小票已经打过卡了',
  scenario_inactive: '这个打卡场景已暂停',
  scenario_not_allowed: '这个打卡点不能用于该场景，请选择正确的场景',
  site_limit_reached: '你今天已在这个打卡点打过卡了，明天再来吧',
  upload_not_found: '照片已失效，请重新拍照',
  werun_conflict: '步数正在同步中，请稍后再试',
  leaderboard_unavailable: '排行榜正在更新，请稍后再看',

  // ---- mall and coupons ----
  out_of_stock: '手慢了，这张券已经被抢光了',
  offer_taken_down: '这张券已下架，暂时不能兑换',
  merchant_frozen: '该商户暂停营业，暂时不能兑换或核销',
  batch_empty: '批量上报至少需要一条事件',
  batch_too_large: '批量上报最多 500 条事件',
  account_frozen: '你的账号已被冻结，暂时不能打卡或兑换，如有疑问请联系客服',
  insufficient_points: '积分不足，先去打卡攒积分吧',
  limit_reached: '你已达到这张券的兑换上限',
  offer_not_live: '该优惠暂未上架或已下架',
  offer_not_found: '没有找到这个优惠',
  coupon_not_cancellable: '这张券现在不能取消（可能已使用、已过期或已取消）',
  coupon_not_found: '券码无效，或不属于本店',
  coupon_already_used: '这张券已经核销过了',
  coupon_expired: '这张券已过期',
  coupon_cancelled: '这张券已被用户取消',
  coupon_not_yet_valid: '这张券还没到可以使用的时间',
  offer_live: '优惠上架中，请先暂停再修改兑换条件',
  offer_not_pausable: '该优惠当前不能暂停',
  offer_not_paused: '该优惠没有暂停',
  offer_not_pending: '该优惠不在待审核状态',
  offer_state_changed: '优惠状态刚刚变化，请刷新后重试',
  stock_below_issued: '库存不能少于已兑出的数量',

  // ---- merchants ----
  invite_not_found: '邀请码不正确，请向店长确认',
  invite_expired: '邀请码已过期，请向店长重新获取',
  invite_used: '邀请码已被使用，请向店长重新获取',
  already_merchant_staff: '你已经是商户的店员了',
  not_merchant_owner: '只有店长可以进行此操作',
  not_merchant_staff: '你不是该商户的店员',
  staff_not_found: '没有找到该店员',
  merchant_not_found: '没有找到该商户',
  forbidden: '当前账号没有此操作的权限',

  // ---- joining the alliance (商户入驻) ----
  application_pending: '你已有一份待审核的入驻申请，请等待审核结果',
  application_decided: '这份申请已经处理过了，请刷新查看结果',
  application_not_found: '没有找到这份入驻申请',

  // ---- partner accounts ----
  binding_code_not_found: '绑定码不正确，请在合作方应用中核对',
  binding_code_used: '这个绑定码已经用过了，请在合作方应用中重新获取',
  binding_code_expired: '绑定码已过期，请在合作方应用中重新获取',
  partner_account_bound: '这个合作方账号已绑定其他用户',
  partner_already_bound: '你已绑定该合作方的另一个账号，请先解除绑定',
  binding_not_found: '你没有绑定该合作方账号',
  partner_not_found: '没有找到这个合作方',

  // ---- profile ----
  nickname_rejected: '这个昵称没有通过微信内容安全检查，请换一个',
  avatar_rejected: '这张头像没有通过微信内容安全检查，请换一张',
  avatar_not_found: '头像不存在',

  // ---- tree adoption (认领树苗) ----
  sink_project_not_found: '没有找到这个碳汇项目，请刷新后重试',
  tree_not_found: '没有找到这棵树，请刷新后重试',
  tree_already_adopted: '这棵树这一年已被认领，换一棵吧',
  tree_not_adoptable: '这棵树暂不可认领（可能已枯死或项目暂停认领）',
  invalid_year: '只能认领今年或明年的树',
  adoption_not_found: '没有找到这条认领记录',

  // ---- personal offsets (一元碳汇) ----
  offset_pool_not_found: '这个碳中和项目不存在或已下线',
  insufficient_units: '这个项目可中和的量不足，请减少千克数或稍后再试',

  // ---- zero-carbon events ----
  event_not_found: '没有找到这场活动，请扫描活动现场的二维码',
  attendance_recorded: '你已记录过本次活动的出行方式',
  event_wrong_stage: '这场活动的碳核算已完成，不再记录出行方式',
  invalid_mode: '请选择出行方式：地铁、公交、骑行或步行',
  invalid_distance: '往返距离须大于 0 且不超过 5000 公里',
  certificate_not_found: '没有找到这张证书',

  // ---- ledger and operators ----
  same_operator: '发起人不能审批自己的调整',
  already_reversed: '该笔交易已冲正',

  // ---- generic request problems ----
  idempotency_key_reused: '请求重复但内容不同，请刷新页面后重试',
  idempotency_conflict: '上一次操作仍在处理中，请稍后查看结果',
  invalid_idempotency_key: '请求标识无效，请重试',
  validation_error: '填写的内容有误，请检查后重试',
  invalid_cursor: '列表已更新，请下拉刷新',
  bad_request: '请求有误，请刷新后重试',
  not_found: '内容不存在或已被删除',
  method_not_allowed: '暂不支持该操作',
  conflict: '操作与当前状态冲突，请刷新后重试',
  payload_too_large: '文件太大了，请换一张小一点的图片',
  unsupported_media_type: '不支持的文件类型',
  rate_limited: '操作太频繁了，请稍等一会儿再试',
  internal_error: '服务器开小差了，请稍后再试',
  service_unavailable: '服务暂时不可用，请稍后再试',
  database_unavailable: '服务暂时繁忙，请稍后再试',
  not_ready: '服务正在启动，请稍后再试',

  // ---- client side (never sent by the server) ----
  network_error: '网络连接失败，请检查网络后重试',
  timeout: '网络请求超时，请稍后重试',
  bad_response: '服务器返回了无法识别的内容，请稍后重试',
  wx_login_failed: '无法获取微信登录凭证，请稍后重试',
  scan_cancelled: '已取消扫码',
  scan_failed: '扫码失败，请对准二维码重试',
  choose_media_failed: '无法打开相机或相册，请检查权限设置',
  upload_failed: '图片上传失败，请检查网络后重试',
  werun_denied: '需要授权读取微信运动步数，才能记录步行减碳',
  werun_unavailable: '暂时无法获取微信运动数据，请确认已开通微信运动',
  privacy_denied: '需要同意隐私保护指引后才能使用该功能',
  permission_denied: '没有相应权限，请在设置中开启后重试',
  dev_sandbox_unavailable: '本地微信沙箱未启动：请先在后端目录运行 make run',
  export_unreadable: '导出的文件无法读取，请重试',
};

// A reason whose general wording does not fit one call (invalid_quantity is worded for
// check-ins; invalid_qr for a site code): the call's own wording wins.
const CALL_MESSAGES = {
  createOffset: {
    invalid_quantity: '每次可中和 1 到 1000 千克，请输入整数',
  },
  recordAttendance: {
    invalid_qr: '这不是有效的活动签到码，请扫描活动现场的二维码',
  },
};

const STATUS_MESSAGES = {
  400: REASON_MESSAGES.bad_request,
  401: REASON_MESSAGES.unauthorized,
  403: REASON_MESSAGES.forbidden,
  404: REASON_MESSAGES.not_found,
  409: REASON_MESSAGES.conflict,
  413: REASON_MESSAGES.payload_too_large,
  422: REASON_MESSAGES.validation_error,
  429: REASON_MESSAGES.rate_limited,
  500: REASON_MESSAGES.internal_error,
  502: REASON_MESSAGES.upstream_error,
  503: REASON_MESSAGES.service_unavailable,
};

// Field names in 422 `errors` shown in Chinese.
const FIELD_LABELS = {
  code: '券码',
  quantity: '数量',
  scenario: '场景',
  evidence: '凭证',
  upload_id: '照片',
  file: '照片',
  title: '标题',
  description: '说明',
  points_price: '所需积分',
  stock: '库存',
  per_user_limit: '每人限兑',
  valid_days: '有效天数',
  granted: '授权',
  invite_code: '邀请码',
  encrypted_data: '运动数据',
  iv: '运动数据',
  cursor: '翻页位置',
  limit: '每页数量',
  period: '时间范围',
  status: '状态',
  token: '二维码',
  mode: '出行方式',
  distance_km: '往返距离',
  pool_id: '碳中和项目',
  kg: '千克数',
  year: '年份',
};

const CHINESE = /[\u4e00-\u9fa5]/;

function fieldList(errors) {
  if (!errors || typeof errors !== 'object') return '';
  const names = Object.keys(errors)
    .filter((name) => name !== '_schema')
    .map((name) => FIELD_LABELS[name] || name);
  return Array.from(new Set(names)).join('、');
}

/**
 * The Chinese message for a failure.
 * @param {string} reason server or client reason slug
 * @param {object} [extra] {status, serverMessage, errors, call (the ENDPOINTS name)}
 */
function messageFor(reason, extra) {
  const info = extra || {};
  let message = (CALL_MESSAGES[info.call] || {})[reason] || REASON_MESSAGES[reason];
  if (!message && info.serverMessage && CHINESE.test(info.serverMessage)) {
    message = info.serverMessage;
  }
  if (!message) {
    const status = Number(info.status) || 0;
    message =
      STATUS_MESSAGES[status] ||
      (status >= 500 ? REASON_MESSAGES.internal_error : '操作失败，请稍后重试');
  }
  if (reason === 'validation_error') {
    const fields = fieldList(info.errors);
    if (fields) message = `请检查：${fields}`;
  }
  return message;
}

/** True when this reason means "try again later" rather than "the answer is no". */
function isTransient(reason, status) {
  return (
    ['network_error', 'timeout', 'rate_limited', 'wechat_unavailable', 'upstream_error',
      'service_unavailable', 'database_unavailable', 'internal_error', 'not_ready',
      'bad_response'].indexOf(reason) >= 0 || Number(status) >= 500
  );
}

/** A short toast-sized text (WeChat toasts show ~7 Chinese characters with an icon). */
function toastText(err) {
  const text = (err && err.message) || '操作失败';
  return text.length > 18 ? `${text.slice(0, 17)}…` : text;
}

module.exports = {
  REASON_MESSAGES,
  CALL_MESSAGES,
  FIELD_LABELS,
  messageFor,
  isTransient,
  toastText,
};
