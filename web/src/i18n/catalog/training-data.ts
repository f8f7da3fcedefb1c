/** The training data page. (web/src/views/training-data.ts) */
import type { Catalog } from './types.js';

export const trainingData: Catalog = {
  zh: {
    Documentation: '文档',
    'Question/SQL': '问题/SQL',
    documentation: '文档',
    'run from the command line: no task record in this server': '通过命令行运行：此服务器上没有该任务的记录',
    '{{provider}} · {{model}} · {{dimension}} dimensions': '{{provider}} · {{model}} · {{dimension}} 维',
    'not recorded (loaded by an earlier version)': '未记录（由早期版本加载）',
    '— (empty)': '—（空）',
    Collections: '集合',
    Collection: '集合',
    Rows: '行数',
    Embedder: '嵌入模型',
    'Rows per database': '各数据库的行数',
    Total: '合计',
    '{{rows}} rows': '{{rows}} 行',
    'cosine similarity, 1 = the same direction': '余弦相似度，1 表示方向相同',
    'similarity {{value}}': '相似度 {{value}}',
    Loaded: '加载时间',
    'e.g. How many orders were placed last month?': '例如：上个月共有多少订单？',
    'All kinds': '全部类型',
    'All databases': '全部数据库',
    Search: '搜索',
    'Searching…': '正在搜索…',
    '{{rows}} nearest row(s) for “{{question}}”, embedded with {{model}}': '与“{{question}}”最接近的 {{rows}} 行（嵌入模型：{{model}}）',
    'No row matches these filters.': '没有符合筛选条件的行。',
    'What would an assistant retrieve?': '助手会检索到什么？',
    Kind: '类型',
    'Loading what the store holds…': '正在加载向量库内容…',
    '{{rows}} rows in the vector store': '向量库中共 {{rows}} 行',
    'Nothing is loaded yet. A task’s last step, training_load, puts its DDL, documentation and question/SQL pairs here.':
      '尚未加载任何数据。任务的最后一步 training_load 会把它的 DDL、文档和问题/SQL 对加载到这里。',
    'Go to the tasks': '前往任务列表',
    'Per database': '按数据库',
    '{{rows}} row(s) were loaded by an earlier version and say no database: the next load of their task replaces them.':
      '有 {{rows}} 行由早期版本加载，未标明所属数据库：其任务下次加载时会替换它们。',
  },
  en: {},
};
