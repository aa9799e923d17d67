/**
 * Searching a merchant's FAQ in English and Chinese, without a search
 * engine: a merchant has at most a few hundred entries per language, so a
 * search scores them all in memory.
 *
 * A query is cut into terms: Latin words and digits (lowercase, NFKC, so
 * full-width letters match too) and, for Chinese, which has no spaces, every
 * single character and every pair of adjacent characters. An entry's text is
 * normalized the same way and a term is found in it as a substring (so
 * "refund" finds "refunds"). An entry scores, per distinct query term, twice
 * the term's weight when its question holds it, else the weight when its
 * answer does; pairs and words weigh twice a character, so "退款" ranks an
 * entry with the word above one with 退 and 款 apart. An entry with no term
 * in common is not an answer.
 */
import { limits } from '../limits.ts';

/** NFKC, lowercase, spaces collapsed: how queries and entries are compared. */
function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

/** What is kept of a query for counting: normalized and bounded. */
export function normalizeQuery(query: string): string {
  return normalizeText(query.slice(0, limits.faqQueryLengthMax * 2)).slice(0, limits.faqQueryLengthMax);
}

const han = /\p{Script=Han}/u;

/** Terms and their weights: a word or a pair of Chinese characters weighs 2, a lone character 1. */
export function searchTerms(text: string): Map<string, number> {
  const terms = new Map<string, number>();
  const normalized = normalizeQuery(text);
  for (const word of normalized.match(/[\p{L}\p{N}]+/gu) ?? []) {
    const chars = [...word];
    if (!chars.some((char) => han.test(char))) {
      if (word.length >= 2 || /\p{N}/u.test(word)) terms.set(word, 2);
      continue;
    }
    // A run mixing Han and other letters: Han characters and their pairs, other runs as words.
    for (const [index, char] of chars.entries()) {
      if (!han.test(char)) continue;
      terms.set(char, Math.max(terms.get(char) ?? 0, 1));
      const next = chars[index + 1];
      if (next !== undefined && han.test(next)) terms.set(char + next, 2);
    }
    for (const latin of word.match(/[^\p{Script=Han}]+/gu) ?? []) if (latin.length >= 2) terms.set(latin, 2);
  }
  return terms;
}

export interface FaqCandidate {
  id: string;
  question: string;
  answer: string;
  position: number;
}

/** The entries that answer the query, best first (then by the merchant's order), at most `faqSearchResultsMax`. */
export function rankFaqEntries<T extends FaqCandidate>(query: string, entries: readonly T[]): T[] {
  const queryTerms = searchTerms(query);
  if (queryTerms.size === 0) return [];
  const scored: { entry: T; score: number }[] = [];
  for (const entry of entries) {
    const question = normalizeText(entry.question);
    const answer = normalizeText(entry.answer);
    let score = 0;
    for (const [term, weight] of queryTerms) {
      if (question.includes(term)) score += 2 * weight;
      else if (answer.includes(term)) score += weight;
    }
    // One stray character in common is not an answer to a Chinese question of several.
    if (score >= Math.min(2, [...queryTerms.values()].reduce((a, b) => a + b, 0))) scored.push({ entry, score });
  }
  scored.sort((a, b) => b.score - a.score || a.entry.position - b.entry.position || (a.entry.id < b.entry.id ? -1 : 1));
  return scored.slice(0, limits.faqSearchResultsMax).map((item) => item.entry);
}
