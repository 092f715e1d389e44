// The dashboard's one question box: a modal that says what will happen, lists what it touches, and answers yes or no.
import { byId, fill, h } from '../dom.js';

export interface Question {
  title: string;
  /** What the answer changes, said plainly. */
  text: string;
  /** The sessions, rooms or warnings concerned, one line each. */
  items?: readonly string[];
  confirm: string;
  danger?: boolean;
}

/** Opens the question and answers true for the confirm button, false for "Go back" or Escape. */
export function ask(question: Question): Promise<boolean> {
  const dialog = byId('ask', HTMLDialogElement);
  byId('ask-title', HTMLElement).textContent = question.title;
  byId('ask-text', HTMLElement).textContent = question.text;
  const list = byId('ask-items', HTMLElement);
  fill(list, ...(question.items ?? []).map((item) => h('li', null, item)));
  list.hidden = (question.items ?? []).length === 0;
  const yes = byId('ask-confirm', HTMLButtonElement);
  yes.textContent = question.confirm;
  yes.className = `button ${question.danger === true ? 'button--danger' : 'button--primary'}`;
  dialog.returnValue = '';
  dialog.showModal();
  byId('ask-back', HTMLButtonElement).focus();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true });
  });
}
