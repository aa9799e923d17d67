/**
 * Which language a payer's comment is written in: English, or Chinese in
 * simplified (zh-CN) or traditional (zh-TW) characters. A comment with Han
 * characters is Chinese; its script is decided by counting characters that
 * exist only in one of the two scripts (the common ones that differ), and a
 * tie (text written with characters shared by both) is simplified, the
 * script most payers use. Anything else with Latin letters is English;
 * text with neither (emoji, digits) is `und` (undetermined).
 */
import { traditionalOf } from './lexicon-zh.ts';

export const commentLanguages = ['en', 'zh-CN', 'zh-TW', 'und'] as const;
export type CommentLanguage = (typeof commentLanguages)[number];

const hanPattern = /\p{Script=Han}/u;
const latinPattern = /\p{Script=Latin}/u;

/**
 * Characters that differ between the scripts: the table of lexicon-zh.ts,
 * frequent characters of payment comments.
 */

const simplifiedOnly = new Set<string>();
const traditionalOnly = new Set<string>();
for (const [simplified, traditional] of Object.entries(traditionalOf)) {
  if (simplified === traditional) continue;
  simplifiedOnly.add(simplified);
  traditionalOnly.add(traditional);
}
// A character written alike in both scripts tells nothing: each set keeps only its own.
for (const character of [...simplifiedOnly]) {
  if (traditionalOnly.has(character)) {
    simplifiedOnly.delete(character);
    traditionalOnly.delete(character);
  }
}

export function detectLanguage(text: string): CommentLanguage {
  if (hanPattern.test(text)) {
    let simplified = 0;
    let traditional = 0;
    for (const character of text) {
      if (simplifiedOnly.has(character)) simplified += 1;
      else if (traditionalOnly.has(character)) traditional += 1;
    }
    return traditional > simplified ? 'zh-TW' : 'zh-CN';
  }
  return latinPattern.test(text) ? 'en' : 'und';
}
