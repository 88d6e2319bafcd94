/**
 * The merchant's offer form: field rules (the same bounds the API enforces) and the
 * request body — the whole offer when creating, only changed fields when editing.
 */

const FIELDS = ['title', 'description', 'points_price', 'stock', 'per_user_limit', 'valid_days'];

function intIn(text, min, max) {
  const value = Number(String(text === undefined || text === null ? '' : text).trim());
  return Number.isInteger(value) && value >= min && value <= max ? value : null;
}

/** Form values (strings) from an offer. */
function fromOffer(offer) {
  const o = offer || {};
  const stock = o.stock_total !== undefined ? o.stock_total : o.stock;
  return {
    title: o.title || '',
    description: o.description || '',
    points_price: o.points_price !== undefined ? String(o.points_price) : '',
    stock: stock !== undefined && stock !== null ? String(stock) : '',
    per_user_limit: o.per_user_limit !== undefined ? String(o.per_user_limit) : '1',
    // A new offer defaults to 30 days; an offer with a fixed window has no valid_days.
    valid_days: o.valid_days ? String(o.valid_days) : offer ? '' : '30',
  };
}

/**
 * Check the form. Returns {errors: {field: message}, body}; body is null when invalid.
 * @param {object} form field -> text
 * @param {object} [original] the offer being edited (omit when creating)
 */
function validate(form, original) {
  const errors = {};
  const values = {};
  const title = String(form.title || '').trim();
  if (!title) errors.title = '请填写优惠标题';
  else if (title.length > 64) errors.title = '标题最多 64 个字';
  else values.title = title;

  const description = String(form.description || '').trim();
  if (description.length > 2000) errors.description = '说明最多 2000 字';
  else values.description = description;

  const price = intIn(form.points_price, 1, 10000000);
  if (price === null) errors.points_price = '所需积分应为 1 以上的整数';
  else values.points_price = price;

  const stock = intIn(form.stock, original ? 0 : 1, 1000000);
  if (stock === null) errors.stock = original ? '库存应为 0~1000000 的整数' : '库存应为 1~1000000 的整数';
  else values.stock = stock;

  const limit = intIn(form.per_user_limit, 1, 1000);
  if (limit === null) errors.per_user_limit = '每人限兑应为 1~1000 的整数';
  else values.per_user_limit = limit;

  const keepWindow = original && !original.valid_days && !String(form.valid_days || '').trim();
  const days = intIn(form.valid_days, 1, 3650);
  if (keepWindow) values.valid_days = undefined;
  else if (days === null) errors.valid_days = '有效天数应为 1~3650 的整数';
  else values.valid_days = days;

  if (Object.keys(errors).length) return { errors, body: null };
  if (!original) return { errors, body: values };
  const before = fromOffer(original);
  const body = {};
  FIELDS.forEach((field) => {
    if (values[field] !== undefined && String(values[field]) !== String(before[field]).trim()) {
      body[field] = values[field];
    }
  });
  return { errors, body };
}

module.exports = { FIELDS, fromOffer, validate };
