import type { Command } from '../cli.ts';
import { conflictsList, conflictsResolve, conflictsShow } from './conflicts.ts';
import { changesList, decideChanges, decideDeletes, deletesList, quarantineList } from './holds.ts';
import { opsList, opsRetry } from './ops.ts';
import { runsList, runsShow } from './runs.ts';
import { connectionsResume, resync, status } from './status.ts';

/** Every admin command, one file per resource. */
export const adminOpCommands: Command[] = [
  status,
  connectionsResume,
  resync,
  conflictsList,
  conflictsShow,
  conflictsResolve,
  quarantineList,
  deletesList,
  decideDeletes('confirm'),
  decideDeletes('reject'),
  changesList,
  decideChanges('confirm'),
  decideChanges('reject'),
  opsList,
  opsRetry,
  runsList,
  runsShow,
];
