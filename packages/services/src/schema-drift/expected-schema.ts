import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GetDMMFError, getDMMF } from '@prisma/get-dmmf';
import {
  type ColumnShape,
  type ForeignKeyShape,
  normalizeDefault,
  normalizeType,
  type ReferentialAction,
  type SchemaShape,
  type TableShape,
} from './schema-model.ts';

/** prisma/schema.prisma at the repository root. */
export const DEFAULT_SCHEMA_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../prisma/schema.prisma');

type Document = Exclude<ReturnType<typeof getDMMF>, GetDMMFError>;
type Model = Document['datamodel']['models'][number];
type Field = Model['fields'][number];

// Postgres' identifier limit; Prisma truncates generated constraint names to fit it.
const MAX_IDENTIFIER = 63;

const SCALAR_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Decimal: 'numeric(65,30)',
  Boolean: 'boolean',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Bytes: 'bytea',
};

/** `@db.X(args)` as Postgres spells the type back (format_type). */
function nativeType(name: string, args: readonly string[]): string {
  const a = args.join(',');
  const precision = (base: string, zone: string): string => `${base}${a ? `(${a})` : ''} ${zone}`;
  const simple: Record<string, string> = {
    Text: 'text',
    Uuid: 'uuid',
    Xml: 'xml',
    Inet: 'inet',
    Citext: 'citext',
    Integer: 'integer',
    SmallInt: 'smallint',
    BigInt: 'bigint',
    Oid: 'oid',
    Real: 'real',
    DoublePrecision: 'double precision',
    Money: 'money',
    Boolean: 'boolean',
    Date: 'date',
    Json: 'json',
    JsonB: 'jsonb',
    ByteA: 'bytea',
  };
  if (simple[name]) return simple[name];
  switch (name) {
    case 'VarChar':
      return a ? `character varying(${a})` : 'character varying';
    case 'Char':
      return `character(${a || '1'})`;
    case 'Bit':
      return `bit(${a || '1'})`;
    case 'VarBit':
      return a ? `bit varying(${a})` : 'bit varying';
    case 'Decimal':
      return a ? `numeric(${a})` : 'numeric';
    case 'Timestamp':
      return precision('timestamp', 'without time zone');
    case 'Timestamptz':
      return precision('timestamp', 'with time zone');
    case 'Time':
      return precision('time', 'without time zone');
    case 'Timetz':
      return precision('time', 'with time zone');
    default:
      throw new Error(`@db.${name} is not mapped by the drift check yet: add it to expected-schema.ts`);
  }
}

function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** Prisma's default constraint names: `{table}_{columns}_{suffix}`, cut to fit 63 characters. */
export function defaultConstraintName(table: string, columns: string[], suffix: string): string {
  const base = columns.length > 0 ? `${table}_${columns.join('_')}` : table;
  const room = MAX_IDENTIFIER - suffix.length - 1;
  return `${base.length > room ? base.slice(0, room) : base}_${suffix}`;
}

function literal(value: unknown): string {
  return typeof value === 'string' ? `'${value.replaceAll("'", "''")}'` : String(value);
}

/** Prisma's explicit `map:` names of relations, which DMMF leaves out: "Model.field" -> name. */
function relationMapNames(schemaText: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const block of schemaText.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    for (const line of block[2]!.split('\n')) {
      const m = /^\s*(\w+)\s.*@relation\([^)]*\bmap:\s*"([^"]+)"/.exec(line);
      if (m) names.set(`${block[1]}.${m[1]}`, m[2]!);
    }
  }
  return names;
}

/** What the tables should look like, per Prisma's mapping of schema.prisma onto Postgres. */
export function expectedSchema(schemaText: string): SchemaShape {
  const dmmf = getDMMF({ datamodel: schemaText });
  if ('reason' in dmmf) throw new Error(`schema.prisma does not parse: ${dmmf.error.message}`);
  const { models, enums, indexes } = dmmf.datamodel;
  const enumByName = new Map(enums.map((e) => [e.name, e]));
  const modelByName = new Map(models.map((m) => [m.name, m]));
  const tableOf = (m: Model): string => m.dbName ?? m.name;
  const columnOf = (m: Model, fieldName: string): string => {
    const field = m.fields.find((f) => f.name === fieldName);
    if (!field) throw new Error(`${m.name}.${fieldName} not found`);
    return field.dbName ?? field.name;
  };
  const relationNames = relationMapNames(schemaText);

  const column = (model: Model, field: Field): ColumnShape => {
    let type: string;
    if (field.kind === 'enum') {
      const e = enumByName.get(field.type)!;
      type = quoteIdent(e.dbName ?? e.name);
    } else if (field.nativeType) {
      type = nativeType(field.nativeType[0], field.nativeType[1]);
    } else {
      const scalar = SCALAR_TYPES[field.type];
      if (!scalar) throw new Error(`${model.name}.${field.name}: type ${field.type} is not mapped`);
      type = scalar;
    }
    if (field.isList) type += '[]';
    type = normalizeType(type);
    // Prisma never writes NOT NULL on scalar lists.
    const nullable = !field.isRequired || field.isList;
    const d = field.default as unknown;
    let expression: string | null = null;
    if (field.hasDefaultValue && d !== undefined) {
      if (Array.isArray(d)) {
        expression = `ARRAY[${d.map(literal).join(', ')}]`;
      } else if (d !== null && typeof d === 'object') {
        const fn = d as { name: string; args: unknown[] };
        if (fn.name === 'now') expression = 'CURRENT_TIMESTAMP';
        else if (fn.name === 'autoincrement')
          expression = `nextval('${tableOf(model)}_${field.dbName ?? field.name}_seq'::regclass)`;
        else if (fn.name === 'dbgenerated') expression = typeof fn.args[0] === 'string' ? fn.args[0] : null;
        // uuid(), cuid(), nanoid(), ulid(): generated by the client, no database default.
      } else if (field.kind === 'enum') {
        const value = enumByName.get(field.type)!.values.find((v) => v.name === d);
        expression = literal(value?.dbName ?? d);
      } else {
        expression = literal(d);
      }
    }
    return { type, nullable, default: normalizeDefault(expression, type) };
  };

  const tables: Record<string, TableShape> = {};
  for (const model of models) {
    const table = tableOf(model);
    const shape: TableShape = { columns: {}, primaryKey: null, indexes: {}, foreignKeys: {} };
    for (const field of model.fields) {
      if (field.kind === 'scalar' || field.kind === 'enum') {
        shape.columns[field.dbName ?? field.name] = column(model, field);
      } else if (field.kind === 'object' && field.relationFromFields && field.relationFromFields.length > 0) {
        const target = modelByName.get(field.type)!;
        const columns = field.relationFromFields.map((f) => columnOf(model, f));
        const optional = field.relationFromFields.some((f) => !model.fields.find((x) => x.name === f)?.isRequired);
        const fk: ForeignKeyShape = {
          columns,
          referencedTable: tableOf(target),
          referencedColumns: (field.relationToFields ?? []).map((f) => columnOf(target, f)),
          onDelete: (field.relationOnDelete as ReferentialAction | undefined) ?? (optional ? 'SetNull' : 'Restrict'),
          onUpdate:
            ((field as { relationOnUpdate?: string }).relationOnUpdate as ReferentialAction | undefined) ?? 'Cascade',
        };
        const name = relationNames.get(`${model.name}.${field.name}`) ?? defaultConstraintName(table, columns, 'fkey');
        shape.foreignKeys[name] = fk;
      } else if (field.kind === 'object' && field.isList) {
        const back = modelByName.get(field.type)?.fields.find((f) => f.relationName === field.relationName);
        if (back?.isList)
          throw new Error(`${model.name}.${field.name}: implicit many-to-many relations are not checked yet`);
      }
    }
    for (const index of indexes.filter((i) => i.model === model.name)) {
      const columns = index.fields.map((f) => columnOf(model, f.name));
      const dbName = (index as { dbName?: string }).dbName;
      if (index.type === 'id') {
        shape.primaryKey = { name: dbName ?? defaultConstraintName(table, [], 'pkey'), columns };
        continue;
      }
      if (index.type !== 'normal' && index.type !== 'unique') {
        throw new Error(`${model.name}: ${index.type} indexes are not checked yet`);
      }
      const unique = index.type === 'unique';
      const name = dbName ?? defaultConstraintName(table, columns, unique ? 'key' : 'idx');
      const sorted = index.fields.map((f, i) => `${columns[i]}${f.sortOrder === 'desc' ? ' DESC' : ''}`);
      const method = ((index as { algorithm?: string }).algorithm ?? 'BTree').toLowerCase();
      shape.indexes[name] = { columns: sorted, unique, method: method === 'spgist' ? 'spgist' : method };
    }
    tables[table] = shape;
  }
  const enumShapes = Object.fromEntries(
    enums.map((e) => [e.dbName ?? e.name, e.values.map((v) => v.dbName ?? v.name)]),
  );
  return { tables, enums: enumShapes };
}
