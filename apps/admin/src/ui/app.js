// @ts-check
// The conflict review page: plain DOM, no build step. Every value from the API goes in
// through textContent, never as HTML. This is the shell: sign-in, navigation between the views.
import { ApiError, api, forgetToken, setToken, takeTokenFromFragment } from './api.js';
import { initBulk } from './bulk.js';
import { conflictFilters, loadConflicts } from './conflicts.js';
import { $, guarded, h, shell, toast, ui } from './dom.js';
import { loadOps, retryShown } from './failed-ops.js';
import { loadHeldChanges } from './held-changes.js';
import { loadHeld } from './held-deletes.js';
import { initKeyboard, KEYS } from './keyboard.js';
import { loadPersonView } from './person-view.js';

const loaders = {
  conflicts: () => loadConflicts(),
  'held-deletes': loadHeld,
  'held-changes': () => loadHeldChanges($('#held-changes-list'), ui),
  'failed-ops': loadOps,
  person: (id) => loadPersonView($('#person-view'), ui, id),
};

async function show(hash) {
  // `#person=<id>`: a view and its argument.
  const [view, arg] = hash.split('=', 2);
  const name = loaders[view] ? view : 'conflicts';
  for (const p of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-view-panel]')))
    p.hidden = p.dataset.viewPanel !== name;
  for (const a of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('nav a[data-view]')))
    a.classList.toggle('active', a.dataset.view === name);
  try {
    await loaders[name](arg ? decodeURIComponent(arg) : undefined);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return signedOut('The token was refused.');
    toast(e.message, 'error');
  }
}

function signedOut(message) {
  forgetToken();
  $('#app').hidden = true;
  $('#login').hidden = false;
  if (message) toast(message, 'error');
}

async function signedIn() {
  $('#login').hidden = true;
  $('#app').hidden = false;
  try {
    // Opens the queue dashboard link in this browser (an HttpOnly cookie it alone accepts).
    await api('POST', '/session');
    const { items } = await api('GET', '/connections');
    const select = $('[data-testid="filter-connection"]');
    for (const c of items) select.append(h('option', { value: c.id }, c.id));
    bulk.addConnections(items.map((c) => c.id));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return signedOut('The token was refused.');
    toast(e.message, 'error');
  }
  await show(location.hash.slice(1));
}

/** @type {{ addConnections: (ids: string[]) => void }} */
let bulk = { addConnections: () => {} };

function init() {
  shell.show = show;
  shell.signedOut = signedOut;
  bulk = initBulk($('#bulk'), ui, { filters: conflictFilters, reload: () => loadConflicts(), connections: [] });
  initKeyboard({ isActive: () => !$('[data-view-panel="conflicts"]').hidden && !$('#app').hidden, help: $('#keys') });
  $('#keys').replaceChildren(...KEYS.map(([k, what]) => h('li', {}, h('kbd', {}, k), ` ${what}`)));
  $('#conflict-filters').addEventListener('submit', (e) => {
    e.preventDefault();
    show('conflicts');
  });
  $('#conflict-more').addEventListener('click', () => loadConflicts(true).catch((e) => toast(e.message, 'error')));
  $('#retry-all').addEventListener('click', (e) =>
    guarded(e.currentTarget, async () => {
      await retryShown();
    }),
  );
  $('#login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    setToken(new FormData(/** @type {HTMLFormElement} */ (e.currentTarget)).get('token'));
    signedIn();
  });
  $('#sign-out').addEventListener('click', () => {
    api('DELETE', '/session').catch(() => {});
    signedOut();
  });
  window.addEventListener('hashchange', () => {
    if (new URLSearchParams(location.hash.slice(1)).has('token')) takeTokenFromFragment();
    else show(location.hash.slice(1));
  });
  if (takeTokenFromFragment()) signedIn();
  else signedOut();
}

init();
