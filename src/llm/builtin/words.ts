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
  ['is active', '是否在职'],
  ['is discontinued', '是否停售'],
  ['is refund', '是否退款'],
  ['weight grams', '重量（克）'],
  ['nps score', 'NPS评分'],
  ['units sold', '销量'],
  ['order count', '订单数'],
  ['sales date', '销售日期'],
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
  active: '在职',
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
};

/** Label of an identifier: `Customer ID` / `客户编号`. */
export function label(identifier: string, language: Language): string {
  const words = splitWords(identifier);
  if (words.length === 0) return identifier;
  if (language === 'en') {
    const text = words.map(englishWord).join(' ');
    return text.charAt(0).toUpperCase() + text.slice(1);
  }
  const parts: string[] = [];
  for (let i = 0; i < words.length; ) {
    const phrase = ZH_PHRASES.find(([en]) => {
      const n = en.split(' ').length;
      return words.slice(i, i + n).join(' ') === en;
    });
    if (phrase) {
      parts.push(phrase[1]);
      i += phrase[0].split(' ').length;
      continue;
    }
    const word = words[i] as string;
    parts.push(ZH_WORDS[word] ?? englishWord(word));
    i += 1;
  }
  // Latin words keep a space between them; Chinese runs together.
  return parts.filter(Boolean).reduce((acc, part) => (acc && /[A-Za-z0-9]$/.test(acc) && /^[A-Za-z0-9]/.test(part) ? `${acc} ${part}` : acc + part), '');
}

/** The phrase used mid-sentence in English: lower case except acronyms. */
export function phrase(identifier: string, language: Language): string {
  if (language === 'zh') return label(identifier, 'zh');
  return splitWords(identifier).map(englishWord).join(' ');
}

/** Naive English singular, good enough for table names (`orders` → `order`, `categories` → `category`). */
export function singular(text: string): string {
  if (/ies$/.test(text)) return `${text.slice(0, -3)}y`;
  if (/(ss|us|is)$/.test(text)) return text;
  if (/(ches|shes|xes|ses)$/.test(text)) return text.slice(0, -2);
  if (/s$/.test(text)) return text.slice(0, -1);
  return text;
}

const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `March 2024` / `2024年3月`. */
export function monthLabel(year: number, month: number, language: Language): string {
  return language === 'en' ? `${MONTHS_EN[month - 1]} ${year}` : `${year}年${month}月`;
}
