import pg from 'pg';
import {
  type ForeignKeyShape,
  normalizeDefault,
  normalizeType,
  type ReferentialAction,
  type SchemaShape,
  type TableShape,
} from './schema-model.ts';

// Tables the tools keep for themselves, not part of the application schema.
const IGNORED_TABLES = new Set(['_prisma_migrations']);

const ACTIONS: Record<string, ReferentialAction> = {
  a: 'NoAction',
  r: 'Restrict',
  c: 'Cascade',
  n: 'SetNull',
  d: 'SetDefault',
};

/**
 * Reads the tables, columns (type, nullability, default), primary keys, indexes (unique ones
 * included), foreign keys and enums of `schema` from pg_catalog. Sequences, CHECK constraints,
 * triggers and functions are left out, as `prisma migrate diff` leaves them out.
 */
export async function introspectSchema(databaseUrl: string, schema = 'public'): Promise<SchemaShape> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    const tables: Record<string, TableShape> = {};
    const table = (name: string): TableShape => {
      tables[name] ??= { columns: {}, primaryKey: null, indexes: {}, foreignKeys: {} };
      return tables[name];
    };

    const tableRows = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')`,
      [schema],
    );
    for (const row of tableRows.rows) if (!IGNORED_TABLES.has(row.name)) table(row.name);

    const columns = await client.query<{
      table: string;
      column: string;
      type: string;
      nullable: boolean;
      default: string | null;
    }>(
      `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
              NOT a.attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS default
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`,
      [schema],
    );
    for (const row of columns.rows) {
      if (IGNORED_TABLES.has(row.table)) continue;
      const type = normalizeType(row.type);
      table(row.table).columns[row.column] = {
        type,
        nullable: row.nullable,
        default: normalizeDefault(row.default, type),
      };
    }

    const indexes = await client.query<{
      table: string;
      name: string;
      unique: boolean;
      primary: boolean;
      columns: string[];
      method: string;
      predicate: string | null;
    }>(
      `SELECT t.relname AS table, i.relname AS name, ix.indisunique AS unique, ix.indisprimary AS primary,
              am.amname AS method, pg_get_expr(ix.indpred, ix.indrelid) AS predicate,
              ARRAY(
                SELECT COALESCE(a.attname, pg_get_indexdef(ix.indexrelid, k.ord::int, true))
                       || CASE WHEN (ix.indoption[k.ord - 1] & 1) = 1 THEN ' DESC' ELSE '' END
                  FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
                  LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum <> 0
                 WHERE k.ord <= ix.indnkeyatts
                 ORDER BY k.ord
              )::text[] AS columns
         FROM pg_index ix
         JOIN pg_class i ON i.oid = ix.indexrelid
         JOIN pg_class t ON t.oid = ix.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         JOIN pg_am am ON am.oid = i.relam
        WHERE n.nspname = $1`,
      [schema],
    );
    for (const row of indexes.rows) {
      if (IGNORED_TABLES.has(row.table)) continue;
      if (row.primary) {
        table(row.table).primaryKey = { name: row.name, columns: row.columns };
      } else {
        // A partial index is something schema.prisma cannot say: keep the predicate visible.
        const method = row.predicate ? `${row.method} WHERE ${row.predicate}` : row.method;
        table(row.table).indexes[row.name] = { columns: row.columns, unique: row.unique, method };
      }
    }

    const foreignKeys = await client.query<{
      table: string;
      name: string;
      columns: string[];
      referenced_table: string;
      referenced_columns: string[];
      on_delete: string;
      on_update: string;
    }>(
      `SELECT t.relname AS table, con.conname AS name, rt.relname AS referenced_table,
              con.confdeltype AS on_delete, con.confupdtype AS on_update,
              ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns,
              ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS referenced_columns
         FROM pg_constraint con
         JOIN pg_class t ON t.oid = con.conrelid
         JOIN pg_class rt ON rt.oid = con.confrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = $1 AND con.contype = 'f'`,
      [schema],
    );
    for (const row of foreignKeys.rows) {
      if (IGNORED_TABLES.has(row.table)) continue;
      const fk: ForeignKeyShape = {
        columns: row.columns,
        referencedTable: row.referenced_table,
        referencedColumns: row.referenced_columns,
        onDelete: ACTIONS[row.on_delete] ?? 'NoAction',
        onUpdate: ACTIONS[row.on_update] ?? 'NoAction',
      };
      table(row.table).foreignKeys[row.name] = fk;
    }

    const enumRows = await client.query<{ name: string; labels: string[] }>(
      `SELECT t.typname AS name, ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)::text[] AS labels
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = $1 AND t.typtype = 'e'`,
      [schema],
    );
    const enums = Object.fromEntries(enumRows.rows.map((row) => [row.name, row.labels]));
    return { tables, enums };
  } finally {
    await client.end().catch(() => {});
  }
}
