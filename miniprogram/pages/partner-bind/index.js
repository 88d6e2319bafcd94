/**
 * 绑定合作方账号: a bus company or bike share shows a one-time binding code in its own
 * app; the resident types it here (POST /me/partner-bindings). Binding means that
 * partner's trips are credited to this carbon account, which the page says before the
 * resident confirms (the server grants the consents for the partner's scenarios), and
 * what the partner reported before the binding (the last 30 days) is paid at once. Lists
 * the partners (GET /partners) and my bindings (GET /me/partner-bindings), unbinding too.
 */
const api = require('../../utils/api');
const scenarios = require('../../utils/scenarios');
const ui = require('../../utils/ui');

const CODE = /^[A-Za-z0-9]{10}$/;

function scenarioNames(codes, byCode) {
  return (codes || []).map((code) => (byCode[code] && byCode[code].name) || code).join('、');
}

function bindingView(binding, byCode) {
  const partner = binding.partner || {};
  return {
    code: partner.code,
    name: partner.name || partner.code,
    scenarioText: scenarioNames(partner.scenarios, byCode),
    account: binding.partner_user_id || '',
  };
}

/** What the binding answer tells the resident. */
function resultText(result, byCode) {
  const partner = (result && result.partner) || {};
  const paid = (result && result.paid) || {};
  const lines = [`已绑定${partner.name || '合作方'}账号，今后的${scenarioNames(result.consented, byCode) || '出行'}记录会自动计入你的碳账户。`];
  if (paid.credited > 0) lines.push(`绑定前 30 天内的 ${paid.credited} 条记录已补记，获得 ${paid.points} 积分。`);
  if (paid.lapsed > 0) lines.push(`另有 ${paid.lapsed} 条记录超过 30 天或超出当日上限，未能补记。`);
  return lines.join('\n');
}

Page({
  data: {
    status: 'loading',
    errorMessage: '',
    partners: [],
    bindings: [],
    code: '',
    codeError: '',
    binding: false,
  },

  onLoad() {
    this.load();
  },

  async load() {
    this.setData({ status: 'loading' });
    try {
      const [catalog, partners, bindings] = await Promise.all([
        scenarios.load().catch(() => []),
        api.call('partners'),
        api.call('partnerBindings'),
      ]);
      this.byCode = scenarios.byCode(catalog);
      const bound = ((bindings && bindings.items) || []).map((b) => bindingView(b, this.byCode));
      const boundCodes = bound.map((b) => b.code);
      this.setData({
        status: 'ready',
        bindings: bound,
        partners: ((partners && partners.items) || [])
          .filter((p) => boundCodes.indexOf(p.code) < 0)
          .map((p) => ({ code: p.code, name: p.name, scenarioText: scenarioNames(p.scenarios, this.byCode) })),
      });
    } catch (err) {
      this.setData({ status: 'error', errorMessage: err.message });
    }
  },

  onRetry() {
    this.load();
  },

  onCodeInput(event) {
    this.setData({ code: event.detail.value, codeError: '' });
  },

  async onBind() {
    if (this.data.binding) return;
    const code = String(this.data.code || '').replace(/[\s-]/g, '');
    if (!CODE.test(code)) {
      this.setData({ codeError: '绑定码是 10 位字母和数字，请在合作方应用中查看' });
      return;
    }
    const ok = await ui.confirm({
      title: '绑定合作方账号',
      content: '绑定后，该合作方会把你的出行记录同步给我们，按规则计入你的碳账户并发放积分（相当于开启该场景的数据授权，可在「授权与隐私」中随时关闭）。绑定前 30 天内的记录会一并补记。',
      confirmText: '同意并绑定',
    });
    if (!ok) return;
    this.setData({ binding: true });
    try {
      const result = await ui.withLoading('绑定中', () => api.call('bindPartner', { data: { code } }));
      this.setData({ code: '' });
      await ui.alert('绑定成功', resultText(result, this.byCode || {}));
      this.load();
    } catch (err) {
      if (err.status === 404) this.setData({ codeError: err.message });
      else ui.showError(err, '没有绑定成功');
    } finally {
      this.setData({ binding: false });
    }
  },

  async onUnbind(event) {
    const code = event.currentTarget.dataset.code;
    const binding = this.data.bindings.find((b) => b.code === code);
    if (!binding) return;
    const ok = await ui.confirm({
      title: '解除绑定',
      content: `解除后，${binding.name}今后的记录不再计入你的碳账户；已发放的积分不受影响。`,
      confirmText: '解除绑定',
      danger: true,
    });
    if (!ok) return;
    try {
      await ui.withLoading('解除中', () => api.call('unbindPartner', { params: { partner_code: code } }));
      ui.toast('已解除绑定');
      this.load();
    } catch (err) {
      ui.showError(err, '没有解除成功');
    }
  },
});

module.exports = { resultText, bindingView };
