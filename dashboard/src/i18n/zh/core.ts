/** Simplified Chinese strings every page shows (and all the portal widget shows): in every entry. */
export const core = {
  app: { title: '政务服务“好差评”', demo: '演示数据', demoNote: '演示数据 · 虚构城市，非真实数据', language: 'English', languageLabel: '切换到英文' },
  level: { 5: '非常满意', 4: '满意', 3: '基本满意', 2: '不满意', 1: '非常不满意' },
  channel: {
    PC: 'PC端',
    APP: '移动端',
    MINI_PROGRAM: '小程序',
    QR: '二维码',
    WINDOW: '窗口评价器',
    TERMINAL: '自助终端',
    HOTLINE: '12345热线',
    SMS: '短信',
    IMPORT: '部门系统',
    DEFAULT: '默认好评',
  },
  dimension: {
    commitment: '承诺履行',
    attitude: '服务态度',
    materials: '申请材料',
    efficiency: '办事效率',
    trips: '跑趟次数',
    mechanism: '服务机制',
    integrity: '勤政廉洁',
  },
  connection: { live: '实时', connecting: '连接中', reconnecting: '重连中', offline: '连接中断', updated: '更新于 {time}', never: '尚未更新' },
  widget: { title: '好差评实时数据', total: '评价总数', goodRate: '好评率', bad: '差评数', hotTags: '热门标签', more: '查看大屏' },
};
