/** Simplified Chinese strings under `rerate.`, loaded with the pages that show them (i18n/index.ts `loadAreas`). */
export default {
  title: '整改结果评价',
  reply: '答复内容',
  intro: '您此前的差评已由相关部门整改并答复。请对整改结果进行评价，每个链接只能评价一次。',
  levels: '您对整改结果的满意程度（必选）',
  needLevel: '请先选择满意程度',
  thanks: '感谢您的评价！',
  thanksDetail: '您对整改结果的评价已提交，将用于考核整改成效。',
  stillBad: '如问题仍未解决，可拨打12345政务服务便民热线反映。',
  expired: '评价链接已过期',
  expiredDetail: '该链接已超过有效期。如对整改结果仍有意见，可拨打12345政务服务便民热线反映。',
  invalid: '评价链接无效',
  invalidDetail: '请打开短信或门户消息中的完整链接。',
  used: '整改结果已经评价过了',
  usedDetail: '每次整改只能评价一次，感谢您的参与。',
  closed: '该差评已不再接受评价',
  closedDetail: '该差评经复核已作废，整改结果无需再评价。',
};
