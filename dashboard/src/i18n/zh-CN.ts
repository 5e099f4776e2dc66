/** Simplified Chinese, the default language; every other language has the same keys. */
export const zhCN = {
  app: { title: '政务服务“好差评”', demo: '演示数据', demoNote: '演示数据 · 虚构城市，非真实数据', language: 'English', languageLabel: '切换到英文' },
  level: { 5: '非常满意', 4: '满意', 3: '基本满意', 2: '不满意', 1: '非常不满意' },
  channel: {
    PC: 'PC端', APP: '移动端', MINI_PROGRAM: '小程序', QR: '二维码', WINDOW: '窗口评价器', TERMINAL: '自助终端',
    HOTLINE: '12345热线', SMS: '短信', IMPORT: '部门系统', DEFAULT: '默认好评',
  },
  dimension: {
    commitment: '承诺履行', attitude: '服务态度', materials: '申请材料', efficiency: '办事效率',
    trips: '跑趟次数', mechanism: '服务机制', integrity: '勤政廉洁',
  },
  connection: { live: '实时', connecting: '连接中', reconnecting: '重连中', offline: '连接中断', updated: '更新于 {time}', never: '尚未更新' },
  screen: {
    title: '政务服务“好差评”实时数据', total: '评价总数', good: '好评数', bad: '差评数', goodRate: '好评率', badRate: '差评率',
    unratedRate: '未评率', rectificationRate: '差评整改率', callbackRate: '差评回访率',
    districts: '区域分布', ranking: '部门好评率排行', channels: '评价渠道', hotTags: '热门评价标签', trend: '近30日评价趋势',
    feed: '最新评价', overdue: '差评整改', overdueOpen: '超期未办结', openCases: '整改中', onTimeRate: '按期整改率', overdueEver: '累计超期', overdueNone: '暂无超期整改', allRegions: '全部', up: '返回上级', drill: '查看{name}',
    noData: '暂无数据', suppressed: '样本不足', ratings: '{n} 条评价', rank: '第{n}名', perDay: '日评价量', goodRateAxis: '好评率',
    daysOverdue: '超期{n}天',
  },
  widget: { title: '好差评实时数据', total: '评价总数', goodRate: '好评率', bad: '差评数', hotTags: '热门标签', more: '查看大屏' },
  rate: {
    title: '服务评价', intro: '请对本次政务服务进行评价', item: '办理事项', caseNo: '办件编号', department: '办理部门', staff: '工作人员工号',
    levels: '总体评价（必选）', dimensions: '分项评价（可选）', dimensionsHint: '可对以下方面分别评价', tags: '评价标签（可多选）',
    tagsBad: '请选择问题标签或填写意见（差评必填其一）', comment: '意见建议（可选）', commentBad: '意见建议', commentPlaceholder: '请写下您的意见或建议',
    chars: '{n}/{max} 字', submit: '提交评价', submitting: '正在提交…', loading: '正在加载…', needLevel: '请先选择总体评价',
    needTagOrComment: '差评请至少选择一个标签或填写意见', thanks: '感谢您的评价！', thanksDetail: '您的评价已提交，我们将持续改进服务。',
    badFollowUp: '我们已收到您的差评，相关部门将在规定时限内整改并回访。',
    expired: '评价二维码已过期', expiredDetail: '请向窗口工作人员索取新的评价二维码。', invalid: '评价链接无效',
    invalidDetail: '请重新扫描办件回执上的二维码。', used: '该服务已经评价过了', usedDetail: '每次服务只能评价一次，感谢您的参与。',
    closed: '评价时限已过', closedDetail: '该服务已超出可评价的时间。',
    network: '网络连接异常，您的评价已保存在本机，正在自动重试…', retryNow: '立即重试', failed: '提交失败：{message}', none: '不评价此项',
    stars: '{n}星',
  },
  device: {
    idleTitle: '欢迎评价', idleHint: '办理完成后，请在此对我们的服务进行评价', window: '{no}号窗口', terminal: '自助终端 {no}',
    staff: '工作人员', workNo: '工号 {no}', hall: '服务大厅', rateNow: '请您对本次服务进行评价', item: '办理事项', caseNo: '办件编号',
    terminalNo: '终端编号', tags: '请选择问题（差评必选）', tagsGood: '可选择评价标签', submit: '提交评价', cancel: '返回',
    thanks: '感谢您的评价！', sending: '正在提交…', retrying: '网络异常，正在重试…',
    keyTitle: '设备初始化', keyLabel: '设备密钥', keyHint: '请输入管理员发放的评价器设备密钥（仅需输入一次，保存在本设备上）',
    keySave: '保存', keyChange: '更换密钥', keyRejected: '设备密钥无效或不属于本设备，请重新输入', loadFailed: '无法加载设备信息：{message}',
    returning: '{n}秒后返回',
  },
  home: { screen: '大厅大屏', widget: '门户小部件', rate: '评价页面（需扫码）', window: '窗口评价器', terminal: '自助终端', api: 'GraphQL 接口' },
};

/** The shape every language provides. */
export type Messages = typeof zhCN;
