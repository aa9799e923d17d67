/**
 * Sentiment and topic accuracy of the comment analyzer
 * (src/domain/insight/comments) on the labelled samples kept in
 * test/fixtures/feedback-labelled: one table per language for the main
 * sample (the one the rules were tuned on) and one for the held-out sample
 * (written afterwards, never tuned against: the honest estimate), then the
 * comments it got wrong with `--mistakes`. Prints figures; never fails.
 *
 *   node bench/sentiment.ts [--mistakes]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { evaluate, type LabelledComment, type PrecisionRecall } from '../src/domain/insight/comments/evaluate.ts';

const { values: flags } = parseArgs({ options: { mistakes: { type: 'boolean', default: false } } });
const languages = ['en', 'zh-CN', 'zh-TW'] as const;

const percent = (value: number | null) => (value === null ? '   n/a' : `${(value * 100).toFixed(1).padStart(5)}%`);
const pair = (figures: PrecisionRecall) => `precision ${percent(figures.precision)}  recall ${percent(figures.recall)}  (${figures.support} labelled)`;

const samples = [...languages.map((language) => ({ language, file: language, title: language })), ...languages.map((language) => ({ language, file: `holdout-${language}`, title: `${language} held out` }))];

for (const { language, file, title } of samples) {
  const sample = JSON.parse(readFileSync(new URL(`../test/fixtures/feedback-labelled/${file}.json`, import.meta.url), 'utf8')) as { comments: LabelledComment[] };
  const started = performance.now();
  const result = evaluate(sample.comments, language);
  const elapsedMs = performance.now() - started;
  console.log(`\n${title}: ${result.comments} comments, analyzed in ${elapsedMs.toFixed(0)} ms`);
  console.log(`  sentiment accuracy   ${percent(result.sentimentAccuracy)}`);
  for (const [sentiment, figures] of Object.entries(result.sentimentByClass)) console.log(`    ${sentiment.padEnd(16)} ${pair(figures)}`);
  console.log(`  topics (micro)       ${pair(result.topicMicro)}`);
  for (const [topic, figures] of Object.entries(result.topicByName)) console.log(`    ${topic.padEnd(16)} ${pair(figures)}`);
  console.log(`  topic sets exact     ${percent(result.topicExactMatch)}`);
  console.log(`  language detected    ${percent(result.languageAccuracy)}`);
  if (flags.mistakes) for (const m of result.mistakes) console.log(`    ✗ ${m.text}  expected ${m.expected}, got ${m.got}`);
}
