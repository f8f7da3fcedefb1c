/** Database introspection: the tables of a database, and the DDL/Markdown of one table. */
import { documentDatabaseTable, listDatabaseTables } from '../../services/database.js';
import type { ApiServer, AppContext } from '../context.js';
import { successBody } from '../envelope.js';
import { emptyBodyAsObject } from '../hooks.js';
import { errorResponses } from '../schemas/common.js';
import { DatabaseTablesBody, DatabaseTablesResponse, TableDdlBody, TableDdlResponse } from '../schemas/database.js';

export function databaseRoutes(app: ApiServer, ctx: AppContext): void {
  const services = ctx.services;

  app.post(
    '/api/v0/database/tables',
    {
      preValidation: emptyBodyAsObject,
      schema: {
        tags: ['database'],
        summary: 'List the tables, views and materialized views of a database (also a connection test)',
        body: DatabaseTablesBody,
        response: { 200: DatabaseTablesResponse, ...errorResponses },
      },
    },
    async (request) => {
      const listed = await listDatabaseTables(services, request.body);
      return successBody(200, `${listed.tables.length} table(s)`, {
        tables: listed.tables,
        total: listed.tables.length,
        schemas: listed.schemas,
        // Echoed as the existing service does (only when given): the filter these tables matched.
        ...(request.body.table_name_pattern ? { table_name_pattern: request.body.table_name_pattern } : {}),
        db_connection_info: { database: listed.database },
      });
    },
  );

  app.post(
    '/api/v0/database/table/ddl',
    {
      preValidation: emptyBodyAsObject,
      schema: {
        tags: ['database'],
        summary: 'The DDL and/or Markdown of one table, with generated comments when a business context is given',
        body: TableDdlBody,
        response: { 200: TableDdlResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { table, comments, ddl, md, llm, language } = await documentDatabaseTable(services, request.body);
      return successBody(200, `${table.schema}.${table.name} documented`, {
        ...(ddl !== null ? { ddl } : {}),
        ...(md !== null ? { md } : {}),
        table_info: {
          table_name: table.name,
          schema_name: table.schema,
          full_name: `${table.schema}.${table.name}`,
          comment: comments.table,
          field_count: table.columns.length,
          row_count: table.rowEstimate,
          table_size: table.sizeBytes,
        },
        fields: table.columns.map((c) => ({
          name: c.name,
          type: c.type,
          nullable: !c.notNull,
          comment: comments.columns[c.name] ?? null,
          is_primary_key: c.isPrimaryKey,
          is_foreign_key: c.foreignKeys.length > 0,
          default_value: c.defaultExpr,
          is_enum: Boolean(comments.enums[c.name]),
          enum_values: comments.enums[c.name] ?? [],
        })),
        generation_info: { llm_used: llm.used, provider: llm.provider, llm_calls: llm.calls, llm_error: llm.error, language },
      });
    },
  );
}
