/// <reference lib="dom" />
/**
 * "How easy was it to pay?" (1–5, with a comment), then the optional "how
 * likely are you to recommend …" (0–10). Each answered once; thanks after.
 */
import { h } from '../dom.ts';
import { commentLengthMax } from '../input-rules.ts';
import { errorAlert } from '../views.ts';
import { tr, type StepContext } from './step-kit.ts';

export function ratingForm(context: StepContext): HTMLElement {
  const { feedback, rating } = context.state;
  if (feedback) {
    const thanks = h('p', { class: 'thanks', id: 'rating-thanks', 'data-testid': 'rating-thanks', tabindex: -1 }, tr(context, 'rating.thanks'));
    if (feedback.nps_score !== null) return h('div', null, thanks, h('p', { class: 'thanks', id: 'nps-thanks', 'data-testid': 'nps-thanks', tabindex: -1 }, tr(context, 'nps.thanks')));
    return h('div', null, thanks, npsForm(context));
  }
  const comment = h('textarea', { id: 'rating-comment', 'data-testid': 'rating-comment', maxlength: commentLengthMax, rows: 2 }, rating.comment);
  comment.addEventListener('input', () => context.actions.rate({ comment: comment.value }));
  return h(
    'form',
    {
      novalidate: true,
      class: 'rating-form',
      onsubmit: (event) => {
        event.preventDefault();
        context.actions.submitRating();
      },
    },
    h(
      'fieldset',
      { class: 'rating', 'aria-describedby': 'rating-scale' },
      h('legend', null, tr(context, 'rating.legend')),
      h('p', { class: 'hint', id: 'rating-scale' }, tr(context, 'rating.scale')),
      scaleOptions('rating', [1, 2, 3, 4, 5], rating.score, (value) => context.actions.rate({ score: value })),
    ),
    h('div', { class: 'field' }, h('label', { for: 'rating-comment' }, tr(context, 'rating.comment')), comment),
    errorAlert(rating.error, 'rating-error'),
    h('button', { type: 'submit', class: 'button secondary', id: 'rating-submit', 'data-testid': 'rating-submit', 'data-action': '' }, tr(context, 'rating.submit')),
  );
}

function npsForm(context: StepContext): HTMLElement {
  const merchant = context.state.session.merchant.name || tr(context, 'nps.merchantFallback');
  return h(
    'form',
    {
      novalidate: true,
      class: 'rating-form',
      'data-testid': 'nps-form',
      onsubmit: (event) => {
        event.preventDefault();
        context.actions.submitNps();
      },
    },
    h(
      'fieldset',
      { class: 'rating', 'aria-describedby': 'nps-scale' },
      h('legend', null, tr(context, 'nps.legend', { merchant })),
      h('p', { class: 'hint', id: 'nps-scale' }, tr(context, 'nps.scale')),
      scaleOptions('nps', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], context.state.rating.nps, (value) => context.actions.rate({ nps: value })),
    ),
    errorAlert(context.state.rating.npsError, 'nps-error'),
    h('button', { type: 'submit', class: 'button secondary', id: 'nps-submit', 'data-testid': 'nps-submit', 'data-action': '' }, tr(context, 'nps.submit')),
  );
}

/** A row of numbered radio buttons (a rating scale), each labelled by its number. */
function scaleOptions(name: string, values: number[], selected: number | null, onSelect: (value: number) => void): HTMLElement {
  return h(
    'div',
    { class: `rating-options ${name}-options` },
    values.map((value) =>
      h(
        'label',
        { class: 'rating-option', for: `${name}-${value}` },
        h('input', { type: 'radio', name, value, id: `${name}-${value}`, 'data-testid': `${name}-${value}`, checked: selected === value, onchange: () => onSelect(value) }),
        h('span', null, String(value)),
      ),
    ),
  );
}
