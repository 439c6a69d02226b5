import { describe, expect, it } from 'vitest';
import { defaultConstraintName } from './expected-schema.ts';
import { diffSchemas, normalizeDefault, normalizeType, type SchemaShape } from './schema-model.ts';

describe('normalizeDefault', () => {
  it('meets Postgres deparsed defaults and Prisma literals in the middle', () => {
    expect(normalizeDefault("'running'::text", 'text')).toBe('running');
    expect(normalizeDefault("'it''s'::character varying", 'character varying(20)')).toBe("it's");
    expect(normalizeDefault("'-1'::integer", 'integer')).toBe('-1');
    expect(normalizeDefault('\'{"a": 1}\'::jsonb', 'jsonb')).toBe('{"a":1}');
    expect(normalizeDefault('\'{"a":1}\'', 'jsonb')).toBe('{"a":1}');
    expect(normalizeDefault('\'USER\'::"Role"', '"Role"')).toBe('USER');
    expect(normalizeDefault('ARRAY[]::text[]', 'text[]')).toBe('ARRAY[]');
    expect(normalizeDefault('nextval(\'"Things_id_seq"\'::regclass)', 'integer')).toBe('nextval(Things_id_seq)');
    expect(normalizeDefault('CURRENT_TIMESTAMP', 'timestamp(3) without time zone')).toBe('CURRENT_TIMESTAMP');
    expect(normalizeDefault(null, 'text')).toBeNull();
  });

  it('keeps different values different', () => {
    expect(normalizeDefault("'a'::text", 'text')).not.toBe(normalizeDefault("'b'::text", 'text'));
    expect(normalizeDefault('false', 'boolean')).not.toBe(normalizeDefault('true', 'boolean'));
  });
});

describe('normalizeType', () => {
  it('treats the default timestamp precision as absent', () => {
    expect(normalizeType('timestamp(6) with time zone')).toBe('timestamp with time zone');
    expect(normalizeType('timestamp(3) without time zone')).toBe('timestamp(3) without time zone');
  });
});

describe('defaultConstraintName', () => {
  it('follows Prisma naming and truncates to 63 characters keeping the suffix', () => {
    expect(defaultConstraintName('links', ['connectionId', 'externalId'], 'key')).toBe(
      'links_connectionId_externalId_key',
    );
    const long = defaultConstraintName('a'.repeat(40), ['b'.repeat(40)], 'idx');
    expect(long).toHaveLength(63);
    expect(long.endsWith('_idx')).toBe(true);
  });
});

describe('diffSchemas', () => {
  const base = (): SchemaShape => ({
    tables: {
      things: {
        columns: { id: { type: 'text', nullable: false, default: null } },
        primaryKey: { name: 'things_pkey', columns: ['id'] },
        indexes: {},
        foreignKeys: {},
      },
    },
    enums: {},
  });

  it('finds nothing between equal schemas', () => {
    expect(diffSchemas(base(), base())).toEqual([]);
  });

  it('names a column that schema.prisma has and the migrations lack', () => {
    const expected = base();
    expected.tables.things!.columns.nickname = { type: 'text', nullable: true, default: null };
    expect(diffSchemas(expected, base())).toEqual([
      'column things.nickname: in schema.prisma (text) but not in the migrated database',
    ]);
  });

  it('reports type, nullability, index, foreign key, enum and table differences', () => {
    const expected = base();
    const actual = base();
    actual.tables.things!.columns.id = { type: 'uuid', nullable: true, default: null };
    actual.tables.things!.indexes.things_id_idx = { columns: ['id'], unique: false, method: 'btree' };
    actual.tables.things!.foreignKeys.things_id_fkey = {
      columns: ['id'],
      referencedTable: 'other',
      referencedColumns: ['id'],
      onDelete: 'Cascade',
      onUpdate: 'Cascade',
    };
    actual.tables.extra = { columns: {}, primaryKey: null, indexes: {}, foreignKeys: {} };
    expected.enums.Role = ['A'];
    const diff = diffSchemas(expected, actual);
    expect(diff).toHaveLength(5);
    expect(diff.join('\n')).toMatch(/column things.id: schema.prisma says text NOT NULL, migrations give uuid/);
    expect(diff.join('\n')).toMatch(/index things.things_id_idx: in the migrated database/);
    expect(diff.join('\n')).toMatch(/foreign key things.things_id_fkey/);
    expect(diff.join('\n')).toMatch(/table extra: in the migrated database but not in schema.prisma/);
    expect(diff.join('\n')).toMatch(/enum Role: in schema.prisma/);
  });
});
