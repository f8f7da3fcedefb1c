/**
 * Turning identifiers into words, in English or Chinese, for the builtin provider's comments,
 * themes and questions. Chinese uses a glossary of common schema words; unknown words stay as-is.
 */
import type { Language } from '../../util/language.js';

const ACRONYMS = new Set(['id', 'sku', 'nps', 'url', 'ip', 'api', 'uuid', 'vat', 'gst', 'iso', 'usd', 'eur', 'gps', 'kpi', 'sla']);

/** Splits `customer_id`, `feedbackId`, `NPS_Score`, `HTTPStatus` into lower-case words. */
export function splitWords(identifier: string): string[] {
  return identifier
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

function englishWord(word: string): string {
  return ACRONYMS.has(word) ? word.toUpperCase() : word;
}

/** Multi-word phrases first: they translate as a unit. */
const ZH_PHRASES: [string, string][] = [
  ['created at', '创建时间'],
  ['updated at', '更新时间'],
  ['deleted at', '删除时间'],
  ['ordered at', '下单时间'],
  ['shipped at', '发货时间'],
  ['paid at', '支付时间'],
  ['submitted at', '提交时间'],
  ['signed up at', '注册时间'],
  ['opened on', '开业日期'],
  ['launched on', '上市日期'],
  ['hired on', '入职日期'],
  ['terminated at', '离职日期'],
  ['list price', '标价'],
  ['unit price', '单价'],
  ['unit cost', '单位成本'],
  ['total amount', '总金额'],
  ['full name', '姓名'],
  ['first name', '名'],
  ['last name', '姓'],
  // `last` alone is not a surname: the last update, login, change.
  ['last update', '最后更新时间'],
  ['last updated', '最后更新时间'],
  ['last modified', '最后修改时间'],
  ['last login', '最后登录时间'],
  ['last seen', '最近活跃时间'],
  ['rental rate', '租金'],
  ['rental duration', '租期'],
  ['replacement cost', '重置成本'],
  ['job title', '职位'],
  ['order number', '订单号'],
  ['line no', '行号'],
  ['quantity on hand', '现有库存'],
  ['reorder level', '补货阈值'],
  ['discount code', '折扣码'],
  ['discount pct', '折扣率'],
  ['cost center', '成本中心'],
  ['loyalty tier', '会员等级'],
  ['marketing opt in', '接受营销'],
  ['is online', '是否线上'],
  ['is active', '是否有效'],
  ['is discontinued', '是否停售'],
  ['is refund', '是否退款'],
  ['weight grams', '重量（克）'],
  ['nps score', 'NPS评分'],
  ['units sold', '销量'],
  ['order count', '订单数'],
  ['sales date', '销售日期'],
  ['created by', '创建人'],
  ['updated by', '更新人'],
  ['deleted by', '删除人'],
  ['modified at', '修改时间'],
  ['modified by', '修改人'],
  ['birth date', '出生日期'],
  ['hire date', '入职日期'],
  ['invoice date', '开票日期'],
  ['order date', '下单日期'],
  ['due date', '到期日'],
  ['start date', '开始日期'],
  ['end date', '结束日期'],
  ['postal code', '邮政编码'],
  ['zip code', '邮政编码'],
  ['reports to', '上级'],
  ['support rep', '客服代表'],
  ['media type', '媒体类型'],
  ['phone number', '电话号码'],
  ['email address', '邮箱地址'],
  ['credit limit', '信用额度'],
  ['net amount', '净额'],
  ['tax amount', '税额'],
  ['exchange rate', '汇率'],
  ['service area', '服务区域'],
];

const ZH_WORDS: Record<string, string> = {
  id: '编号',
  name: '名称',
  email: '邮箱',
  customer: '客户',
  customers: '客户',
  order: '订单',
  orders: '订单',
  item: '明细',
  items: '明细',
  line: '行',
  product: '商品',
  products: '商品',
  category: '类别',
  categories: '类别',
  parent: '上级',
  store: '门店',
  stores: '门店',
  region: '区域',
  regions: '区域',
  code: '编码',
  city: '城市',
  online: '线上',
  deleted: '删除',
  sku: 'SKU',
  price: '价格',
  unit: '单位',
  cost: '成本',
  weight: '重量',
  attributes: '属性',
  tags: '标签',
  discontinued: '停售',
  loyalty: '会员',
  tier: '等级',
  preferences: '偏好',
  inventory: '库存',
  quantity: '数量',
  updated: '更新',
  status: '状态',
  channel: '渠道',
  shipped: '发货',
  total: '总',
  amount: '金额',
  discount: '折扣',
  payment: '支付',
  payments: '支付记录',
  method: '方式',
  paid: '支付',
  refund: '退款',
  feedback: '反馈',
  score: '评分',
  comment: '评论',
  submitted: '提交',
  department: '部门',
  departments: '部门',
  employee: '员工',
  employees: '员工',
  manager: '经理',
  job: '职位',
  title: '标题',
  hired: '入职',
  salary: '薪资',
  active: '有效',
  terminated: '离职',
  date: '日期',
  time: '时间',
  type: '类型',
  count: '数量',
  description: '描述',
  created: '创建',
  user: '用户',
  users: '用户',
  address: '地址',
  phone: '电话',
  country: '国家',
  currency: '货币',
  rate: '比率',
  rental: '租赁',
  rent: '租金',
  film: '影片',
  movie: '电影',
  actor: '演员',
  request: '请求',
  requested: '请求',
  revenue: '营收',
  sales: '销售',
  daily: '每日',
  units: '件数',
  sold: '售出',
  number: '号',
  no: '号',
  at: '时间',
  on: '日期',
  is: '是否',
  level: '级别',
  state: '状态',
  kind: '种类',
  service: '服务',
  area: '区域',
  business: '业务',
  day: '日',
  data: '数据',
  account: '账户',
  balance: '余额',
  transaction: '交易',
  invoice: '发票',
  supplier: '供应商',
  vendor: '供应商',
  warehouse: '仓库',
  shipment: '发货单',
  delivery: '配送',
  stock: '库存',
  month: '月份',
  year: '年份',
  percent: '百分比',
  pct: '百分比',
  value: '值',
  mv: '',
  v: '',
  vw: '',
  tbl: '',
  hr: '人事',
  // Common schema words beyond the sample database: people, organisations, music, finance, bookkeeping.
  by: '人',
  create: '创建',
  update: '更新',
  modified: '修改',
  modify: '修改',
  delete: '删除',
  del: '删除',
  flag: '标志',
  ts: '时间',
  dt: '日期',
  timestamp: '时间戳',
  remark: '备注',
  remarks: '备注',
  memo: '备注',
  note: '备注',
  notes: '备注',
  desc: '描述',
  qty: '数量',
  amt: '金额',
  cnt: '数量',
  num: '数量',
  seq: '序号',
  sort: '排序',
  org: '机构',
  organization: '机构',
  dept: '部门',
  emp: '员工',
  staff: '员工',
  cust: '客户',
  client: '客户',
  prod: '商品',
  goods: '商品',
  addr: '地址',
  tel: '电话',
  mobile: '手机',
  fax: '传真',
  gender: '性别',
  sex: '性别',
  age: '年龄',
  birth: '出生',
  birthday: '生日',
  company: '公司',
  companies: '公司',
  branch: '分支机构',
  bank: '银行',
  artist: '艺术家',
  artists: '艺术家',
  album: '专辑',
  albums: '专辑',
  track: '曲目',
  tracks: '曲目',
  genre: '流派',
  genres: '流派',
  playlist: '播放列表',
  playlists: '播放列表',
  media: '媒体',
  composer: '作曲者',
  milliseconds: '时长（毫秒）',
  bytes: '字节数',
  invoices: '发票',
  billing: '账单',
  postal: '邮政',
  province: '省份',
  street: '街道',
  support: '支持',
  rep: '代表',
  hire: '入职',
  first: '名',
  last: '最后',
  song: '歌曲',
  songs: '歌曲',
  contract: '合同',
  contracts: '合同',
  project: '项目',
  projects: '项目',
  task: '任务',
  tasks: '任务',
  member: '会员',
  members: '会员',
  student: '学生',
  students: '学生',
  course: '课程',
  courses: '课程',
  teacher: '教师',
  school: '学校',
  doctor: '医生',
  patient: '患者',
  patients: '患者',
  visit: '就诊',
  visits: '就诊',
  loan: '贷款',
  loans: '贷款',
  card: '卡',
  cards: '卡',
  accounts: '账户',
  transactions: '交易',
  shipments: '发货单',
  suppliers: '供应商',
  vendors: '供应商',
  warehouses: '仓库',
  fee: '费用',
  fees: '费用',
  tax: '税',
  income: '收入',
  expense: '支出',
  profit: '利润',
  budget: '预算',
  target: '目标',
  plan: '计划',
  group: '分组',
  role: '角色',
  roles: '角色',
  permission: '权限',
  login: '登录',
  password: '密码',
  username: '用户名',
  nickname: '昵称',
  avatar: '头像',
  url: '链接',
  link: '链接',
  image: '图片',
  file: '文件',
  size: '大小',
  length: '长度',
  width: '宽度',
  height: '高度',
  color: '颜色',
  brand: '品牌',
  model: '型号',
  version: '版本',
  source: '来源',
  reason: '原因',
  result: '结果',
  rating: '评分',
  review: '评价',
  reviews: '评价',
  stars: '星级',
  views: '浏览量',
  clicks: '点击量',
  duration: '时长',
  minutes: '分钟数',
  seconds: '秒数',
  hours: '小时数',
  days: '天数',
  week: '周',
  quarter: '季度',
  start: '开始',
  end: '结束',
  begin: '开始',
  due: '到期',
  expire: '过期',
  expired: '过期',
  expiry: '到期',
  valid: '有效',
  enabled: '启用',
  disabled: '停用',
  approved: '审批通过',
  approval: '审批',
  audit: '审核',
  owner: '负责人',
  creator: '创建人',
  operator: '操作人',
  handler: '处理人',
  contact: '联系人',
  promotion: '促销',
  coupon: '优惠券',
  points: '积分',
  grade: '等级',
  volume: '体积',
  capacity: '容量',
  location: '位置',
  latitude: '纬度',
  longitude: '经度',
  zone: '区域',
  district: '区县',
  town: '城镇',
  village: '村',
  nation: '国家',
  nationality: '国籍',
  language: '语言',
  content: '内容',
  body: '正文',
  subject: '主题',
  message: '消息',
  event: '事件',
  events: '事件',
  log: '日志',
  logs: '日志',
  history: '历史',
  record: '记录',
  records: '记录',
  detail: '明细',
  details: '明细',
  info: '信息',
  information: '信息',
  config: '配置',
  setting: '设置',
  settings: '设置',
  key: '键',
  uuid: '唯一标识',
  guid: '唯一标识',
  serial: '序列号',
  batch: '批次',
  lot: '批号',
  period: '期间',
  fiscal: '财政',
  bill: '账单',
  bills: '账单',
  receipt: '收据',
  refunds: '退款',
  returns: '退货',
  return: '退货',
  cancel: '取消',
  cancelled: '取消',
  canceled: '取消',
  completed: '完成',
  complete: '完成',
  pending: '待处理',
  finished: '完成',
  opened: '开业',
  closed: '关闭',
  sent: '发送',
  received: '接收',
  delivered: '送达',
  placed: '下单',
  ordered: '下单',
  registered: '注册',
  signed: '签署',
  joined: '加入',
  released: '发行',
  release: '发行',
  published: '发布',
  publish: '发布',
  born: '出生',
  ratio: '比例',
  margin: '利润率',
  quota: '配额',
  limit: '上限',
  min: '最小',
  max: '最大',
  avg: '平均',
  sum: '合计',
};

/** Words a schema teaches: identifier words with the Chinese its comments give them (see glossary.ts). */
export type Glossary = ReadonlyMap<string, string>;

const NO_GLOSSARY: Glossary = new Map();

/** The Chinese of one identifier word, from the schema's own glossary first, then the built-in one. */
export function chineseWord(word: string, glossary: Glossary = NO_GLOSSARY): string | undefined {
  return glossary.get(word) ?? ZH_WORDS[word];
}

/** Identifier words in Chinese, phrase by phrase; `missing` lists the words no glossary knows (kept in English). */
export function chineseOf(identifierWords: readonly string[], glossary: Glossary = NO_GLOSSARY): { text: string; missing: string[] } {
  // `types` is looked up as `type` when only the singular is known.
  const words = identifierWords.map((w) =>
    chineseWord(w, glossary) === undefined && chineseWord(singularWord(w), glossary) !== undefined ? singularWord(w) : w,
  );
  const parts: string[] = [];
  const missing: string[] = [];
  for (let i = 0; i < words.length; ) {
    const learned = [3, 2].map((n) => words.slice(i, i + n)).find((run) => run.length > 1 && glossary.has(run.join(' ')));
    const phrase = learned ? undefined : ZH_PHRASES.find(([en]) => words.slice(i, i + en.split(' ').length).join(' ') === en);
    if (learned) {
      parts.push(glossary.get(learned.join(' ')) as string);
      i += learned.length;
      continue;
    }
    if (phrase) {
      parts.push(phrase[1]);
      i += phrase[0].split(' ').length;
      continue;
    }
    const word = words[i] as string;
    const zh = chineseWord(word, glossary);
    if (zh === undefined) missing.push(word);
    parts.push(zh ?? englishWord(word));
    i += 1;
  }
  // Latin words keep a space between them; Chinese runs together.
  const text = parts.filter(Boolean).reduce((acc, part) => (acc && /[A-Za-z0-9]$/.test(acc) && /^[A-Za-z0-9]/.test(part) ? `${acc} ${part}` : acc + part), '');
  return { text, missing };
}

/** Label of an identifier: `Customer ID` / `客户编号`. */
export function label(identifier: string, language: Language, glossary?: Glossary): string {
  const words = splitWords(identifier);
  if (words.length === 0) return identifier;
  if (language === 'en') {
    const text = words.map(englishWord).join(' ');
    return text.charAt(0).toUpperCase() + text.slice(1);
  }
  return chineseOf(words, glossary).text || identifier;
}

/** Short forms people write in column names, spelled out in English questions. */
const ABBREVIATIONS: Record<string, string> = {
  qty: 'quantity',
  amt: 'amount',
  dt: 'date',
  ts: 'timestamp',
  desc: 'description',
  num: 'number',
  no: 'number',
  cnt: 'count',
  pct: 'percent',
  addr: 'address',
  dept: 'department',
  emp: 'employee',
  cust: 'customer',
  prod: 'product',
  tel: 'phone',
  org: 'organisation',
  msg: 'message',
  ms: 'milliseconds',
};

/** The phrase used mid-sentence in English: lower case except acronyms, short forms spelled out. */
export function phrase(identifier: string, language: Language, glossary?: Glossary): string {
  if (language === 'zh') return label(identifier, 'zh', glossary);
  return splitWords(identifier)
    .map((w) => ABBREVIATIONS[w] ?? englishWord(w))
    .join(' ');
}

/** Nouns with no plural of their own: counted as "records" (`How many inventory records are there?`). */
const UNCOUNTABLE = new Set([
  'feedback',
  'inventory',
  'information',
  'info',
  'data',
  'metadata',
  'staff',
  'equipment',
  'media',
  'news',
  'history',
  'stock',
  'sales',
  'revenue',
  'music',
  'mail',
  'audit',
  'payroll',
  'merchandise',
  'personnel',
  'software',
  'hardware',
  'traffic',
  'analytics',
  'statistics',
  'stats',
  'config',
]);

const IRREGULAR_PLURALS: Record<string, string> = {
  person: 'people',
  child: 'children',
  man: 'men',
  woman: 'women',
  mouse: 'mice',
  foot: 'feet',
  tooth: 'teeth',
  goose: 'geese',
  criterion: 'criteria',
  analysis: 'analyses',
  series: 'series',
  species: 'species',
};
const IRREGULAR_SINGULARS: Record<string, string> = Object.fromEntries([
  ...Object.entries(IRREGULAR_PLURALS).map(([one, many]) => [many, one]),
  ['movies', 'movie'],
  ['cookies', 'cookie'],
  ['statuses', 'status'],
  ['addresses', 'address'],
  ['aliases', 'alias'],
]);

/** English singular of one word (`orders` → `order`, `categories` → `category`, `people` → `person`). */
export function singularWord(word: string): string {
  const lower = word.toLowerCase();
  if (IRREGULAR_SINGULARS[lower]) return IRREGULAR_SINGULARS[lower] as string;
  if (/[^aeiou]ies$/.test(lower)) return `${word.slice(0, -3)}y`;
  if (/(ss|us|is|ics)$/.test(lower)) return word;
  if (/(ches|shes|xes|sses|zes)$/.test(lower)) return word.slice(0, -2);
  if (/s$/.test(lower)) return word.slice(0, -1);
  return word;
}

/** English plural of one singular word (`category` → `categories`, `box` → `boxes`, `person` → `people`). */
export function pluralWord(word: string): string {
  const lower = word.toLowerCase();
  if (IRREGULAR_PLURALS[lower]) return IRREGULAR_PLURALS[lower] as string;
  if (/[^aeiou]y$/.test(lower)) return `${word.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${word}es`;
  return `${word}s`;
}

/** Naive English singular of a phrase: its last word (`order items` → `order item`). */
export function singular(text: string): string {
  const words = text.split(' ');
  const last = words.pop() ?? '';
  return [...words, singularWord(last)].join(' ');
}

/** A countable English noun phrase in both numbers: `{ one: 'order item', many: 'order items' }`. */
export interface Noun {
  one: string;
  many: string;
}

/** The noun for rows of a table or values of a column named `identifier`; uncountable heads get "record(s)". */
export function nounOf(identifier: string): Noun {
  const words = phrase(identifier, 'en').split(' ').filter(Boolean);
  const last = words.pop() ?? 'row';
  if (UNCOUNTABLE.has(last.toLowerCase())) {
    const head = [...words, last].join(' ');
    return { one: `${head} record`, many: `${head} records` };
  }
  const one = singularWord(last);
  return { one: [...words, one].join(' '), many: [...words, pluralWord(one)].join(' ') };
}

/** `a` or `an` before a word, by its sound as far as spelling tells (`an order`, `a unit`, `an SKU`). */
export function article(next: string): 'a' | 'an' {
  if (/^[AEFHILMNORSX][A-Z0-9]*\b/.test(next) && /^[A-Z]{2,}/.test(next)) return 'an';
  if (/^(uni|use|usu|one|eu)/i.test(next)) return 'a';
  if (/^(hour|honest|honou?r)/i.test(next)) return 'an';
  return /^[aeiou]/i.test(next) ? 'an' : 'a';
}

/** `a unit price`, `an order date`. */
export function withArticle(text: string): string {
  return `${article(text)} ${text}`;
}

const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `March 2024` / `2024年3月`. */
export function monthLabel(year: number, month: number, language: Language): string {
  return language === 'en' ? `${MONTHS_EN[month - 1]} ${year}` : `${year}年${month}月`;
}
