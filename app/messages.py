"""Validation messages in Chinese: marshmallow's English defaults replaced, once, at import.

Every 422 names the field and says what is wrong in the residents' and operators'
language. A schema can still pass its own `error=` (more precise: "3-32 位字母、数字或
_ . -"); what it leaves out falls back to this table instead of "Missing data for required
field.". `install()` runs when the app package is imported (before any schema exists, so
even fields built at import time get these defaults), and a test walks every field class
marshmallow ships to check that none is left in English.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from webargs import fields as webargs_fields

# Field classes: {class: {error key: message}}. The keys are marshmallow's; `{input}`,
# `{choices}` and the like are filled in by marshmallow.
FIELD_MESSAGES: dict[type[fields.Field], dict[str, str]] = {
    fields.Field: {
        "required": "缺少必填字段",
        "null": "不能为空值（null）",
        "validator_failed": "取值无效",
    },
    fields.Boolean: {"invalid": "须为布尔值（true 或 false）"},
    fields.Date: {"invalid": "不是有效的日期（格式 YYYY-MM-DD）", "format": "无法格式化为日期"},
    fields.Decimal: {"special": "不允许 NaN 或无穷大"},
    fields.Email: {"invalid": "不是有效的电子邮箱地址"},
    fields.Enum: {"unknown": "须为以下之一：{choices}"},
    fields.Float: {"special": "不允许 NaN 或无穷大"},
    fields.IP: {"invalid_ip": "不是有效的 IP 地址"},
    fields.IPInterface: {"invalid_ip_interface": "不是有效的 IP 网段"},
    fields.IPv4: {"invalid_ip": "不是有效的 IPv4 地址"},
    fields.IPv4Interface: {"invalid_ip_interface": "不是有效的 IPv4 网段"},
    fields.IPv6: {"invalid_ip": "不是有效的 IPv6 地址"},
    fields.IPv6Interface: {"invalid_ip_interface": "不是有效的 IPv6 网段"},
    fields.Integer: {"invalid": "须为整数"},
    fields.List: {"invalid": "须为数组"},
    fields.Mapping: {"invalid": "须为对象"},
    fields.Nested: {"type": "类型无效，须为对象"},
    fields.Number: {"invalid": "须为数字", "too_large": "数值过大"},
    fields.String: {"invalid": "须为字符串", "invalid_utf8": "不是有效的 UTF-8 字符串"},
    fields.TimeDelta: {"invalid": "不是有效的时长", "format": "无法格式化为时长"},
    fields.Tuple: {"invalid": "须为数组"},
    fields.Url: {"invalid": "不是有效的网址"},
    fields.UUID: {"invalid_uuid": "不是有效的 UUID"},
    # DateTime, AwareDateTime, NaiveDateTime, Time (obj_type is English: not used).
    fields._TemporalField: {
        "invalid": "不是有效的时间（ISO 8601，例如 2026-01-31T08:00:00+08:00）",
        "invalid_awareness": "时间须带时区（例如 +08:00）",
        "format": "无法格式化为时间",
    },
    # webargs' query-string lists ("ids=1,2,3").
    webargs_fields.DelimitedList: {"invalid": "须为以逗号分隔的列表"},
    webargs_fields.DelimitedTuple: {"invalid": "须为以逗号分隔的列表"},
}
SCHEMA_MESSAGES = {"type": "类型无效，须为对象", "unknown": "不允许的字段"}
# Validators: class attributes holding their default messages.
VALIDATOR_MESSAGES: dict[type, dict[str, str]] = {
    validate.ContainsNoneOf: {"default_message": "不能包含以下取值：{values}"},
    validate.ContainsOnly: {"default_message": "只能包含以下取值：{choices}"},
    validate.Email: {"default_message": "不是有效的电子邮箱地址"},
    validate.Equal: {"default_message": "须等于 {other}"},
    validate.Length: {
        "message_min": "长度不能少于 {min}",
        "message_max": "长度不能超过 {max}",
        "message_all": "长度须在 {min} 到 {max} 之间",
        "message_equal": "长度须为 {equal}",
    },
    validate.NoneOf: {"default_message": "取值无效"},
    validate.OneOf: {"default_message": "须为以下之一：{choices}"},
    validate.Predicate: {"default_message": "取值无效"},
    validate.Range: {
        "message_min": "须{min_op} {{min}}",
        "message_max": "须{max_op} {{max}}",
        "message_all": "须{min_op} {{min}} 且{max_op} {{max}}",
        "message_gte": "大于或等于",
        "message_gt": "大于",
        "message_lte": "小于或等于",
        "message_lt": "小于",
    },
    validate.Regexp: {"default_message": "格式不正确"},
    validate.URL: {"default_message": "不是有效的网址"},
}


def install() -> None:
    """Put the Chinese messages in place of marshmallow's defaults (idempotent)."""
    for cls, messages in FIELD_MESSAGES.items():
        # Each class's own dict, updated in place: Field.__init__ merges them along the MRO.
        own = cls.__dict__.get("default_error_messages")
        if own is None:
            cls.default_error_messages = dict(messages)
        else:
            own.update(messages)
    Schema._default_error_messages = {**Schema._default_error_messages, **SCHEMA_MESSAGES}
    for cls, messages in VALIDATOR_MESSAGES.items():
        for attribute, message in messages.items():
            setattr(cls, attribute, message)
