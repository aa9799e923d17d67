/**
 * A payer's comment → its language, sentiment (negative, neutral or
 * positive, with a score from −1 to 1) and topics. Pure and deterministic:
 * the worker stores what this returns per comment, and the benchmark and the
 * unit test measure it on the labelled sample in test/fixtures.
 *
 * The approach is a lexicon, in the manner of VADER: the comment is split
 * into words by Intl.Segmenter (ICU's rules for English, its dictionary for
 * Chinese), each known word adds its valence, a negator turns the polarity
 * of the next known word within a few words, a degree adverb strengthens
 * it, and what comes before a contrast ("but", 但是) counts half. The sum is
 * squashed into −1…1 by x / √(x² + α); past ±`polarityThreshold` the
 * comment is positive or negative, else neutral. Topics are keyword matches
 * (topics.ts).
 */
import { assert } from '../../assert.ts';
import { detectLanguage, type CommentLanguage } from './language.ts';
import { englishContrasts, englishIntensifiers, englishNegators, englishValence } from './lexicon-en.ts';
import { chineseContrasts, chineseIntensifiers, chineseNegators, chineseValence } from './lexicon-zh.ts';
import { chineseTopicKeywords, commentTopics, englishTopicKeywords, type CommentTopic } from './topics.ts';

export const sentiments = ['negative', 'neutral', 'positive'] as const;
export type Sentiment = (typeof sentiments)[number];

/** Raised when the lexicons or their rules change, so stored analyses can be told apart and redone. */
export const analyzerVersion = 1;

export interface CommentAnalysis {
  language: CommentLanguage;
  sentiment: Sentiment;
  /** −1 to 1, 4 decimals. */
  score: number;
  topics: CommentTopic[];
}

/** Comments are at most 500 characters where they are written; a longer text is cut, never refused. */
export const analyzedCharactersMax = 2_000;
const squashAlpha = 6;
const polarityThreshold = 0.3;
const negationReachWords = 3;
const intensifierFactor = 1.5;
const negatedFactor = 0.75;
const beforeContrastFactor = 0.5;
/**
 * A comment that raises a complaint (it was slow, declined, confusing,
 * broken) is negative even when it has no negative word ("the QR code took
 * ten minutes to appear"): each such topic adds this valence.
 */
const complaintTopicValence = -2;
const complaintTopics: ReadonlySet<CommentTopic> = new Set(['slow', 'declined', 'confusing', 'bug']);
assert(polarityThreshold > 0 && polarityThreshold < 1, 'the neutral band lies inside −1…1');

interface Lexicon {
  valence: Readonly<Record<string, number>>;
  negators: ReadonlySet<string>;
  intensifiers: ReadonlySet<string>;
  contrasts: ReadonlySet<string>;
}

const english: Lexicon = { valence: englishValence, negators: englishNegators, intensifiers: englishIntensifiers, contrasts: englishContrasts };
const chinese: Lexicon = { valence: chineseValence, negators: chineseNegators, intensifiers: chineseIntensifiers, contrasts: chineseContrasts };

const englishSegmenter = new Intl.Segmenter('en', { granularity: 'word' });
const chineseSegmenter = new Intl.Segmenter('zh', { granularity: 'word' });

export function analyzeComment(text: string): CommentAnalysis {
  const cut = text.slice(0, analyzedCharactersMax);
  const language = detectLanguage(cut);
  const chineseText = language === 'zh-CN' || language === 'zh-TW';
  const lexicon = chineseText ? chinese : english;
  const words = chineseText ? chineseWords(cut) : englishWords(cut);
  const topics = topicsOf(cut, words, chineseText);
  const complaints = topics.filter((topic) => complaintTopics.has(topic)).length;
  const score = squash(valenceSum(words, lexicon) + complaints * complaintTopicValence);
  const sentiment: Sentiment = score >= polarityThreshold ? 'positive' : score <= -polarityThreshold ? 'negative' : 'neutral';
  return { language, sentiment, score, topics };
}

/** Lowercased words; English apostrophes are made straight so "didn’t" is "didn't". */
function englishWords(text: string): string[] {
  const normalized = text.toLowerCase().replace(/[\u2018\u2019]/g, "'");
  const words: string[] = [];
  for (const segment of englishSegmenter.segment(normalized)) {
    if (segment.isWordLike) words.push(segment.segment);
    else if (clausePunctuation.test(segment.segment)) words.push(clauseBreak);
  }
  return words;
}

/** Punctuation that ends a clause: a negation does not reach past it. */
const clausePunctuation = /[,.;:!?，。；：！？、]/;
const clauseBreak = '|';

/**
 * ICU's dictionary does not know every word payers use: it cuts 靠谱 or 报错
 * into single characters, and keeps a negator or a degree adverb together
 * with what follows (太慢, 不方便). So the segments of each clause are joined
 * again where several make a lexicon word (longest first), and a word still
 * unknown is split after its longest known prefix (贵了 is 贵 + 了).
 */
function chineseWords(text: string): string[] {
  const words: string[] = [];
  let clause: string[] = [];
  const flush = () => {
    words.push(...joinKnown(clause).flatMap((word) => splitUnknown(word, 0)));
    clause = [];
  };
  for (const segment of chineseSegmenter.segment(text.toLowerCase())) {
    if (segment.isWordLike) clause.push(segment.segment);
    else if (clausePunctuation.test(segment.segment)) {
      flush();
      words.push(clauseBreak);
    }
  }
  flush();
  return words;
}

const joinedSegmentsMax = 4;
function joinKnown(segments: readonly string[]): string[] {
  const words: string[] = [];
  for (let start = 0; start < segments.length; ) {
    let taken = 1;
    for (let count = Math.min(joinedSegmentsMax, segments.length - start); count >= 2; count -= 1) {
      if (isKnown(segments.slice(start, start + count).join(''))) {
        taken = count;
        break;
      }
    }
    words.push(segments.slice(start, start + taken).join(''));
    start += taken;
  }
  return words;
}

const splitDepthMax = 3;
function splitUnknown(word: string, depth: number): string[] {
  if (depth >= splitDepthMax || [...word].length < 2 || isKnown(word)) return [word];
  for (let length = Math.min(3, word.length - 1); length >= 1; length -= 1) {
    const head = word.slice(0, length);
    const rest = word.slice(length);
    if (isKnown(head)) return [head, ...splitUnknown(rest, depth + 1)];
  }
  return [word];
}

function isKnown(word: string): boolean {
  return word in chinese.valence || chinese.negators.has(word) || chinese.intensifiers.has(word) || chinese.contrasts.has(word);
}

function valenceSum(words: readonly string[], lexicon: Lexicon): number {
  let sum = 0;
  let negationLeft = 0;
  let boost = 1;
  for (const [index, word] of words.entries()) {
    if (word === clauseBreak) {
      negationLeft = 0;
      boost = 1;
      continue;
    }
    if (lexicon.contrasts.has(word)) {
      sum *= beforeContrastFactor;
      continue;
    }
    if (lexicon.negators.has(word) && !(word in lexicon.valence)) {
      negationLeft = negationReachWords;
      continue;
    }
    // A degree adverb that is also a word of its own (好 is "good" and "very") strengthens only when a known word follows.
    const next = words[index + 1];
    if (lexicon.intensifiers.has(word) && (!(word in lexicon.valence) || (next !== undefined && next in lexicon.valence))) {
      boost = intensifierFactor;
      continue;
    }
    const valence = lexicon.valence[word];
    if (valence === undefined) {
      if (negationLeft > 0) negationLeft -= 1;
      continue;
    }
    sum += valence * boost * (negationLeft > 0 ? -negatedFactor : 1);
    negationLeft = 0;
    boost = 1;
  }
  return sum;
}

function squash(sum: number): number {
  const score = sum / Math.sqrt(sum * sum + squashAlpha);
  return Math.round(score * 10_000) / 10_000;
}

function topicsOf(text: string, words: readonly string[], chineseText: boolean): CommentTopic[] {
  if (chineseText) {
    const lowered = text.toLowerCase();
    return commentTopics.filter((topic) => chineseTopicKeywords[topic].some((keyword) => lowered.includes(keyword)));
  }
  // Phrases match on whole words: the words joined by single spaces, padded so a keyword cannot match inside a word.
  const joined = ` ${words.filter((word) => word !== clauseBreak).join(' ')} `;
  return commentTopics.filter((topic) => englishTopicKeywords[topic].some((keyword) => joined.includes(` ${keyword} `)));
}
