// A database schema reduced to what Prisma describes: the common shape of what schema.prisma
// expects and what Postgres holds, so the two can be compared field by field.

export type ColumnShape = {
  /** Postgres' own spelling (format_type), e.g. `timestamp(3) without time zone`, `text[]`. */
  type: string;
  nullable: boolean;
  /** Normalised default expression, or null when the database sets none. */
  default: string | null;
};

type IndexShape = {
  /** Columns in order, with ` DESC` where the index sorts descending. */
  columns: string[];
  unique: boolean;
  method: string;
};

export type ForeignKeyShape = {
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  onDelete: ReferentialAction;
  onUpdate: ReferentialAction;
};

export type ReferentialAction = 'Cascade' | 'Restrict' | 'NoAction' | 'SetNull' | 'SetDefault';

export type TableShape = {
  columns: Record<string, ColumnShape>;
  primaryKey: { name: string; columns: string[] } | null;
  /** By index name; unique constraints appear here too (Prisma creates unique indexes). */
  indexes: Record<string, IndexShape>;
  /** By constraint name. */
  foreignKeys: Record<string, ForeignKeyShape>;
};

export type SchemaShape = {
  tables: Record<string, TableShape>;
  /** Enum type name -> its labels in order. */
  enums: Record<string, string[]>;
};

const CAST =
  /::(?:"[^"]+"|[a-z_][a-z0-9_]*(?: varying| precision| without time zone| with time zone)?)(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])*/g;

/**
 * Normalises a default expression so Postgres' deparsed form (`'x'::text`, `'-1'::integer`,
 * `nextval('t_id_seq'::regclass)`) and Prisma's intent (`x`, `-1`, autoincrement) meet.
 */
export function normalizeDefault(expression: string | null, type: string): string | null {
  if (expression === null) return null;
  const sequence = /^nextval\('(.+)'::regclass\)$/.exec(expression);
  if (sequence) return `nextval(${sequence[1]!.replaceAll('"', '')})`;
  let value = expression.replace(CAST, '').trim();
  while (/^\(.*\)$/.test(value)) value = value.slice(1, -1).trim();
  const quoted = /^'((?:[^']|'')*)'$/s.exec(value);
  if (quoted) value = quoted[1]!.replaceAll("''", "'");
  if (type === 'json' || type === 'jsonb') {
    try {
      return JSON.stringify(JSON.parse(value));
    } catch {
      return value;
    }
  }
  return value;
}

/** `timestamptz` and `timestamptz(6)` are the same type; Prisma writes either. */
export function normalizeType(type: string): string {
  return type.replace(/^(timestamp|time)\(6\)/, '$1');
}

function describeColumn(c: ColumnShape): string {
  return `${c.type}${c.nullable ? '' : ' NOT NULL'}${c.default === null ? '' : ` DEFAULT ${c.default}`}`;
}

function describeIndex(i: IndexShape): string {
  return `${i.unique ? 'UNIQUE ' : ''}${i.method === 'btree' ? '' : `USING ${i.method} `}(${i.columns.join(', ')})`;
}

function describeForeignKey(f: ForeignKeyShape): string {
  return `(${f.columns.join(', ')}) -> ${f.referencedTable}(${f.referencedColumns.join(', ')}) ON DELETE ${f.onDelete} ON UPDATE ${f.onUpdate}`;
}

function compareRecords<T>(
  where: string,
  kind: string,
  expected: Record<string, T>,
  actual: Record<string, T>,
  describe: (value: T) => string,
  out: string[],
): void {
  for (const [name, want] of Object.entries(expected)) {
    const got = actual[name];
    if (got === undefined)
      out.push(`${kind} ${where}${name}: in schema.prisma (${describe(want)}) but not in the migrated database`);
    else if (describe(got) !== describe(want))
      out.push(`${kind} ${where}${name}: schema.prisma says ${describe(want)}, migrations give ${describe(got)}`);
  }
  for (const [name, got] of Object.entries(actual)) {
    if (!(name in expected))
      out.push(`${kind} ${where}${name}: in the migrated database (${describe(got)}) but not in schema.prisma`);
  }
}

/** Every difference between what schema.prisma describes and what the migrations built, one line each. */
export function diffSchemas(expected: SchemaShape, actual: SchemaShape): string[] {
  const out: string[] = [];
  compareRecords('', 'enum', expected.enums, actual.enums, (labels) => labels.join(', '), out);
  for (const [table, want] of Object.entries(expected.tables)) {
    const got = actual.tables[table];
    if (!got) {
      out.push(`table ${table}: in schema.prisma but not in the migrated database`);
      continue;
    }
    compareRecords(`${table}.`, 'column', want.columns, got.columns, describeColumn, out);
    const pk = (p: TableShape['primaryKey']): string => (p ? `${p.name} (${p.columns.join(', ')})` : 'none');
    if (pk(want.primaryKey) !== pk(got.primaryKey)) {
      out.push(
        `primary key of ${table}: schema.prisma says ${pk(want.primaryKey)}, migrations give ${pk(got.primaryKey)}`,
      );
    }
    compareRecords(`${table}.`, 'index', want.indexes, got.indexes, describeIndex, out);
    compareRecords(`${table}.`, 'foreign key', want.foreignKeys, got.foreignKeys, describeForeignKey, out);
  }
  for (const table of Object.keys(actual.tables)) {
    if (!(table in expected.tables)) out.push(`table ${table}: in the migrated database but not in schema.prisma`);
  }
  return out;
}
