export {
  type AdminAppOptions,
  buildAdminApp,
  type RunningAdminServer,
  type StartAdminOptions,
  startAdminServer,
} from './server.ts';
