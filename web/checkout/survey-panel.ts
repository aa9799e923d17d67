/// <reference lib="dom" />
/**
 * The emailed NPS survey's question on the order page: the survey email links
 * to `/orders/:id?token=…&survey=…&survey_token=…`, and the payer answers
 * here with one click (0–10), never by merely opening the link (a mail
 * scanner following links must not answer for them).
 *
 * Stable hooks for browser tests: nps-survey, nps-score-0 … nps-score-10, nps-thanks.
 */
import { IdempotencyKeys, type ApiClient } from './api.ts';
import { h, replaceChildren } from './dom.ts';
import type { Lang } from './i18n.ts';
import { shownError, type ShownError } from './present.ts';
import { supportText } from './support-texts.ts';
import { errorAlert } from './views.ts';

export interface SurveyLink {
  survey: string;
  token: string;
}

/** The survey in the page's own URL, when it has one. */
export function surveyLinkOf(search: string): SurveyLink | null {
  const params = new URLSearchParams(search);
  const survey = params.get('survey');
  const token = params.get('survey_token');
  return survey && token ? { survey: survey.slice(0, 64), token: token.slice(0, 64) } : null;
}

export class SurveyPanel {
  readonly element = h('section', { class: 'card-section', 'data-testid': 'nps-survey', 'aria-labelledby': 'nps-heading' });
  private answered: number | null = null;
  private error: ShownError | null = null;
  private readonly keys = new IdempotencyKeys();

  private readonly api: ApiClient;
  private readonly link: SurveyLink;
  private lang: Lang;

  constructor(api: ApiClient, link: SurveyLink, lang: Lang) {
    this.api = api;
    this.link = link;
    this.lang = lang;
  }

  async load(): Promise<void> {
    try {
      const survey = await this.api.get<{ nps_score: number | null }>(`/v1/nps_surveys/${encodeURIComponent(this.link.survey)}?token=${encodeURIComponent(this.link.token)}`);
      this.answered = survey.nps_score;
    } catch (error) {
      this.error = shownError(error, this.lang);
    }
  }

  setLanguage(lang: Lang): void {
    this.lang = lang;
  }

  private async answer(score: number): Promise<void> {
    const signature = String(score);
    const key = this.keys.keyFor(signature);
    try {
      const survey = await this.api.post<{ nps_score: number | null }>(`/v1/nps_surveys/${encodeURIComponent(this.link.survey)}/answer`, { token: this.link.token, score }, key);
      this.keys.settle(signature, key, null);
      this.answered = survey.nps_score;
      this.error = null;
    } catch (error) {
      this.keys.settle(signature, key, error);
      this.error = shownError(error, this.lang);
    }
  }

  render(merchant: string, rerender: () => void): HTMLElement {
    const heading = h('h2', { id: 'nps-heading' }, supportText(this.lang, 'surveyTitle', { merchant }));
    if (this.answered !== null) {
      replaceChildren(this.element, heading, h('p', { class: 'success', 'data-testid': 'nps-thanks', role: 'status' }, supportText(this.lang, 'surveyThanks')));
      return this.element;
    }
    const scores = Array.from({ length: 11 }, (_, score) =>
      h(
        'button',
        {
          type: 'button',
          class: 'button secondary nps-score',
          'data-testid': `nps-score-${score}`,
          onclick: () => {
            void this.answer(score).then(rerender);
          },
        },
        String(score),
      ),
    );
    replaceChildren(this.element, heading, h('p', { class: 'hint' }, supportText(this.lang, 'surveyHint')), h('div', { class: 'nps-scores', role: 'group', 'aria-labelledby': 'nps-heading' }, scores), errorAlert(this.error, 'nps-error'));
    return this.element;
  }
}
