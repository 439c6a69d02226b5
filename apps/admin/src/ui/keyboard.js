// @ts-check
// Keyboard review of the conflict queue: j / ↓ next, k / ↑ previous, and a key per action on the
// card in focus. Keys typed into a field are left alone.
export const KEYS = [
  ['j / ↓', 'next entry'],
  ['k / ↑', 'previous entry'],
  ['1–9', 'pick that side / link that person'],
  ['c', 'keep the chosen value'],
  ['s', 'keep as a separate person'],
  ['m', 'merge these people'],
  ['d', 'dismiss / ignore'],
  ['e', 'enter a value'],
  ['?', 'show these keys'],
];

const ACTIONS = {
  c: ['keep-chosen'],
  s: ['create-new'],
  m: ['merge-open'],
  d: ['dismiss', 'ignore-record'],
};

/** @returns {HTMLElement[]} */
const cards = () =>
  [...document.querySelectorAll('#conflict-list [data-testid="conflict-row"]')].map(
    (c) => /** @type {HTMLElement} */ (c),
  );
let index = -1;

function focusAt(i) {
  const list = cards();
  if (!list.length) return;
  index = Math.max(0, Math.min(list.length - 1, i));
  for (const c of list) c.classList.toggle('focused', c === list[index]);
  list[index].setAttribute('tabindex', '-1');
  list[index].focus({ preventScroll: true });
  list[index].scrollIntoView({ block: 'nearest' });
}

const current = () => {
  const list = cards();
  return list.find((c) => c.classList.contains('focused')) ?? list[Math.max(0, Math.min(index, list.length - 1))];
};

function click(card, testids) {
  for (const t of testids) {
    const b = card.querySelector(`[data-testid="${t}"]:not([disabled])`);
    if (b) {
      b.click();
      return true;
    }
  }
  return false;
}

/** Installs the keys; `isActive()` says whether the conflicts view is shown, `help` is the key list's element. */
export function initKeyboard({ isActive, help }) {
  // A decided card is replaced by its new version: the focus mark stays at its place.
  const list = document.querySelector('#conflict-list');
  if (list)
    new MutationObserver(() => {
      const all = cards();
      if (index >= 0 && all[index] && !all[index].classList.contains('focused')) {
        for (const c of all) c.classList.toggle('focused', c === all[index]);
      }
    }).observe(list, { childList: true });
  document.addEventListener('keydown', (e) => {
    if (!isActive() || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName)))
      return;
    const card = current();
    let handled = true;
    if (e.key === 'j' || e.key === 'ArrowDown') focusAt(index + 1);
    else if (e.key === 'k' || e.key === 'ArrowUp') focusAt(index - 1);
    else if (e.key === '?') help.hidden = !help.hidden;
    else if (!card) handled = false;
    else if (/^[1-9]$/.test(e.key)) {
      // Side pick buttons, or link buttons of the people in the card, in order.
      const buttons = [
        .../** @type {NodeListOf<HTMLButtonElement>} */ (
          card.querySelectorAll('[data-testid^="pick-"], [data-testid^="link-"]')
        ),
      ].filter((b) => !b.disabled);
      const b = buttons[Number(e.key) - 1];
      if (b) b.click();
      else handled = false;
    } else if (e.key === 'e') {
      const input = /** @type {HTMLElement | null} */ (card.querySelector('[data-testid="value-input"]'));
      if (input) input.focus();
      else handled = false;
    } else if (ACTIONS[e.key]) handled = click(card, ACTIONS[e.key]);
    else handled = false;
    if (handled) e.preventDefault();
  });
}

/** After the list reloads: focus stays at the same place in the queue (or the first entry). */
export function refocus() {
  if (cards().length) focusAt(Math.max(index, 0));
}
