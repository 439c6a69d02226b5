import pg from 'pg';

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function assertName(name: string): void {
  if (!NAME.test(name)) throw new Error(`invalid database name ${JSON.stringify(name)} (want ${NAME})`);
}

/** `url` with its database (path) replaced by `name`. */
function databaseUrlFor(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function withAdmin<T>(adminUrl: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Creates database `name` (optionally as a copy of `template`) and returns its URL.
 * Copying needs the template to have no open connections: Postgres answers 55006 while
 * someone is connected, so this retries briefly.
 */
export async function createDatabase(
  adminUrl: string,
  name: string,
  opts: { template?: string } = {},
): Promise<string> {
  assertName(name);
  if (opts.template) assertName(opts.template);
  const sql = `CREATE DATABASE "${name}"${opts.template ? ` TEMPLATE "${opts.template}"` : ''}`;
  await withAdmin(adminUrl, async (client) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(sql);
        return;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code !== '55006' || attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  });
  return databaseUrlFor(adminUrl, name);
}

/** Drops database `name` if it exists, disconnecting its sessions (WITH (FORCE), Postgres 13+). */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  assertName(name);
  await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}
