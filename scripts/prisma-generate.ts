// Generates the Prisma client into packages/store/src/generated (run on install).
// Prisma's CLI insists on a native schema engine even for `generate`, which needs none;
// where none can be downloaded (offline CI), any existing file satisfies the check.
import { spawnSync } from 'node:child_process';

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
const result = spawnSync('prisma', ['generate'], { stdio: 'inherit', env, shell: false });
process.exit(result.status ?? 1);
