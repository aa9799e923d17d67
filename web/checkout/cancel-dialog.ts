/// <reference lib="dom" />
/**
 * "Cancel payment": a native modal <dialog> (focus kept inside, Esc closes,
 * the page behind inert) asking why, with an optional comment. The page
 * passes `submit`, which records the cancellation; the dialog only collects.
 */
import { h, replaceChildren } from './dom.ts';
import { label, t, type Lang } from './i18n.ts';
import { commentLengthMax } from './input-rules.ts';
import type { ShownError } from './present.ts';
import { errorAlert } from './views.ts';

export interface CancelDialogOptions {
  lang: Lang;
  reasons: readonly string[];
  /** Resolves null when recorded (the dialog closes), or the error to show in the dialog. */
  submit(reason: string, comment: string): Promise<ShownError | null>;
  /** Called once the dialog is gone, with whether the payment was canceled. */
  onClosed(canceled: boolean): void;
}

export function openCancelDialog(options: CancelDialogOptions): void {
  const { lang } = options;
  let busy = false;
  let canceled = false;
  const reasonError = h('p', { class: 'field-error', id: 'cancel-reason-error', hidden: true }, t(lang, 'cancel.reasonRequired'));
  const alertSlot = h('div');
  const radios = options.reasons.map((reason) =>
    h('input', { type: 'radio', name: 'cancel-reason', value: reason, id: `cancel-reason-${reason}`, 'data-testid': `cancel-reason-${reason}`, 'aria-describedby': 'cancel-reason-error' }),
  );
  const comment = h('textarea', { id: 'cancel-comment', 'data-testid': 'cancel-comment', maxlength: commentLengthMax, rows: 3 });
  const confirm = h('button', { type: 'submit', class: 'button danger', id: 'cancel-confirm', 'data-testid': 'cancel-confirm' }, t(lang, 'cancel.confirm'));
  const keep = h('button', { type: 'button', class: 'button secondary', id: 'cancel-keep', 'data-testid': 'cancel-keep', onclick: () => close() }, t(lang, 'cancel.keep'));

  const form = h(
    'form',
    { novalidate: true, class: 'dialog-form' },
    h('h2', { id: 'cancel-title' }, t(lang, 'cancel.title')),
    h(
      'fieldset',
      { class: 'choices' },
      h('legend', null, t(lang, 'cancel.legend')),
      radios.map((radio) => h('div', { class: 'choice' }, radio, h('label', { for: radio.id }, label(lang, 'reason', radio.value)))),
    ),
    reasonError,
    h('div', { class: 'field' }, h('label', { for: 'cancel-comment' }, t(lang, 'cancel.comment')), comment),
    alertSlot,
    h('div', { class: 'actions' }, keep, confirm),
  );
  const dialog = h('dialog', { class: 'dialog', id: 'cancel-dialog', 'aria-labelledby': 'cancel-title' }, form);

  function close(): void {
    if (busy) return;
    if (typeof dialog.close === 'function' && dialog.open) dialog.close();
    else finish();
  }
  function finish(): void {
    dialog.remove();
    options.onClosed(canceled);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy) return;
    const chosen = radios.find((radio) => radio.checked);
    reasonError.hidden = chosen !== undefined;
    if (!chosen) {
      radios[0]?.focus();
      return;
    }
    busy = true;
    confirm.disabled = true;
    keep.disabled = true;
    void options.submit(chosen.value, comment.value.trim()).then((error) => {
      busy = false;
      confirm.disabled = false;
      keep.disabled = false;
      if (error === null) {
        canceled = true;
        close();
        return;
      }
      replaceChildren(alertSlot, errorAlert(error, 'cancel-error'));
      confirm.focus();
    });
  });
  // Esc: the browser closes the dialog, unless a cancellation is being recorded.
  dialog.addEventListener('cancel', (event) => {
    if (busy) event.preventDefault();
  });
  dialog.addEventListener('close', finish);
  document.body.append(dialog);
  if (typeof dialog.showModal === 'function') {
    dialog.showModal();
  } else {
    // Browsers without <dialog>: open it in place and give Esc the same meaning.
    dialog.setAttribute('open', '');
    dialog.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') close();
    });
    radios[0]?.focus();
  }
}
