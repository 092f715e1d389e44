// DOM building blocks for the pages: elements from text only (never markup), lookups, focus keeping, two-press confirmation.

export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined>;

/**
 * Builds an element. Strings become text nodes and attributes are set one by one, so data from the
 * server can never be parsed as markup.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'number' ? String(child) : child);
  }
}

export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`#${id} is missing from the page`);
  return el;
}

/**
 * Re-renders a region while keeping keyboard focus on the "same" control, found again by its
 * data-focus-key: rebuilding a list must not throw a keyboard user back to the top of the page.
 */
export function keepFocus(container: Element, render: () => void): void {
  const active = document.activeElement;
  const key = active instanceof HTMLElement && container.contains(active) ? active.dataset.focusKey : undefined;
  render();
  if (key === undefined) return;
  const again = container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
  if (again instanceof HTMLElement) again.focus();
}

export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let handle: number | undefined;
  return (...args: A) => {
    window.clearTimeout(handle);
    handle = window.setTimeout(() => fn(...args), ms);
  };
}

const CONFIRM_MS = 6_000;

/**
 * Two presses for actions that are hard to take back: the first arms the button and says what
 * will happen, the second acts. Unarms itself after a few seconds.
 */
export function confirmTwice(button: HTMLButtonElement, confirmLabel: string, action: () => void): void {
  const label = button.textContent ?? '';
  let timer: number | undefined;
  const disarm = (): void => {
    window.clearTimeout(timer);
    timer = undefined;
    button.textContent = label;
    button.classList.remove('button--armed');
  };
  button.addEventListener('click', () => {
    if (timer === undefined) {
      button.textContent = confirmLabel;
      button.classList.add('button--armed');
      timer = window.setTimeout(disarm, CONFIRM_MS);
      return;
    }
    disarm();
    action();
  });
}

/** A text field of a submitted form; a file input's value (never used here) counts as empty. */
export function formText(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

/** Every text value of a repeated field (checkboxes of one name). */
export function formTexts(data: FormData, name: string): string[] {
  return data.getAll(name).filter((v): v is string => typeof v === 'string');
}
