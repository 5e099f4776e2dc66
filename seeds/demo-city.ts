/**
 * A deterministic, invented demo city for the 好差评 platform, modelled on the Tianjin and
 * Xuchang documents (summarised in docs/rules.md): a four-level hierarchy with departments and halls at every
 * level (R4), a catalog of service items joined by credit codes (R25), and a streamed rating
 * history that follows Tianjin's profile (R24). Pure: no I/O, no Math.random, no clock.
 */
import { makeCreditCode } from '../server/src/catalog/credit-code.logic.js';
import type { DimensionKey, Level } from '../server/src/catalog/levels.logic.js';
import { DIMENSIONS } from '../server/src/catalog/levels.logic.js';
import type { RegionLevel } from '../server/src/catalog/region.logic.js';
import { nationalTagsForLevel } from '../server/src/catalog/tags.data.js';
import { idCardCheckChar } from '../server/src/common/pii-text.logic.js';

// ---------------------------------------------------------------------------------------------
// Seeded randomness

/** mulberry32: tiny, fast and good enough for demo data; the same seed always gives the same stream. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** Integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: ReadonlyArray<T>): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  shuffled<T>(items: ReadonlyArray<T>): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
  /** n random decimal digits (n ≤ 15). */
  digits(n: number): string {
    return String(Math.floor(this.next() * 10 ** n)).padStart(n, '0');
  }
}

/** A fixed discrete distribution, precomputed because the history draws from it millions of times. */
class Weighted<T> {
  private readonly values: T[];
  private readonly cumulative: number[];
  constructor(pairs: ReadonlyArray<readonly [T, number]>) {
    let acc = 0;
    this.values = pairs.map(([v]) => v);
    this.cumulative = pairs.map(([, w]) => (acc += w));
  }
  pick(rng: Random): T {
    const cum = this.cumulative;
    const r = rng.next() * cum[cum.length - 1]!;
    for (let i = 0; i < cum.length - 1; i++) if (r < cum[i]!) return this.values[i]!;
    return this.values[cum.length - 1]!;
  }
}

// ---------------------------------------------------------------------------------------------
// Catalog shapes

/** A village or community (村/社区). */
export interface DemoVillage {
  code: string;
  name: string;
}
/** A township (街道/镇/乡) with its villages. */
export interface DemoTownship {
  code: string;
  name: string;
  villages: DemoVillage[];
}
/** A county-level district (区/县/县级市/开发区) with its townships. */
export interface DemoDistrict {
  code: string;
  name: string;
  townships: DemoTownship[];
}
/** The demo city and its tree. */
export interface DemoCity {
  code: string;
  name: string;
  districts: DemoDistrict[];
}
/** One row of the flattened region tree; the city is the root (its province is outside the demo). */
export interface DemoRegion {
  code: string;
  name: string;
  level: RegionLevel;
  parentCode: string | null;
}
export interface DemoDepartment {
  key: string;
  name: string;
  creditCode: string;
  regionCode: string;
  parentKey?: string;
}
export interface DemoHall {
  key: string;
  name: string;
  regionCode: string;
}
export interface DemoWindow {
  key: string;
  hallKey: string;
  no: string;
  name: string;
  departmentKey: string;
}
export interface DemoTerminal {
  key: string;
  hallKey: string;
  no: string;
  name: string;
}
export interface DemoStaff {
  key: string;
  departmentKey: string;
  workNo: string;
  name: string;
  windowKey: string;
}
/** 事项类型 codes of GB/T 39046 used by the demo items. */
export type DemoItemType = '01' | '02' | '04' | '05' | '06' | '07' | '09' | '10' | '20';
export interface DemoItem {
  key: string;
  departmentKey: string;
  taskCode: string;
  handleItemCode: string;
  name: string;
  itemType: DemoItemType;
}
export interface DemoCatalog {
  city: DemoCity;
  regions: DemoRegion[];
  departments: DemoDepartment[];
  halls: DemoHall[];
  windows: DemoWindow[];
  terminals: DemoTerminal[];
  staff: DemoStaff[];
  items: DemoItem[];
}

// ---------------------------------------------------------------------------------------------
// Invented geography. 河清市 does not exist: Henan (41) has no city code 99, so 4199xx codes cannot
// collide with a real region while still looking like a prefecture-level city of a real province.

const CITY_NAME = '河清市';
const CITY_CODE6 = '419900';

type DistrictKind = 'urban' | 'zone' | 'county';
const DISTRICTS: ReadonlyArray<{ code2: string; name: string; kind: DistrictKind }> = [
  { code2: '02', name: '东城区', kind: 'urban' },
  { code2: '03', name: '河西区', kind: 'urban' },
  { code2: '04', name: '清源区', kind: 'urban' },
  { code2: '05', name: '北湖区', kind: 'urban' },
  { code2: '06', name: '南关区', kind: 'urban' },
  { code2: '21', name: '清河县', kind: 'county' },
  { code2: '22', name: '河阳县', kind: 'county' },
  { code2: '23', name: '平安县', kind: 'county' },
  { code2: '24', name: '古城县', kind: 'county' },
  { code2: '25', name: '柳林县', kind: 'county' },
  { code2: '26', name: '石桥县', kind: 'county' },
  { code2: '27', name: '长乐县', kind: 'county' },
  // Development zones get codes in the 7x range, as in GB/T 2260 practice.
  { code2: '71', name: '高新技术产业开发区', kind: 'zone' },
  { code2: '72', name: '经济技术开发区', kind: 'zone' },
  { code2: '73', name: '城乡一体化示范区', kind: 'zone' },
  { code2: '81', name: '临河市', kind: 'county' },
];

const STREET_STEMS = [
  '新华',
  '人民',
  '解放',
  '建设',
  '文化',
  '和平',
  '五一',
  '胜利',
  '幸福',
  '光明',
  '花园',
  '滨河',
  '长青',
  '永安',
  '朝阳',
  '向阳',
  '友谊',
  '民主',
  '团结',
  '育才',
  '站前',
  '西湖',
  '东湖',
  '南苑',
  '北苑',
  '金源',
  '锦绣',
  '华夏',
  '兴业',
  '迎宾',
  '春晖',
  '丰收',
  '学院',
  '科技',
  '创新',
  '未来',
  '高铁',
  '湖滨',
  '北海',
  '东明',
  '西园',
  '南湖',
  '清风',
  '运河',
  '文昌',
  '明珠',
  '天宝',
  '瑞丰',
  '和顺',
  '永宁',
  '东兴',
  '西城',
  '南城',
  '北城',
  '中心',
  '府前',
  '鼓楼',
  '钟楼',
  '文峰',
  '万福',
  '长安',
  '新兴',
  '兴华',
  '安居',
  '德胜',
  '西郊',
  '东郊',
  '花溪',
  '青年',
  '建业',
  '振兴',
  '龙湖',
] as const;
const TOWN_FIRST = [
  '东',
  '西',
  '南',
  '北',
  '新',
  '老',
  '大',
  '小',
  '上',
  '下',
  '前',
  '后',
  '高',
  '古',
  '龙',
  '凤',
  '金',
  '石',
  '白',
  '青',
  '柳',
  '桃',
  '杨',
  '马',
] as const;
const TOWN_SECOND = ['关', '庄', '集', '店', '桥', '河', '湾', '营', '庙', '寨', '岗', '坡', '林', '园', '屯', '楼', '口', '坊', '泉', '山'] as const;
const COMMUNITY_STEMS = [
  '和谐',
  '阳光',
  '锦华',
  '翠园',
  '绿城',
  '金地',
  '丽景',
  '欣苑',
  '康宁',
  '福安',
  '瑞祥',
  '嘉禾',
  '华庭',
  '新村',
  '学苑',
  '铁路',
  '工人',
  '电厂',
  '纺织',
  '秀水',
] as const;
const VILLAGE_SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '孙', '周', '吴', '郭', '马', '冯', '韩', '许', '胡'] as const;
const VILLAGE_SUFFIXES = ['庄', '营', '寨', '屯', '湾', '楼', '岗', '集', '店', '桥'] as const;

// ---------------------------------------------------------------------------------------------
// Departments and their items. Each department belongs to a domain that decides its items and
// window label; the domain stays inside this module (the catalog shapes are the seeders' contract).

type ItemDef = readonly [name: string, itemType: DemoItemType];

const ITEMS_BY_DOMAIN = {
  fagai: [
    ['企业投资项目备案', '10'],
    ['企业投资项目核准', '01'],
    ['固定资产投资项目节能审查', '01'],
    ['政府投资项目可行性研究报告审批', '01'],
  ],
  jiaoyu: [
    ['教师资格认定', '07'],
    ['民办学校设立许可', '01'],
    ['义务教育阶段学生转学', '20'],
    ['校外培训机构设立审批', '01'],
    ['学生资助申请', '05'],
  ],
  keji: [
    ['高新技术企业认定', '07'],
    ['科技型中小企业评价', '20'],
    ['技术合同认定登记', '07'],
    ['科技成果登记', '20'],
  ],
  gongxin: [
    ['工业企业技术改造项目备案', '10'],
    ['无线电台（站）设置许可', '01'],
    ['新型墙体材料认定', '07'],
  ],
  minzong: [
    ['宗教活动场所设立审批', '01'],
    ['宗教教职人员备案', '10'],
    ['少数民族成份变更', '07'],
  ],
  gongan: [
    ['居民身份证换领', '20'],
    ['居民身份证补领', '20'],
    ['临时居民身份证申领', '20'],
    ['出生登记', '07'],
    ['户口迁移登记', '07'],
    ['居住证申领', '20'],
    ['无犯罪记录证明开具', '20'],
    ['养犬登记', '01'],
  ],
  churujing: [
    ['普通护照签发', '01'],
    ['往来港澳通行证签发', '01'],
    ['港澳旅游签注', '01'],
    ['往来台湾通行证签发', '01'],
    ['外国人居留许可', '01'],
  ],
  jiaojing: [
    ['机动车驾驶证换证', '20'],
    ['机动车驾驶证补证', '20'],
    ['机动车注册登记', '07'],
    ['机动车转移登记', '07'],
    ['机动车检验合格标志核发', '20'],
    ['交通违法处理', '02'],
    ['机动车号牌补领', '20'],
  ],
  minzheng: [
    ['结婚登记', '07'],
    ['离婚登记', '07'],
    ['最低生活保障审批', '05'],
    ['社会团体成立登记', '01'],
    ['高龄津贴申领', '05'],
    ['临时救助审批', '05'],
    ['婚姻登记记录证明开具', '20'],
  ],
  sifa: [
    ['法律援助申请', '20'],
    ['律师执业许可', '01'],
    ['基层法律服务工作者执业核准', '01'],
    ['人民调解申请', '20'],
  ],
  caizheng: [
    ['代理记账资格审批', '01'],
    ['非税收入缴款', '20'],
    ['政府采购投诉处理', '09'],
  ],
  renshe: [
    ['就业创业证申领', '20'],
    ['职工退休申请', '07'],
    ['失业保险金申领', '05'],
    ['劳动合同备案', '10'],
    ['职业技能等级证书查询', '20'],
    ['劳务派遣经营许可', '01'],
    ['人力资源服务许可', '01'],
  ],
  shebao: [
    ['社会保障卡申领', '20'],
    ['社会保障卡补换', '20'],
    ['养老保险关系转移接续', '20'],
    ['城乡居民养老保险参保登记', '20'],
    ['企业职工基本养老保险待遇申领', '05'],
    ['工伤保险待遇申领', '05'],
  ],
  jiuye: [
    ['失业登记', '20'],
    ['就业困难人员认定', '07'],
    ['创业担保贷款申请', '20'],
    ['职业介绍', '20'],
  ],
  ziran: [
    ['建设用地规划许可证核发', '01'],
    ['建设工程规划许可证核发', '01'],
    ['乡村建设规划许可证核发', '01'],
    ['建设项目用地预审与选址意见书核发', '01'],
    ['临时用地审批', '01'],
  ],
  budongchan: [
    ['不动产首次登记', '07'],
    ['不动产转移登记', '07'],
    ['不动产抵押登记', '07'],
    ['不动产变更登记', '07'],
    ['不动产登记资料查询', '20'],
    ['不动产注销登记', '07'],
  ],
  shengtai: [
    ['排污许可证核发', '01'],
    ['建设项目环境影响评价文件审批', '01'],
    ['危险废物经营许可', '01'],
    ['辐射安全许可', '01'],
  ],
  zhujian: [
    ['建筑工程施工许可证核发', '01'],
    ['商品房预售许可', '01'],
    ['建设工程竣工验收备案', '10'],
    ['建筑业企业资质核准', '01'],
    ['房屋租赁登记备案', '10'],
    ['公共租赁住房申请', '20'],
  ],
  chengguan: [
    ['城市建筑垃圾处置核准', '01'],
    ['设置大型户外广告审批', '01'],
    ['临时占用城市道路审批', '01'],
    ['城市绿化树木砍伐审批', '01'],
  ],
  jiaotong: [
    ['道路运输经营许可', '01'],
    ['道路运输从业人员从业资格证核发', '01'],
    ['网络预约出租汽车运输证核发', '01'],
    ['超限运输车辆行驶公路许可', '01'],
    ['出租汽车驾驶员从业资格证核发', '01'],
  ],
  shuili: [
    ['取水许可', '01'],
    ['河道管理范围内建设项目审批', '01'],
    ['生产建设项目水土保持方案审批', '01'],
  ],
  nongye: [
    ['农药经营许可', '01'],
    ['兽药经营许可', '01'],
    ['动物防疫条件合格证核发', '01'],
    ['农村宅基地审批', '01'],
    ['农作物种子生产经营许可', '01'],
    ['拖拉机驾驶证申领', '01'],
  ],
  shangwu: [
    ['对外贸易经营者备案登记', '10'],
    ['单用途商业预付卡备案', '10'],
    ['二手车交易市场备案', '10'],
    ['成品油零售经营资格审批', '01'],
  ],
  wenlv: [
    ['营业性演出许可', '01'],
    ['娱乐场所经营许可', '01'],
    ['旅行社设立许可', '01'],
    ['互联网上网服务营业场所经营许可', '01'],
    ['文物保护单位建设工程方案审批', '01'],
  ],
  weijian: [
    ['医师执业注册', '01'],
    ['护士执业注册', '01'],
    ['出生医学证明签发', '20'],
    ['公共场所卫生许可', '01'],
    ['医疗机构执业登记', '01'],
    ['母婴保健技术服务执业许可', '01'],
  ],
  tuiyi: [
    ['退役军人优待证申领', '20'],
    ['优抚对象抚恤补助', '05'],
    ['退役士兵自主就业一次性经济补助', '05'],
    ['退役军人档案接收', '20'],
  ],
  yingji: [
    ['危险化学品经营许可', '01'],
    ['烟花爆竹经营（零售）许可', '01'],
    ['非煤矿山安全生产许可', '01'],
  ],
  shenji: [
    ['审计业务咨询', '20'],
    ['政府信息公开申请', '20'],
    ['审计结果查询', '20'],
  ],
  shichang: [
    ['企业设立登记', '01'],
    ['个体工商户设立登记', '01'],
    ['企业变更登记', '01'],
    ['企业注销登记', '01'],
    ['食品经营许可', '01'],
    ['药品零售企业许可', '01'],
    ['特种设备使用登记', '01'],
    ['计量器具强制检定', '06'],
  ],
  tiyu: [
    ['高危险性体育项目经营许可', '01'],
    ['体育类社会组织成立审查', '01'],
    ['全民健身设施开放预约', '20'],
  ],
  tongji: [
    ['统计调查项目审批', '01'],
    ['统计登记', '20'],
    ['统计资料查询', '20'],
  ],
  yibao: [
    ['医疗保险参保登记', '20'],
    ['异地就医备案', '20'],
    ['医疗费用手工报销', '05'],
    ['门诊慢特病待遇认定', '07'],
    ['生育保险待遇申领', '05'],
    ['医保关系转移接续', '20'],
  ],
  linye: [
    ['林木采伐许可证核发', '01'],
    ['林草种子生产经营许可', '01'],
    ['使用林地审核', '01'],
  ],
  jinrong: [
    ['小额贷款公司设立审核', '01'],
    ['融资担保公司设立审批', '01'],
    ['典当行设立审核', '01'],
  ],
  xinfang: [
    ['信访事项受理', '20'],
    ['信访事项复查', '09'],
    ['信访事项办理结果查询', '20'],
  ],
  renfang: [
    ['人防工程建设审批', '01'],
    ['防空地下室易地建设审批', '01'],
    ['人防工程竣工验收备案', '10'],
  ],
  zhengwu: [
    ['政务服务事项咨询', '20'],
    ['帮办代办服务', '20'],
    ['电子证照打印', '20'],
    ['企业开办一窗通办', '20'],
  ],
  shenpi: [
    ['企业开办一件事', '01'],
    ['建设项目联合审批', '01'],
    ['药品经营许可', '01'],
    ['民办非企业单位登记', '01'],
  ],
  jiguan: [
    ['政府信息公开申请', '20'],
    ['机关会议场地预约', '20'],
    ['公务用车服务咨询', '20'],
  ],
  gongjijin: [
    ['住房公积金提取', '05'],
    ['住房公积金贷款', '20'],
    ['住房公积金缴存登记', '20'],
    ['住房公积金异地转移接续', '20'],
    ['住房公积金缴存证明开具', '20'],
  ],
  shuiwu: [
    ['发票领用', '20'],
    ['增值税申报', '20'],
    ['个人所得税综合所得汇算清缴', '20'],
    ['税务登记信息变更', '07'],
    ['完税证明开具', '20'],
    ['契税申报', '04'],
    ['车辆购置税申报', '04'],
  ],
  qixiang: [
    ['雷电防护装置设计审核', '01'],
    ['雷电防护装置竣工验收', '01'],
    ['升放无人驾驶自由气球活动审批', '01'],
  ],
  yancao: [
    ['烟草专卖零售许可证核发', '01'],
    ['烟草专卖零售许可证延续', '01'],
    ['烟草专卖零售许可证变更', '01'],
  ],
  xiaofang: [
    ['公众聚集场所投入使用营业前消防安全检查', '01'],
    ['建设工程消防设计审查', '01'],
    ['建设工程消防验收', '01'],
    ['消防验收备案抽查', '06'],
  ],
  jiaoyi: [
    ['招标项目进场交易登记', '20'],
    ['CA数字证书办理', '20'],
    ['投标保证金退还', '20'],
  ],
  canlian: [
    ['残疾人证核发', '07'],
    ['困难残疾人生活补贴申请', '05'],
    ['重度残疾人护理补贴申请', '05'],
    ['残疾人辅助器具适配', '20'],
  ],
  dangan: [
    ['档案查阅利用', '20'],
    ['婚姻档案查询', '20'],
    ['知青档案查询', '20'],
  ],
  gongzheng: [
    ['出生公证', '20'],
    ['学历公证', '20'],
    ['婚姻状况公证', '20'],
    ['委托公证', '20'],
    ['继承公证', '20'],
  ],
  hongshizi: [
    ['造血干细胞捐献登记', '20'],
    ['遗体和人体器官捐献登记', '20'],
    ['红十字救护员培训报名', '20'],
  ],
  fulian: [
    ['妇女儿童维权咨询', '20'],
    ['家庭教育指导', '20'],
    ['困难妇女救助申请', '20'],
  ],
  gonghui: [
    ['困难职工帮扶申请', '20'],
    ['工会法人资格登记', '07'],
    ['职工法律援助', '20'],
  ],
  zhufang: [
    ['公共租赁住房申请', '20'],
    ['商品房买卖合同网签备案', '10'],
    ['房屋交易资金监管', '20'],
    ['住房保障资格审核', '07'],
  ],
  youzheng: [
    ['快递业务经营许可', '01'],
    ['快递末端网点备案', '10'],
    ['邮政用户申诉受理', '20'],
  ],
  gongxiao: [
    ['再生资源回收经营者备案', '10'],
    ['农资供应咨询', '20'],
    ['政府信息公开申请', '20'],
  ],
  liangshi: [
    ['粮食收购资格备案', '10'],
    ['粮油质量检验', '20'],
    ['政府储备粮轮换咨询', '20'],
  ],
  bianmin: [
    ['居住证明开具', '20'],
    ['城乡居民养老保险参保登记', '20'],
    ['城乡居民基本医疗保险参保登记', '20'],
    ['高龄津贴申请受理', '05'],
    ['最低生活保障申请受理', '05'],
    ['临时救助申请受理', '05'],
    ['残疾人证申请受理', '07'],
    ['生育登记', '20'],
  ],
} as const satisfies Record<string, ReadonlyArray<ItemDef>>;

type Domain = keyof typeof ITEMS_BY_DOMAIN;

interface DeptDef {
  suffix: string;
  domain: Domain;
  /** Name used in counties and county-level cities, where there is no city bureau to branch from. */
  countySuffix?: string;
  subUnits?: ReadonlyArray<{ suffix: string; domain: Domain }>;
}

/** The 48 city-level departments (Tianjin: 48 city-level departments use the system). */
const CITY_DEPARTMENTS: ReadonlyArray<DeptDef> = [
  { suffix: '发展和改革委员会', domain: 'fagai' },
  { suffix: '教育局', domain: 'jiaoyu' },
  { suffix: '科学技术局', domain: 'keji' },
  { suffix: '工业和信息化局', domain: 'gongxin' },
  { suffix: '民族宗教事务局', domain: 'minzong' },
  {
    suffix: '公安局',
    domain: 'gongan',
    subUnits: [
      { suffix: '出入境管理支队', domain: 'churujing' },
      { suffix: '交通警察支队', domain: 'jiaojing' },
    ],
  },
  { suffix: '民政局', domain: 'minzheng' },
  { suffix: '司法局', domain: 'sifa' },
  { suffix: '财政局', domain: 'caizheng' },
  { suffix: '人力资源和社会保障局', domain: 'renshe', subUnits: [{ suffix: '社会保险中心', domain: 'shebao' }] },
  { suffix: '自然资源和规划局', domain: 'ziran', subUnits: [{ suffix: '不动产登记中心', domain: 'budongchan' }] },
  { suffix: '生态环境局', domain: 'shengtai' },
  { suffix: '住房和城乡建设局', domain: 'zhujian' },
  { suffix: '城市管理局', domain: 'chengguan' },
  { suffix: '交通运输局', domain: 'jiaotong' },
  { suffix: '水利局', domain: 'shuili' },
  { suffix: '农业农村局', domain: 'nongye' },
  { suffix: '商务局', domain: 'shangwu' },
  { suffix: '文化广电和旅游局', domain: 'wenlv' },
  { suffix: '卫生健康委员会', domain: 'weijian' },
  { suffix: '退役军人事务局', domain: 'tuiyi' },
  { suffix: '应急管理局', domain: 'yingji' },
  { suffix: '审计局', domain: 'shenji' },
  { suffix: '市场监督管理局', domain: 'shichang' },
  { suffix: '体育局', domain: 'tiyu' },
  { suffix: '统计局', domain: 'tongji' },
  { suffix: '医疗保障局', domain: 'yibao' },
  { suffix: '林业局', domain: 'linye' },
  { suffix: '地方金融监督管理局', domain: 'jinrong' },
  { suffix: '信访局', domain: 'xinfang' },
  { suffix: '人民防空办公室', domain: 'renfang' },
  { suffix: '政务服务和大数据管理局', domain: 'zhengwu' },
  { suffix: '行政审批服务局', domain: 'shenpi' },
  { suffix: '机关事务管理局', domain: 'jiguan' },
  { suffix: '住房公积金管理中心', domain: 'gongjijin' },
  { suffix: '税务局', domain: 'shuiwu' },
  { suffix: '气象局', domain: 'qixiang' },
  { suffix: '烟草专卖局', domain: 'yancao' },
  { suffix: '消防救援支队', domain: 'xiaofang' },
  { suffix: '公共资源交易中心', domain: 'jiaoyi' },
  { suffix: '残疾人联合会', domain: 'canlian' },
  { suffix: '档案馆', domain: 'dangan' },
  { suffix: '公证处', domain: 'gongzheng' },
  { suffix: '红十字会', domain: 'hongshizi' },
  { suffix: '妇女联合会', domain: 'fulian' },
  { suffix: '总工会', domain: 'gonghui' },
  { suffix: '住房保障和房产服务中心', domain: 'zhufang' },
  { suffix: '邮政管理局', domain: 'youzheng' },
];

/**
 * District-level departments in order of importance: a district with t townships takes the
 * first 50 - t (sub-units count as departments), so that with its township centres it has 50.
 */
const DISTRICT_DEPARTMENTS: ReadonlyArray<DeptDef> = [
  {
    suffix: '公安分局',
    countySuffix: '公安局',
    domain: 'gongan',
    subUnits: [
      { suffix: '交通警察大队', domain: 'jiaojing' },
      { suffix: '出入境管理大队', domain: 'churujing' },
    ],
  },
  { suffix: '市场监督管理局', domain: 'shichang' },
  { suffix: '人力资源和社会保障局', domain: 'renshe' },
  { suffix: '社会保险中心', domain: 'shebao' },
  { suffix: '医疗保障局', domain: 'yibao' },
  { suffix: '不动产登记中心', domain: 'budongchan' },
  { suffix: '税务局', domain: 'shuiwu' },
  { suffix: '住房和城乡建设局', domain: 'zhujian' },
  { suffix: '自然资源分局', countySuffix: '自然资源局', domain: 'ziran' },
  { suffix: '民政局', domain: 'minzheng' },
  { suffix: '卫生健康委员会', domain: 'weijian' },
  { suffix: '行政审批服务局', domain: 'shenpi' },
  { suffix: '政务服务和大数据管理局', domain: 'zhengwu' },
  { suffix: '教育局', domain: 'jiaoyu' },
  { suffix: '发展和改革委员会', domain: 'fagai' },
  { suffix: '农业农村局', domain: 'nongye' },
  { suffix: '交通运输局', domain: 'jiaotong' },
  { suffix: '城市管理局', domain: 'chengguan' },
  { suffix: '生态环境分局', domain: 'shengtai' },
  { suffix: '司法局', domain: 'sifa' },
  { suffix: '公证处', domain: 'gongzheng' },
  { suffix: '退役军人事务局', domain: 'tuiyi' },
  { suffix: '残疾人联合会', domain: 'canlian' },
  { suffix: '公共就业服务中心', domain: 'jiuye' },
  { suffix: '住房公积金管理中心服务部', domain: 'gongjijin' },
  { suffix: '消防救援大队', domain: 'xiaofang' },
  { suffix: '文化广电和旅游局', domain: 'wenlv' },
  { suffix: '应急管理局', domain: 'yingji' },
  { suffix: '水利局', domain: 'shuili' },
  { suffix: '商务局', domain: 'shangwu' },
  { suffix: '科学技术和工业信息化局', domain: 'keji' },
  { suffix: '财政局', domain: 'caizheng' },
  { suffix: '统计局', domain: 'tongji' },
  { suffix: '信访局', domain: 'xinfang' },
  { suffix: '民族宗教事务局', domain: 'minzong' },
  { suffix: '林业局', domain: 'linye' },
  { suffix: '人民防空办公室', domain: 'renfang' },
  { suffix: '档案馆', domain: 'dangan' },
  { suffix: '审计局', domain: 'shenji' },
  { suffix: '红十字会', domain: 'hongshizi' },
  { suffix: '妇女联合会', domain: 'fulian' },
  { suffix: '总工会', domain: 'gonghui' },
  { suffix: '供销合作社', domain: 'gongxiao' },
  { suffix: '粮食和物资储备局', domain: 'liangshi' },
  { suffix: '机关事务服务中心', domain: 'jiguan' },
];

/** District-level departments per district, township 便民服务中心 included. */
export const DEPARTMENTS_PER_DISTRICT = 50;

// Domains that staff hall windows, in the order windows are handed out, with the window's label.
const WINDOW_LABELS: ReadonlyArray<readonly [Domain, string]> = [
  ['zhengwu', '综合受理窗口'],
  ['gongan', '户政窗口'],
  ['shichang', '市场主体登记窗口'],
  ['shebao', '社保窗口'],
  ['budongchan', '不动产登记窗口'],
  ['shuiwu', '税务窗口'],
  ['jiaojing', '车驾管窗口'],
  ['churujing', '出入境窗口'],
  ['yibao', '医保窗口'],
  ['gongjijin', '公积金窗口'],
  ['renshe', '人社窗口'],
  ['zhujian', '住建窗口'],
  ['weijian', '卫健窗口'],
  ['minzheng', '民政窗口'],
  ['shenpi', '审批窗口'],
  ['jiaotong', '交通运输窗口'],
  ['ziran', '规划窗口'],
  ['canlian', '残联窗口'],
  ['tuiyi', '退役军人服务窗口'],
  ['gongzheng', '公证窗口'],
  ['jiuye', '就业窗口'],
  ['xiaofang', '消防窗口'],
  ['wenlv', '文旅窗口'],
  ['sifa', '法律援助窗口'],
];
const TOWNSHIP_WINDOW_NAMES = ['综合受理窗口', '社保医保窗口', '民政救助窗口'] as const;

// ---------------------------------------------------------------------------------------------
// People (all invented: random combinations, never drawn from any real register)

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈';
const GIVEN_CHARS =
  '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华建国文辉玉兰红梅鑫宇浩然欣怡涵晨阳佳琪博思雨泽嘉悦俊志立新春海云飞凤亮丹宁晓婷雪斌波成东峰鹏';

function personName(rng: Random): string {
  const surname = SURNAMES.charAt(rng.int(0, SURNAMES.length - 1));
  const first = GIVEN_CHARS.charAt(rng.int(0, GIVEN_CHARS.length - 1));
  if (rng.chance(0.3)) return surname + first;
  return surname + first + GIVEN_CHARS.charAt(rng.int(0, GIVEN_CHARS.length - 1));
}

// The ID check character is computed where comments are checked for personal data (one place).
export { idCardCheckChar };

// ---------------------------------------------------------------------------------------------
// Catalog generation

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Default seed of the demo catalog. */
export const DEMO_CATALOG_SEED = 20220731;

/** Build the demo city, its departments, halls, windows, terminals, staff and items. Deterministic per seed. */
export function generateDemoCatalog(opts: { seed?: number } = {}): DemoCatalog {
  const rng = new Random(opts.seed ?? DEMO_CATALOG_SEED);
  const builder = new CatalogBuilder(rng);
  builder.build();
  return builder.catalog;
}

// Accumulates the catalog; a class only to share the counters and indexes between the steps.
class CatalogBuilder {
  readonly catalog: DemoCatalog;
  private creditSerial = 1;
  private readonly domainOf = new Map<string, Domain>();
  // Township stems are dealt from shuffled pools so names are unique across the city.
  private readonly streetStems: string[];
  private readonly townStems: string[];
  private readonly staffSeq = new Map<string, number>();

  constructor(private readonly rng: Random) {
    this.streetStems = rng.shuffled(STREET_STEMS);
    this.townStems = rng.shuffled(TOWN_FIRST.flatMap((a) => TOWN_SECOND.map((b) => a + b)));
    const cityCode = CITY_CODE6.padEnd(12, '0');
    this.catalog = {
      city: { code: cityCode, name: CITY_NAME, districts: [] },
      regions: [{ code: cityCode, name: CITY_NAME, level: 'CITY', parentCode: null }],
      departments: [],
      halls: [],
      windows: [],
      terminals: [],
      staff: [],
      items: [],
    };
  }

  build(): void {
    const cityCode = this.catalog.city.code;
    // The 48 are top-level bodies; their sub-units come on top, as Tianjin counts them.
    const cityDepts = this.addDepartments(CITY_DEPARTMENTS, Infinity, CITY_NAME, cityCode, false);
    this.addHall(`${CITY_NAME}政务服务中心`, cityCode, cityDepts, 20, '10', 5);
    DISTRICTS.forEach((d, i) => this.addDistrict(d, String(11 + i)));
  }

  private addDistrict(def: (typeof DISTRICTS)[number], staffPrefix: string): void {
    const code = `${CITY_CODE6.slice(0, 4)}${def.code2}000000`;
    const district: DemoDistrict = { code, name: def.name, townships: [] };
    this.catalog.city.districts.push(district);
    this.catalog.regions.push({ code, name: def.name, level: 'DISTRICT', parentCode: this.catalog.city.code });

    const townshipCount = this.rng.int(4, 8);
    for (let t = 0; t < townshipCount; t++) district.townships.push(this.makeTownship(district, def.kind, t));

    const county = def.kind === 'county';
    const bureaus = this.addDepartments(DISTRICT_DEPARTMENTS, DEPARTMENTS_PER_DISTRICT - townshipCount, def.name, code, county);
    this.addHall(`${def.name}政务服务中心`, code, bureaus, this.rng.int(6, 20), staffPrefix, this.rng.int(2, 4));

    for (const township of district.townships) {
      const centre = this.addDepartment(`${township.name}便民服务中心`, township.code, 'bianmin');
      this.addHall(`${township.name}便民服务中心`, township.code, [centre], this.rng.int(2, 3), staffPrefix, 1);
    }
  }

  private makeTownship(district: DemoDistrict, kind: DistrictKind, index: number): DemoTownship {
    // GB/T 10114 numbering: 街道 001–099, 镇 100–199, 乡 200–399; counties have one 街道 at their seat.
    const street = kind !== 'county' || index === 0;
    const isXiang = kind === 'county' && index >= 4;
    const serial = street ? 1 + index : isXiang ? 200 + index - 3 : 100 + index;
    const suffix = street ? '街道' : isXiang ? '乡' : '镇';
    const name = this.uniqueTownshipName(street) + suffix;
    const code = district.code.slice(0, 6) + pad(serial, 3) + '000';
    this.catalog.regions.push({ code, name, level: 'TOWNSHIP', parentCode: district.code });

    const villages: DemoVillage[] = [];
    const used = new Set<string>();
    const villageCount = this.rng.int(2, 4);
    for (let v = 0; v < villageCount; v++) {
      // 居委会 (社区) take 001–199 and 村委会 200–399, as in the national numbering.
      let stem: string;
      do {
        stem = street ? this.rng.pick(COMMUNITY_STEMS) : this.rng.pick(VILLAGE_SURNAMES) + this.rng.pick(VILLAGE_SUFFIXES);
      } while (used.has(stem));
      used.add(stem);
      const village = {
        code: code.slice(0, 9) + pad(street ? 1 + v : 200 + v, 3),
        name: stem + (street ? '社区' : '村'),
      };
      villages.push(village);
      this.catalog.regions.push({ ...village, level: 'VILLAGE', parentCode: code });
    }
    return { code, name, villages };
  }

  private uniqueTownshipName(street: boolean): string {
    const stem = (street ? this.streetStems : this.townStems).pop();
    // 72 streets at most (8 urban districts × 8 + 8 county seats) against 72 stems; 480 town stems.
    if (stem === undefined) throw new Error(`ran out of ${street ? 'street' : 'town'} names`);
    return stem;
  }

  // Adds the first `count` departments of `defs` (sub-units counted) and returns them all.
  private addDepartments(defs: ReadonlyArray<DeptDef>, count: number, prefix: string, regionCode: string, county: boolean): DemoDepartment[] {
    const added: DemoDepartment[] = [];
    for (const def of defs) {
      if (added.length >= count) break;
      const name = prefix + (county && def.countySuffix ? def.countySuffix : def.suffix);
      const parent = this.addDepartment(name, regionCode, def.domain);
      added.push(parent);
      for (const sub of def.subUnits ?? []) {
        if (added.length >= count) break;
        added.push(this.addDepartment(parent.name + sub.suffix, regionCode, sub.domain, parent.key));
      }
    }
    return added;
  }

  private addDepartment(name: string, regionCode: string, domain: Domain, parentKey?: string): DemoDepartment {
    const serial = this.creditSerial++;
    const dept: DemoDepartment = {
      key: `dept-${pad(serial, 4)}`,
      name,
      creditCode: makeCreditCode(regionCode.slice(0, 6), serial),
      regionCode,
      ...(parentKey ? { parentKey } : {}),
    };
    this.catalog.departments.push(dept);
    this.domainOf.set(dept.key, domain);
    this.addItems(dept, domain);
    return dept;
  }

  private addItems(dept: DemoDepartment, domain: Domain): void {
    const defs: ReadonlyArray<ItemDef> = ITEMS_BY_DOMAIN[domain];
    // The domain's first item is its busiest, so every department offers it.
    const chosen = [defs[0]!, ...this.rng.shuffled(defs.slice(1))].slice(0, this.rng.int(3, Math.min(8, defs.length)));
    chosen.forEach(([name, itemType], i) => {
      // 实施编码 (an..24): the department's credit code, the item type and a serial, as many
      // provinces build it; 业务办理项编码 extends it with the handling-item number.
      const taskCode = `${dept.creditCode}${itemType}${pad(i + 1, 4)}`;
      this.catalog.items.push({
        key: `item-${dept.key.slice(5)}-${pad(i + 1, 2)}`,
        departmentKey: dept.key,
        taskCode,
        handleItemCode: `${taskCode}01`,
        name,
        itemType,
      });
    });
  }

  private addHall(name: string, regionCode: string, depts: DemoDepartment[], windowCount: number, staffPrefix: string, terminalCount: number): void {
    const hall: DemoHall = { key: `hall-${regionCode}`, name, regionCode };
    this.catalog.halls.push(hall);
    const township = depts.length === 1 && this.domainOf.get(depts[0]!.key) === 'bianmin';
    const staffed = township ? [] : this.windowDepartments(depts);
    for (let i = 0; i < windowCount; i++) {
      // Window numbers run A01…A08, B01…: one letter per row of counters.
      const no = String.fromCharCode(65 + Math.floor(i / 8)) + pad((i % 8) + 1, 2);
      const [dept, label] = township ? [depts[0]!, TOWNSHIP_WINDOW_NAMES[i]!] : staffed[i % staffed.length]!;
      const window: DemoWindow = { key: `win-${regionCode}-${no}`, hallKey: hall.key, no, name: label, departmentKey: dept.key };
      this.catalog.windows.push(window);
      this.addStaff(window, staffPrefix);
    }
    for (let i = 1; i <= terminalCount; i++) {
      const no = `ZZ${pad(i, 2)}`;
      this.catalog.terminals.push({ key: `term-${regionCode}-${no}`, hallKey: hall.key, no, name: `自助服务终端${pad(i, 2)}号` });
    }
  }

  private windowDepartments(depts: DemoDepartment[]): Array<readonly [DemoDepartment, string]> {
    const out: Array<readonly [DemoDepartment, string]> = [];
    for (const [domain, label] of WINDOW_LABELS) {
      const dept = depts.find((d) => this.domainOf.get(d.key) === domain);
      if (dept) out.push([dept, label]);
    }
    return out;
  }

  private addStaff(window: DemoWindow, prefix: string): void {
    const count = this.rng.int(2, 4);
    for (let i = 0; i < count; i++) {
      // 工号: two digits for the employing city/district, five for the person (e.g. 1101023).
      const seq = (this.staffSeq.get(prefix) ?? 1000) + 1;
      this.staffSeq.set(prefix, seq);
      const workNo = prefix + pad(seq, 5);
      this.catalog.staff.push({ key: `staff-${workNo}`, departmentKey: window.departmentKey, workNo, name: personName(this.rng), windowKey: window.key });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// History shapes

export type DemoCaseKind = 'ORDINARY' | 'BATCH' | 'JOINT' | 'THEME' | 'CONSULTATION';
export type DemoRatingChannel = 'PC' | 'APP' | 'MINI_PROGRAM' | 'QR' | 'WINDOW' | 'TERMINAL' | 'HOTLINE' | 'SMS' | 'IMPORT' | 'DEFAULT';
/** 服务对象属性 (`userProp`): 1 自然人 2 企业法人 3 事业法人 4 社会组织法人 5 非法人企业 6 行政机关 9 其他. */
export type DemoUserProp = 1 | 2 | 3 | 4 | 5 | 6 | 9;

export interface DemoApplicant {
  name: string;
  mobile: string;
  /** 18-digit resident ID of the person who applied (for legal persons, their agent). */
  certNo: string;
  userProp: DemoUserProp;
}
export interface DemoCaseRecord {
  type: 'case';
  projectNo: string;
  kind: DemoCaseKind;
  /** Shared by every case of a batch; the batch's single rating is on its first case. */
  batchNo?: string;
  applicant: DemoApplicant;
  units: Array<{ departmentKey: string; itemKey: string }>;
  acceptedAt: Date;
}
export interface DemoServiceRecord {
  type: 'service';
  projectNo: string;
  serviceNumber: number;
  nodeName: string;
  itemKey: string;
  departmentKey: string;
  staffKey?: string;
  windowKey?: string;
  terminalKey?: string;
  proChannel: 1 | 2;
  completedAt: Date;
}
export interface DemoRatingRecord {
  type: 'rating';
  projectNo: string;
  serviceNumber: number;
  level: Level;
  channel: DemoRatingChannel;
  tags: string[];
  comment?: string;
  dimensions?: Partial<Record<DimensionKey, Level>>;
  isDefault: boolean;
  at: Date;
}
export type DemoHistoryRecord = DemoCaseRecord | DemoServiceRecord | DemoRatingRecord;

export interface DemoHistoryOptions {
  /** Number of rating records to yield (defaults included). */
  ratings: number;
  seed?: number;
  /** Every rating falls in [endAt - days, endAt]. */
  endAt: Date;
  days?: number;
}

/** The mix the history follows (R24; docs/exchange.md "Channels"). */
export const DEMO_HISTORY_PROFILE = {
  /** Tianjin's 未评率: ratings that are system defaults (R11). */
  defaultShare: 0.166,
  /** Levels among ratings actually given; with the defaults the good rate comes out at ≈99.9%. */
  activeLevels: [
    [5, 0.9503],
    [4, 0.032],
    [3, 0.0165],
    [2, 0.0005],
    [1, 0.0007],
  ] as ReadonlyArray<readonly [Level, number]>,
  /** One county's 2020 mix (terminals 40, mobile 26, PC 18, window 16) with a little of the rest. */
  channels: [
    ['TERMINAL', 39],
    ['APP', 15],
    ['MINI_PROGRAM', 10],
    ['PC', 17],
    ['WINDOW', 15],
    ['QR', 1.5],
    ['SMS', 1.2],
    ['HOTLINE', 0.8],
    ['IMPORT', 0.5],
  ] as ReadonlyArray<readonly [DemoRatingChannel, number]>,
  kinds: [
    ['ORDINARY', 85],
    ['BATCH', 3],
    ['JOINT', 4],
    ['THEME', 4],
    ['CONSULTATION', 4],
  ] as ReadonlyArray<readonly [DemoCaseKind, number]>,
  /** Ordinary cases with two rated nodes (受理, 办结): ratings ≈ 1.2 × cases. */
  twoNodeShare: 0.34,
  userProps: [
    [1, 78],
    [2, 15],
    [5, 4],
    [3, 1],
    [4, 1],
    [6, 0.5],
    [9, 0.5],
  ] as ReadonlyArray<readonly [DemoUserProp, number]>,
} as const;

const KINDS = new Weighted(DEMO_HISTORY_PROFILE.kinds);
const CHANNELS = new Weighted(DEMO_HISTORY_PROFILE.channels);
const ACTIVE_LEVELS = new Weighted(DEMO_HISTORY_PROFILE.activeLevels);
const USER_PROPS = new Weighted(DEMO_HISTORY_PROFILE.userProps);

// ---------------------------------------------------------------------------------------------
// Time: when things happen

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const DEFAULT_AFTER = 7 * DAY; // R11
const SHANGHAI_OFFSET = 8 * HOUR; // China has had no daylight saving time since 1991.

// Relative activity per local hour: halls open 9–12 and 14–17; online channels keep a trickle.
const HOUR_WEIGHTS = [0.05, 0.03, 0.02, 0.02, 0.02, 0.03, 0.1, 0.3, 0.8, 10, 10, 10, 1.5, 2.5, 10, 10, 10, 2, 0.8, 0.6, 0.5, 0.4, 0.2, 0.1];
// Weekends see online services and a few Saturday halls. Public holidays are not modelled here:
// the holiday calendar belongs to the rectification deadlines, not to demo data.
const NON_WORKING_DAY_FACTOR = 0.08;

const isCounterChannel = (channel: DemoRatingChannel) => channel === 'WINDOW' || channel === 'QR';

/**
 * Whether a counter service accepted at `at` is served and rated within the default opening hours
 * (Monday–Friday 08:30–17:30, Shanghai): accepted by 17:00, as it takes up to 25 minutes and is rated
 * within 2 minutes of completion.
 */
function inCounterHours(at: number): boolean {
  const minute = Math.floor(((at + SHANGHAI_OFFSET) % DAY) / MINUTE);
  return isWorkingDay(at) && minute >= 8 * 60 + 30 && minute <= 17 * 60;
}

/** Monday to Friday in Shanghai. */
function isWorkingDay(at: number): boolean {
  const dayOfWeek = (Math.floor((at + SHANGHAI_OFFSET) / DAY) + 4) % 7; // 1970-01-01 was a Thursday
  return dayOfWeek >= 1 && dayOfWeek <= 5;
}

function hourWeight(hourStartUtc: number): number {
  const local = hourStartUtc + SHANGHAI_OFFSET;
  const dayOfWeek = (Math.floor(local / DAY) + 4) % 7; // 1970-01-01 was a Thursday
  const factor = dayOfWeek === 0 || dayOfWeek === 6 ? NON_WORKING_DAY_FACTOR : 1;
  return HOUR_WEIGHTS[Math.floor(local / HOUR) % 24]! * factor;
}

/**
 * Exactly `count` increasing instants in [from, to), spread by hourly weight. Counts per hour come
 * from rounding the cumulative share, so the total is exact and the stream needs no storage.
 */
class Schedule {
  private hourStart: number;
  private cumBefore = 0;
  private inHour: number[] = [];
  private inHourIndex = 0;
  private taken = 0;
  private readonly total: number;

  constructor(
    private readonly rng: Random,
    private readonly count: number,
    private readonly from: number,
    private readonly to: number,
  ) {
    this.hourStart = Math.floor(from / HOUR) * HOUR;
    let total = 0;
    for (let h = this.hourStart; h < to; h += HOUR) total += this.weightOf(h);
    this.total = total;
  }

  get remaining(): number {
    return this.count - this.taken;
  }

  peek(): number {
    while (this.inHourIndex >= this.inHour.length) {
      if (this.taken >= this.count || this.hourStart >= this.to) return Infinity;
      this.fillHour();
    }
    return this.inHour[this.inHourIndex]!;
  }

  take(): number {
    const t = this.peek();
    if (t !== Infinity) {
      this.inHourIndex++;
      this.taken++;
    }
    return t;
  }

  private weightOf(h: number): number {
    const overlap = Math.min(h + HOUR, this.to) - Math.max(h, this.from);
    return overlap > 0 ? (hourWeight(h) * overlap) / HOUR : 0;
  }

  private fillHour(): void {
    const h = this.hourStart;
    const cumAfter = this.cumBefore + this.weightOf(h);
    const n = Math.round((this.count * cumAfter) / this.total) - Math.round((this.count * this.cumBefore) / this.total);
    const lo = Math.max(h, this.from);
    const span = Math.min(h + HOUR, this.to) - lo;
    // One jittered instant per equal sub-interval keeps the sequence sorted without sorting.
    // Whole milliseconds, as Dates hold them, so heap order and record order agree exactly.
    this.inHour = Array.from({ length: n }, (_, i) => Math.floor(lo + ((i + this.rng.next()) / n) * span));
    this.inHourIndex = 0;
    this.cumBefore = cumAfter;
    this.hourStart = h + HOUR;
  }
}

// A binary min-heap on (time, insertion order): the reorder buffer that lets the generator emit
// records in time order while holding only those still in the future (about a week of pending
// defaults). Insertion order breaks ties, so a service clamped to the end of the window still
// comes out before its rating. Parallel arrays and a moving hole keep the hot loop allocation-free.
class RecordHeap {
  private readonly times: number[] = [];
  private readonly seqs: number[] = [];
  private readonly records: DemoHistoryRecord[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.records.length;
  }
  peekTime(): number {
    return this.records.length ? this.times[0]! : Infinity;
  }
  push(t: number, record: DemoHistoryRecord): void {
    const { times, seqs, records } = this;
    const seq = this.nextSeq++;
    let i = records.length;
    times.push(t);
    seqs.push(seq);
    records.push(record);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (times[p]! < t || (times[p] === t && seqs[p]! < seq)) break;
      this.move(p, i);
      i = p;
    }
    times[i] = t;
    seqs[i] = seq;
    records[i] = record;
  }
  pop(): DemoHistoryRecord {
    const { times, seqs, records } = this;
    const top = records[0]!;
    const t = times.pop()!;
    const seq = seqs.pop()!;
    const record = records.pop()!;
    const n = records.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.before(c + 1, c)) c++;
      if (times[c]! > t || (times[c] === t && seqs[c]! > seq)) break;
      this.move(c, i);
      i = c;
    }
    times[i] = t;
    seqs[i] = seq;
    records[i] = record;
    return top;
  }
  private before(a: number, b: number): boolean {
    const ta = this.times[a]!;
    const tb = this.times[b]!;
    return ta < tb || (ta === tb && this.seqs[a]! < this.seqs[b]!);
  }
  private move(from: number, to: number): void {
    this.times[to] = this.times[from]!;
    this.seqs[to] = this.seqs[from]!;
    this.records[to] = this.records[from]!;
  }
}

// ---------------------------------------------------------------------------------------------
// History generation

const COMMENTS: Record<Level, ReadonlyArray<string>> = {
  5: ['办事效率高，工作人员很热情', '一次就办好了，点赞', '材料齐全当场办结', '网上就能办，很方便', '全程网办，不用跑腿', '自助机办理很快'],
  4: ['窗口人员耐心解答', '整体不错，排队稍久', '指引清楚，办得顺利'],
  3: ['还可以', '排队时间有点长', '基本满意，希望再快一些'],
  2: ['等了很久才办完', '材料清单不清楚，来回补了两次', '窗口人员不熟悉业务', '网上预约了到现场还要排队'],
  1: ['跑了三趟还没办成', '要求提供办事指南以外的材料', '超过承诺时限也没有说明', '几个窗口之间来回推', '态度很差，效率很低'],
};

// Where a service happened, decided by the channel it is (or would have been) rated through.
interface Place {
  itemKey: string;
  departmentKey: string;
  windowKey?: string;
  staffKey?: string;
  terminalKey?: string;
  proChannel: 1 | 2;
}

// Indexes over the catalog, built once per history.
class HistoryContext {
  readonly itemsByDept = new Map<string, DemoItem[]>();
  readonly itemsByArea = new Map<string, DemoItem[]>();
  readonly staffByWindow = new Map<string, DemoStaff[]>();
  readonly hallRegion = new Map<string, string>();
  readonly deptRegion = new Map<string, string>();
  readonly itemCumWeights: Float64Array;
  readonly areas: string[];
  readonly tagsByLevel: Record<Level, string[]>;

  constructor(readonly catalog: DemoCatalog) {
    for (const d of catalog.departments) this.deptRegion.set(d.key, d.regionCode);
    for (const h of catalog.halls) this.hallRegion.set(h.key, h.regionCode);
    for (const s of catalog.staff) push(this.staffByWindow, s.windowKey, s);
    let acc = 0;
    this.itemCumWeights = new Float64Array(catalog.items.length);
    catalog.items.forEach((item, i) => {
      const region = this.deptRegion.get(item.departmentKey)!;
      push(this.itemsByDept, item.departmentKey, item);
      push(this.itemsByArea, region.slice(0, 6), item);
      acc += itemWeight(item.key, region);
      this.itemCumWeights[i] = acc;
    });
    this.areas = catalog.city.districts.map((d) => d.code.slice(0, 6));
    this.tagsByLevel = { 1: [], 2: [], 3: [], 4: [], 5: [] };
    for (const level of [1, 2, 3, 4, 5] as const) this.tagsByLevel[level] = nationalTagsForLevel(level).map((t) => t.code);
  }

  weightedItem(rng: Random): DemoItem {
    const cum = this.itemCumWeights;
    const r = rng.next() * cum[cum.length - 1]!;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! > r) hi = mid;
      else lo = mid + 1;
    }
    return this.catalog.items[lo]!;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

// City departments serve the whole city; a per-item popularity from a hash of its key gives the
// long tail real catalogs show (a few items take most of the volume) without consuming randomness.
function itemWeight(key: string, regionCode: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  const u = (h >>> 0) / 4294967296;
  const level = regionCode.endsWith('00000000') ? 4 : regionCode.endsWith('000000') ? 1 : 0.6;
  return level * (1 + 19 * u * u * u);
}

/**
 * Stream a rating history in time order: case, service and rating records, ending at `endAt`.
 * Exactly `ratings` rating records come out, ≈16.6% of them defaults (R11, level 3 seven days
 * after completion), ≈99.9% good (R24). Memory stays bounded by the records still in the future
 * (about a week of pending defaults), so ten million ratings can be streamed.
 * Case and service records of the earliest defaults precede the window by up to seven days.
 */
export function* generateDemoHistory(catalog: DemoCatalog, opts: DemoHistoryOptions): Generator<DemoHistoryRecord, void, undefined> {
  const days = opts.days ?? 365;
  if (!Number.isSafeInteger(opts.ratings) || opts.ratings < 0) throw new RangeError(`ratings must be a non-negative integer, got ${opts.ratings}`);
  if (!(days > 0)) throw new RangeError(`days must be positive, got ${days}`);
  const endMs = opts.endAt.getTime();
  const fromMs = Math.round(endMs - days * DAY); // whole ms, like the Dates it becomes
  const seed = opts.seed ?? DEMO_CATALOG_SEED;
  const defaults = Math.round(opts.ratings * DEMO_HISTORY_PROFILE.defaultShare);
  // Two schedules so the default share is exact: rated services complete in the window, defaulted
  // ones a week earlier so that their default lands in it.
  const active = new Schedule(new Random(seed ^ 0x51ed), opts.ratings - defaults, fromMs, endMs);
  const defaulted = new Schedule(new Random(seed ^ 0xdefa), defaults, fromMs - DEFAULT_AFTER, endMs - DEFAULT_AFTER);
  const sim = new HistorySimulator(new HistoryContext(catalog), new Random(seed), endMs);

  for (;;) {
    const ta = active.peek();
    const td = defaulted.peek();
    if (ta === Infinity && td === Infinity) break;
    const isDefault = td < ta;
    const t = isDefault ? td : ta;
    // Everything already scheduled at or before t can go: later slots only add records after t.
    while (sim.heap.peekTime() <= t) yield sim.heap.pop();
    sim.addSlot(isDefault ? defaulted : active, isDefault);
    // Case records are stamped t itself, and nothing earlier than t is left: no need to queue them.
    yield* sim.accepted;
    sim.accepted.length = 0;
  }
  while (sim.heap.size) yield sim.heap.pop();
}

// Turns one schedule slot (a case accepted at that instant) into its records.
class HistorySimulator {
  readonly heap = new RecordHeap();
  /** Case records of the current slot, which can be emitted at once. */
  readonly accepted: DemoCaseRecord[] = [];
  private caseSeq = 0;
  private readonly population: Array<DemoApplicant | undefined> = new Array(POPULATION);
  private dayCache = { day: NaN, text: '' };

  constructor(
    private readonly ctx: HistoryContext,
    private readonly rng: Random,
    private readonly endMs: number,
  ) {}

  addSlot(schedule: Schedule, isDefault: boolean): void {
    const acceptedAt = schedule.take();
    const rng = this.rng;
    const kind = KINDS.pick(rng);
    const channel = this.pickChannel(acceptedAt);
    const place = this.placeFor(channel);
    // Services must complete early enough that their rating (a default a week later) is in the window.
    const latest = isDefault ? this.endMs - DEFAULT_AFTER : this.endMs;
    const done1 = Math.min(acceptedAt + this.handlingTime(place), latest);
    const applicant = this.applicantFromPopulation();

    if (kind === 'BATCH') {
      this.addBatch(acceptedAt, done1, place, applicant, channel, isDefault);
      return;
    }
    const projectNo = this.projectNo(place.departmentKey, acceptedAt);
    const units = this.units(kind, place);
    this.accepted.push({ type: 'case', projectNo, kind, applicant, units, acceptedAt: new Date(acceptedAt) });

    const nodes = kind === 'ORDINARY' ? ['受理', '办结'] : [NODE_NAMES[kind]];
    // A second rated node (result collected a few days later at the same time of day) takes the next slot.
    let done2 = done1 + rng.int(1, 5) * DAY + rng.int(0, 30) * MINUTE;
    // At a counter the second visit falls on a working day too (a weekend moves it to the Monday).
    while (isCounterChannel(channel) && !isWorkingDay(done2)) done2 += DAY;
    const twoNodes = kind === 'ORDINARY' && schedule.remaining > 0 && done2 <= latest && rng.chance(DEMO_HISTORY_PROFILE.twoNodeShare);
    if (kind === 'ORDINARY' && !twoNodes) nodes.shift();
    if (twoNodes) schedule.take();
    for (let i = 0; i < nodes.length; i++) {
      const completedAt = i === 0 ? done1 : done2;
      const nodePlace = i === 0 ? place : this.samePlaceAnotherStaff(place);
      this.addService(projectNo, i + 1, nodes[i]!, nodePlace, completedAt);
      this.addRating(projectNo, i + 1, completedAt, channel, isDefault);
    }
  }

  private addBatch(acceptedAt: number, done: number, place: Place, applicant: DemoApplicant, channel: DemoRatingChannel, isDefault: boolean): void {
    const size = this.rng.int(2, 5);
    const first = this.projectNo(place.departmentKey, acceptedAt);
    const batchNo = `PL${first}`;
    for (let i = 0; i < size; i++) {
      const projectNo = i === 0 ? first : this.projectNo(place.departmentKey, acceptedAt);
      const units = [{ departmentKey: place.departmentKey, itemKey: place.itemKey }];
      this.accepted.push({ type: 'case', projectNo, kind: 'BATCH', batchNo, applicant, units, acceptedAt: new Date(acceptedAt) });
      this.addService(projectNo, 1, NODE_NAMES.BATCH, place, done);
    }
    // R10: one rating covers the whole batch; it sits on the first case.
    this.addRating(first, 1, done, channel, isDefault);
  }

  private addService(projectNo: string, serviceNumber: number, nodeName: string, place: Place, completedAt: number): void {
    const service: DemoServiceRecord = {
      type: 'service',
      projectNo,
      serviceNumber,
      nodeName,
      itemKey: place.itemKey,
      departmentKey: place.departmentKey,
      proChannel: place.proChannel,
      completedAt: new Date(completedAt),
    };
    // Absent keys rather than undefined ones, so records compare and serialise cleanly.
    if (place.staffKey) service.staffKey = place.staffKey;
    if (place.windowKey) service.windowKey = place.windowKey;
    if (place.terminalKey) service.terminalKey = place.terminalKey;
    this.heap.push(completedAt, service);
  }

  private addRating(projectNo: string, serviceNumber: number, completedAt: number, channel: DemoRatingChannel, isDefault: boolean): void {
    if (isDefault) {
      const at = completedAt + DEFAULT_AFTER;
      this.heap.push(at, { type: 'rating', projectNo, serviceNumber, level: 3, channel: 'DEFAULT', tags: [], isDefault: true, at: new Date(at) });
      return;
    }
    const at = Math.min(completedAt + this.ratingDelay(channel), this.endMs);
    const level = ACTIVE_LEVELS.pick(this.rng);
    const rating: DemoRatingRecord = { type: 'rating', projectNo, serviceNumber, level, channel, tags: [], isDefault: false, at: new Date(at) };
    this.describe(rating);
    this.heap.push(at, rating);
  }

  // Tags, comment and dimensions. R9: a bad review always carries a tag or a comment.
  private describe(rating: DemoRatingRecord): void {
    const rng = this.rng;
    const bad = rating.level <= 2;
    if (rng.chance(bad ? 0.8 : 0.3)) {
      const pool = this.ctx.tagsByLevel[rating.level];
      rating.tags = rng.shuffled(pool).slice(0, rng.int(1, 3));
    }
    if (rng.chance(bad ? 0.6 : 0.06) || (bad && rating.tags.length === 0)) {
      rating.comment = rng.pick(COMMENTS[rating.level]);
    }
    const online = rating.channel === 'PC' || rating.channel === 'APP' || rating.channel === 'MINI_PROGRAM';
    if (rng.chance(bad ? 0.5 : online ? 0.15 : 0.02)) {
      const dims: Partial<Record<DimensionKey, Level>> = {};
      for (const d of DIMENSIONS) {
        // Dimension levels sit around the composite level: most equal, a few one step off.
        const shifted = rating.level + rng.pick([-1, 0, 0, 0, 0, 1]);
        dims[d.key] = Math.min(5, Math.max(1, shifted)) as Level;
      }
      rating.dimensions = dims;
    }
  }

  /**
   * The channel of a service accepted at `at`. Counters (WINDOW, QR at a window) serve only in their
   * window's opening hours (every demo window has the default, 1-5 08:30-17:30): outside them the
   * service is taken online instead, so the demo has no off-hours window ratings for the fraud signal
   * to flag (R18: no false alarms on the demo seed).
   */
  private pickChannel(at: number): DemoRatingChannel {
    let channel = CHANNELS.pick(this.rng);
    if (isCounterChannel(channel) && !inCounterHours(at)) {
      do channel = CHANNELS.pick(this.rng);
      while (isCounterChannel(channel) || channel === 'TERMINAL');
    }
    return channel;
  }

  private placeFor(channel: DemoRatingChannel): Place {
    const rng = this.rng;
    const counter = channel === 'WINDOW' || channel === 'QR' || ((channel === 'SMS' || channel === 'HOTLINE') && rng.chance(0.5));
    if (counter) {
      const window = rng.pick(this.ctx.catalog.windows);
      const item = rng.pick(this.ctx.itemsByDept.get(window.departmentKey)!);
      const staff = rng.pick(this.ctx.staffByWindow.get(window.key)!);
      return { itemKey: item.key, departmentKey: window.departmentKey, windowKey: window.key, staffKey: staff.key, proChannel: 2 };
    }
    if (channel === 'TERMINAL') {
      const terminal = rng.pick(this.ctx.catalog.terminals);
      const area = this.ctx.hallRegion.get(terminal.hallKey)!.slice(0, 6);
      const item = rng.pick(this.ctx.itemsByArea.get(area)!);
      return { itemKey: item.key, departmentKey: item.departmentKey, terminalKey: terminal.key, proChannel: 2 };
    }
    const item = this.ctx.weightedItem(rng);
    return { itemKey: item.key, departmentKey: item.departmentKey, proChannel: 1 };
  }

  private samePlaceAnotherStaff(place: Place): Place {
    if (!place.windowKey) return place;
    return { ...place, staffKey: this.rng.pick(this.ctx.staffByWindow.get(place.windowKey)!).key };
  }

  // Joint cases add other departments of the same area; theme cases add other items (R10).
  private units(kind: DemoCaseKind, place: Place): DemoCaseRecord['units'] {
    const units = [{ departmentKey: place.departmentKey, itemKey: place.itemKey }];
    if (kind !== 'JOINT' && kind !== 'THEME') return units;
    const area = this.ctx.deptRegion.get(place.departmentKey)!.slice(0, 6);
    const pool = this.ctx.itemsByArea.get(area)!;
    const wanted = this.rng.int(2, 3);
    for (let tries = 0; units.length < wanted && tries < 20; tries++) {
      const item = this.rng.pick(pool);
      const clash = kind === 'JOINT' ? units.some((u) => u.departmentKey === item.departmentKey) : units.some((u) => u.itemKey === item.key);
      if (!clash) units.push({ departmentKey: item.departmentKey, itemKey: item.key });
    }
    return units;
  }

  private handlingTime(place: Place): number {
    const rng = this.rng;
    if (place.windowKey) return rng.int(3, 25) * MINUTE;
    if (place.terminalKey) return rng.int(1, 8) * MINUTE;
    return rng.int(10, 480) * MINUTE;
  }

  // How long after completion people rate, per channel: on the spot in halls, later online, and a
  // day or more for SMS invitations and 12345 callbacks.
  private ratingDelay(channel: DemoRatingChannel): number {
    const rng = this.rng;
    switch (channel) {
      case 'WINDOW':
      case 'TERMINAL':
        return rng.int(10, 120) * 1000;
      case 'QR':
        return rng.int(1, 60) * MINUTE;
      case 'IMPORT':
        return rng.int(0, 10) * MINUTE + 1000;
      case 'SMS':
        return rng.int(60, 48 * 60) * MINUTE;
      case 'HOTLINE':
        return rng.int(24 * 60, 72 * 60) * MINUTE;
      default:
        return rng.int(5, 24 * 60) * MINUTE;
    }
  }

  // People come back: applicants are drawn from a fixed invented population, each made on first
  // use, which also keeps generation cheap when streaming millions of ratings.
  private applicantFromPopulation(): DemoApplicant {
    const i = this.rng.int(0, POPULATION - 1);
    return (this.population[i] ??= this.newApplicant());
  }

  private newApplicant(): DemoApplicant {
    const rng = this.rng;
    const birth = `${rng.int(1950, 2005)}${pad(rng.int(1, 12), 2)}${pad(rng.int(1, 28), 2)}`;
    const first17 = rng.pick(this.ctx.areas) + birth + rng.digits(3);
    return {
      name: personName(rng),
      mobile: `1${rng.pick(['3', '5', '7', '8', '9'])}${rng.digits(9)}`,
      certNo: first17 + idCardCheckChar(first17),
      userProp: USER_PROPS.pick(rng),
    };
  }

  // 办件编号: accepting area, local date, and a running number that keeps it unique.
  private projectNo(departmentKey: string, acceptedAt: number): string {
    const local = acceptedAt + SHANGHAI_OFFSET;
    const day = Math.floor(local / DAY);
    if (day !== this.dayCache.day) {
      this.dayCache = { day, text: new Date(day * DAY).toISOString().slice(0, 10).replaceAll('-', '') };
    }
    const area = this.ctx.deptRegion.get(departmentKey)!.slice(0, 6);
    return `${area}${this.dayCache.text}${pad(++this.caseSeq, 8)}`;
  }
}

/** Size of the invented population that applies for services. */
const POPULATION = 100_000;

const NODE_NAMES = {
  ORDINARY: '办结',
  BATCH: '批量办结',
  JOINT: '联办办结',
  THEME: '一件事办结',
  CONSULTATION: '咨询答复',
} as const satisfies Record<DemoCaseKind, string>;
