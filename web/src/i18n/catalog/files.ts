/** The Files tab. (web/src/views/detail/files.ts) */
import type { Catalog } from './types.js';

export const files: Catalog = {
  zh: {
    'Table docs': '表文档',
    'Pairs and validation': '问答对与验证',
    'Review and reuse': '审核与复用',
    'Run records': '运行记录',
    Other: '其他',
    'Loading files…': '正在加载文件…',
    'No files yet: give the task a table list and run it.': '还没有文件：请为任务提供表清单并运行。',
    'Choose a file to preview it here.': '选择一个文件，在此预览。',
    'File preview': '文件预览',
    Close: '关闭',
    '{{file}} is {{size}}: download it to read it.': '{{file}} 大小为 {{size}}：请下载后查看。',
    'Loading {{file}}…': '正在加载 {{file}}…',
    'Content of {{file}}': '{{file}} 的内容',
    'File name contains': '文件名包含',
    'All groups': '全部分组',
    File: '文件',
    Size: '大小',
    Modified: '修改时间',
    'Preview {{file}}': '预览 {{file}}',
    Preview: '预览',
    'Download {{file}}': '下载 {{file}}',
    Download: '下载',
    'No file matches the filters.': '没有符合筛选条件的文件。',
    '{{label}} ({{n}})': '{{label}}（{{n}}）',
    '{{count}} file(s), {{size}}': '{{count}} 个文件，{{size}}',
    'File group': '文件分组',
    'Download all (.zip)': '下载全部（.zip）',
  },
  en: {
    '{{count}} file(s), {{size}}_one': '{{count}} file, {{size}}',
  },
};
