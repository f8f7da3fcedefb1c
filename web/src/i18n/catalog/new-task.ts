/** The new-task form. (web/src/views/new-task.ts) */
import type { Catalog } from './types.js';

export const newTask: Catalog = {
  zh: {
    'Replace existing database comments': '覆盖数据库中已有的注释',
    'Validate the SQL of every pair': '验证每个问答对的 SQL',
    'Ask the LLM to repair failing SQL': '让 LLM 修复验证失败的 SQL',
    'Write repaired SQL back to the pair file': '将修复后的 SQL 写回问答对文件',
    'Run each valid SQL and flag empty results and unknown values': '执行每条有效的 SQL，标记结果为空或取值不在枚举内的问答对',
    'Load the results into the vector store': '将结果加载到向量库',
    'Outdoor gear retailer: products, stores, customers and orders': '户外用品零售商：产品、门店、客户和订单',
    'e.g. Sales database, March': '例如：销售数据库（3 月）',
    'Test connection': '测试连接',
    'e.g. {{example}}': '例如：{{example}}',
    'Filter tables': '筛选表',
    Tables: '表',
    'Test the connection to list its tables.': '测试连接后即可列出其中的表。',
    '{{count}} tables selected': '已选择 {{count}} 张表',
    'No table matches the filter.': '没有符合筛选条件的表。',
    'This database has no tables.': '该数据库中没有表。',
    'Testing the connection…': '正在测试连接…',
    'Connecting…': '正在连接…',
    'Connected: {{count}} tables.': '已连接：共 {{count}} 张表。',
    'The connection test failed: fix it and test again to list its tables.': '连接测试未通过：请修正后重新测试，以列出其中的表。',
    'The connection changed: test it to list its tables.': '连接已更改：请测试连接以列出其中的表。',
    'Create task': '创建任务',
    'Create and run': '创建并运行',
    'Test the connection first: a task is created only for a connection that tested good.': '请先测试连接：只有测试通过的连接才能创建任务。',
    'Business context: say what this database is about (the LLM reads it); it is required for your own database.':
      '业务背景：请说明该数据库的业务内容（供 LLM 参考）；使用自己的数据库时必须填写。',
    'Pick at least one table, or upload a table_list.txt.': '请至少选择一张表，或上传 table_list.txt。',
    'Use the uploaded file?': '使用上传的文件？',
    'Both a file ({{file}}) and {{picked}} picked tables are given: the file will be used.': '同时提供了文件（{{file}}）和已选的 {{picked}} 张表：将使用文件。',
    'Use the file': '使用文件',
    'Task {{id}} created and started': '任务 {{id}} 已创建并开始运行',
    'Task {{id}} created': '任务 {{id}} 已创建',
    'Task {{id}} was created; submitting again gives it its table list (it is not created twice), or open it: ':
      '任务 {{id}} 已创建；再次提交将为其设置表清单（不会重复创建），也可直接打开：',
    Connection: '连接',
    'A postgresql:// URL, or "sample" for the bundled sample database. Passwords are never shown back.':
      'postgresql:// URL，或填写 "sample" 使用内置的示例数据库。密码不会回显。',
    'Select all shown': '全选当前显示的表',
    '…or upload a table_list.txt': '…或上传 table_list.txt',
    'One or more names per line (schema.table), # comments allowed.': '每行一个或多个表名（schema.table），可用 # 写注释。',
    'Business context': '业务背景',
    'What the database is about; given to the LLM. Required for your own database (the sample has its own).':
      '数据库的业务内容，会提供给 LLM。使用自己的数据库时必填（示例数据库已自带）。',
    'Execution options': '执行选项',
  },
  en: {
    '{{count}} tables selected_one': '{{count}} table selected',
    'Connected: {{count}} tables._one': 'Connected: {{count}} table.',
  },
};
